"""WebSocket client peer for the C example server, using the `websockets` library.

Usage: python3 client.py PORT [CONNECTIONS]

`websockets` checks Sec-WebSocket-Accept itself and refuses the connection on a
mismatch, so a completed handshake here is an independent check of the server.
Exits 0 and prints "python client: OK ..." only if every check passed.
"""
import sys

from websockets.sync.client import connect


def one(uri: str, i: int) -> None:
    with connect(uri, open_timeout=5, close_timeout=5, max_size=2**21, compression=None) as ws:
        text = f"hello {i} \u00e9\u20ac"
        ws.send(text)
        got = ws.recv(timeout=5)
        assert got == text, f"text echo mismatch: {got!r} != {text!r}"

        blob = bytes(range(256)) * 400  # 100 KiB: arrives in several reads
        ws.send(blob)
        got = ws.recv(timeout=5)
        assert got == blob, "binary echo mismatch"

        # A fragmented message must come back as the same message.
        ws.send(iter(["frag", "mented ", "message"]))
        got = ws.recv(timeout=5)
        assert got == "fragmented message", f"fragmented echo mismatch: {got!r}"

        pong = ws.ping(b"are you there")
        assert pong.wait(5), "no pong"
    # Leaving the block runs the closing handshake; a server that does not answer
    # the close frame makes websockets wait close_timeout and record 1006.
    assert ws.close_code == 1000, f"close code {ws.close_code}"


def main() -> int:
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    uri = f"ws://127.0.0.1:{port}/echo"
    for i in range(n):
        one(uri, i)
    print(f"python client: OK {n} connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
