#!/usr/bin/env python3
"""FAULTY ON PURPOSE: a socketserver thread-per-connection upper-echo server
with one defect: it restores the default SIGPIPE action (to die quietly when
its output is piped into `head`, a common CLI idiom), and writes with plain
send(2), so the first write that meets EPIPE kills the whole process.
Never use it as a server; the self-test checks that the suite catches it.

Run by the suite with ECHO_HOST and ECHO_PORT in its environment:

    ECHOSPEC_TARGET_CMD='python3 servers/faulty/py/sigpipe.py' \\
        ECHOSPEC_TARGET_NAME=sigpipe go tool ginkgo run ./suites/conformance

The server is threaded_echo's, changed in that one thing.
"""
import signal

import threaded_echo

# BUG: Python ignores SIGPIPE so that EPIPE is an exception; this makes a
# write to a socket the peer has closed and reset kill the process instead.
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

if __name__ == "__main__":
    threaded_echo.serve()
