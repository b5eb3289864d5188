#!/usr/bin/env python3
"""FAULTY ON PURPOSE: a socketserver thread-per-connection upper-echo server
with one defect: each connection arms a threading.Timer as its idle
watchdog and never cancels it, so every finished connection leaves a timer
thread behind for an hour (a thread leak).
Never use it as a server; the self-test checks that the suite catches it.

Run by the suite with ECHO_HOST and ECHO_PORT in its environment:

    ECHOSPEC_TARGET_CMD='python3 servers/faulty/py/timer_leak.py' \\
        ECHOSPEC_TARGET_NAME=timer-leak go tool ginkgo run ./suites/conformance

Each connection has a daemon thread of its own that blocks in recv, then in
sendall until the whole echo is out (natural backpressure). After the
client's FIN the echo is already written, so it half-closes and closes.
"""
import errno
import os
import signal
import socket
import socketserver
import threading
import time

TABLE = bytes(c - 32 if 0x61 <= c <= 0x7A else c for c in range(256))
IDLE_LIMIT = 3600.0  # seconds: far beyond any spec's idle time


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        watchdog = threading.Timer(IDLE_LIMIT, conn.close)
        watchdog.daemon = True
        watchdog.start()
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data.translate(TABLE))
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        # BUG: missing `watchdog.cancel()`: the timer's thread lives on.


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    request_queue_size = 1024

    def get_request(self):
        try:
            return super().get_request()
        except OSError as e:
            # Out of fds the listening socket stays readable: back off
            # instead of spinning (socketserver itself retries at once).
            if e.errno in (errno.EMFILE, errno.ENFILE):
                time.sleep(0.05)
            raise
    daemon_threads = True
    block_on_close = False


def main():
    host = os.environ.get("ECHO_HOST", "127.0.0.1")
    port = int(os.environ["ECHO_PORT"])
    server = Server((host, port), Echo)

    def stop(*_):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.1)
    server.server_close()


if __name__ == "__main__":
    main()
