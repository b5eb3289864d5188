"""The TCP echo server of Python's asyncio documentation, as the docs teach it.

For echospec's plain-echo runs (make realworld; see ../README.md). Its
shape is the "TCP echo server using streams" example of the asyncio
streams docs (https://docs.python.org/3/library/asyncio-stream.html,
section Examples): handle_echo awaits reader.read(100) once, decodes and
prints it, writes it back, awaits drain(), closes; main() starts the
server with asyncio.start_server and awaits serve_forever(). The one
change: it listens on $ECHO_HOST:$ECHO_PORT instead of 127.0.0.1:8888.

It echoes one read of at most 100 bytes per connection and then closes,
and its data.decode() raises on bytes that are not UTF-8 (the task fails,
the connection is closed, nothing is echoed): that is the example, kept
as it is; the suite's verdicts on it are in ../README.md. A looping echo
on the same API is fixtures/servers/asyncio_echo.py.
"""
import asyncio
import os


async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info('peername')

    print(f"Received {message!r} from {addr!r}")

    print(f"Send: {message!r}")
    writer.write(data)
    await writer.drain()

    print("Close the connection")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(
        handle_echo, os.environ['ECHO_HOST'], int(os.environ['ECHO_PORT']))

    addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
    print(f'Serving on {addrs}')

    async with server:
        await server.serve_forever()


asyncio.run(main())
