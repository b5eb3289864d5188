#!/usr/bin/env python3
"""FAULTY ON PURPOSE: a socketserver thread-per-connection upper-echo server
with one defect: its handler threads are not daemon threads
(ThreadingMixIn's default daemon_threads = False, block_on_close = True), so
on SIGTERM server_close() joins every handler thread and an idle client
keeps the process alive forever.
Never use it as a server; the self-test checks that the suite catches it.

Run by the suite with ECHO_HOST and ECHO_PORT in its environment:

    ECHOSPEC_TARGET_CMD='python3 servers/faulty/py/threaded_block_on_close.py' \\
        ECHOSPEC_TARGET_NAME=threaded-block-on-close go tool ginkgo run ./suites/conformance

Each connection has a thread of its own that blocks in recv, then in
sendall until the whole echo is out (natural backpressure). After the
client's FIN the echo is already written, so it half-closes and closes.
"""
import threaded_echo


class Server(threaded_echo.Server):
    # BUG: ThreadingMixIn's defaults (daemon_threads = False, block_on_close
    # = True) put back: on shutdown, server_close() joins every connection's
    # thread.
    daemon_threads = False
    block_on_close = True


if __name__ == "__main__":
    threaded_echo.serve(server_class=Server)
