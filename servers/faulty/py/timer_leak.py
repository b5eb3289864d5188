#!/usr/bin/env python3
"""FAULTY ON PURPOSE: a socketserver thread-per-connection upper-echo server
with one defect: each connection arms a threading.Timer as its idle
watchdog and never cancels it, so every finished connection leaves a timer
thread behind for an hour (a thread leak).
Never use it as a server; the self-test checks that the suite catches it.

Run by the suite with ECHO_HOST and ECHO_PORT in its environment:

    ECHOSPEC_TARGET_CMD='python3 servers/faulty/py/timer_leak.py' \\
        ECHOSPEC_TARGET_NAME=timer-leak go tool ginkgo run ./suites/conformance

The server is threaded_echo's, changed in that one thing.
"""
import threading

import threaded_echo

IDLE_LIMIT = 3600.0  # seconds: far beyond any spec's idle time


class Echo(threaded_echo.Echo):
    def handle(self):
        watchdog = threading.Timer(IDLE_LIMIT, self.request.close)
        watchdog.daemon = True
        watchdog.start()
        threaded_echo.echo(self.request)
        # BUG: missing `watchdog.cancel()`: the timer's thread lives on.


if __name__ == "__main__":
    threaded_echo.serve(handler=Echo)
