"""WebSocket echo server peer for the C loadgen, using the `websockets` library.

Usage: python3 server.py [PORT]     (default 0: any free port)

Binds 127.0.0.1 only and prints "listening on 127.0.0.1:PORT" once ready, so the
test can start it on port 0 and read the chosen port. Runs until killed.
"""
import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    # A deep backlog: the load generator opens hundreds of connections at once.
    async with serve(echo, "127.0.0.1", port, backlog=1024, compression=None) as server:
        real = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{real}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
