#!/usr/bin/env python3
"""FAULTY ON PURPOSE: the asyncio upper-echo server with one defect: it leaves
`z` lowercase (an off-by-one in its translation table, 0x61..0x79).
Never use it as a server; the self-test checks that the suite catches it.

Run by the suite with ECHO_HOST and ECHO_PORT in its environment:

    ECHOSPEC_TARGET_CMD='python3 servers/faulty/py/lowercase_z.py' \
        ECHOSPEC_TARGET_NAME=lowercase-z go tool ginkgo run ./suites/conformance

Apart from the defect it is fixtures/servers/asyncio_echo.py: it reads at
most 64 KiB at a time and awaits drain() after each write, so a client that
stops reading stops being read from (backpressure). After the client's FIN
it has already echoed everything, so it closes with FIN.
"""
import asyncio
import os
import signal

# BUG: the range should end at 0x7A (z).
TABLE = bytes(c - 32 if 0x61 <= c <= 0x79 else c for c in range(256))


async def serve(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data.translate(TABLE))
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def main():
    host = os.environ.get("ECHO_HOST", "127.0.0.1")
    port = int(os.environ["ECHO_PORT"])
    server = await asyncio.start_server(serve, host, port, backlog=1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
