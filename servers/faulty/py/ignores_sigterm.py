#!/usr/bin/env python3
"""FAULTY ON PURPOSE: a socketserver thread-per-connection upper-echo server
with one defect: it ignores SIGTERM (SIG_IGN, as a supervisor's child or a
`nohup` wrapper may leave it), so only SIGKILL ends it.
Never use it as a server; the self-test checks that the suite catches it
(L1: slow-exit) and still runs every other spec against it.

Run by the suite with ECHO_HOST and ECHO_PORT in its environment:

    ECHOSPEC_TARGET_CMD='python3 servers/faulty/py/ignores_sigterm.py' \\
        ECHOSPEC_TARGET_NAME=ignores-sigterm go tool ginkgo run ./suites/conformance
"""
import signal

import threaded_echo

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # BUG: SIGTERM must end the server
    threaded_echo.serve(stop_on_term=False)
