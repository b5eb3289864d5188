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
import os
import signal
import socket
import socketserver

TABLE = bytes(c - 32 if 0x61 <= c <= 0x7A else c for c in range(256))


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data.translate(TABLE))
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024


def main():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # BUG: SIGTERM must end the server
    host = os.environ.get("ECHO_HOST", "127.0.0.1")
    port = int(os.environ["ECHO_PORT"])
    Server((host, port), Echo).serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
