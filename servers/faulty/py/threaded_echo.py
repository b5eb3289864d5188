"""The shared part of the FAULTY ON PURPOSE thread-per-connection servers
beside it (sigpipe, timer_leak, threaded_block_on_close, ignores_sigterm):
a socketserver upper-echo server, correct on its own; each of them changes
one thing of it, and says which.

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


def echo(conn):
    """Echoes conn until the client's FIN, then half-closes it."""
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data.translate(TABLE))
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        echo(self.request)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    request_queue_size = 1024
    daemon_threads = True
    block_on_close = False

    def get_request(self):
        try:
            return super().get_request()
        except OSError as e:
            # Out of fds the listening socket stays readable: back off
            # instead of spinning (socketserver itself retries at once).
            if e.errno in (errno.EMFILE, errno.ENFILE):
                time.sleep(0.05)
            raise


def serve(server_class=Server, handler=Echo, stop_on_term=True):
    """Serves on ECHO_HOST:ECHO_PORT until SIGTERM or SIGINT (unless
    stop_on_term is false), then closes the server."""
    host = os.environ.get("ECHO_HOST", "127.0.0.1")
    port = int(os.environ["ECHO_PORT"])
    server = server_class((host, port), handler)

    def stop(*_):
        # shutdown() waits for serve_forever to return: not from its thread.
        threading.Thread(target=server.shutdown).start()

    if stop_on_term:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
