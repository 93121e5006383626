"""Calls ``mypy --strict`` must refuse (tests/test_typing.py expects one error per line marked
``# E``): the stubs are not so loose that anything passes."""

import wsaccept

wsaccept.accept(12)  # E
wsaccept.accept_batch([b"key"])  # E
wsaccept.generate("10")  # E
wsaccept.accept_batch_into(b"keys", out=None)  # E
n: str = wsaccept.accept_batch(b"").invalid  # E
