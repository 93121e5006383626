"""The module's constants and status codes are the C header's (include/wsaccept.h), parsed
here, so neither side can change alone."""

import re
from pathlib import Path

import wsaccept

HEADER = Path(__file__).resolve().parents[3] / "include" / "wsaccept.h"


def header_text() -> str:
    return HEADER.read_text()


def header_defines() -> dict:
    return {name: int(value)
            for name, value in re.findall(r"^#define (WSACCEPT_\w+) (-?\d+)\s*$", header_text(), re.M)}


def header_status_codes() -> dict:
    body = re.search(r"enum wsaccept_status \{(.*?)\}", header_text(), re.S)
    assert body, "no enum wsaccept_status in the header"
    return {name: int(value) for name, value in re.findall(r"(WSACCEPT_\w+) = (-?\d+)", body.group(1))}


def test_status_codes_are_the_headers():
    codes = header_status_codes()
    assert len(codes) >= 10
    assert {code: name for name, code in codes.items()} == wsaccept.STATUS_NAMES
    for name, code in codes.items():
        assert getattr(wsaccept, name) == code


def test_constants_are_the_headers():
    defines = header_defines()
    assert wsaccept.KEY_LEN == defines["WSACCEPT_KEY_LEN"]
    assert wsaccept.ACCEPT_LEN == defines["WSACCEPT_ACCEPT_LEN"]
    assert wsaccept.MAX_THREADS == defines["WSACCEPT_MAX_THREADS"]
    assert wsaccept.MODE_STRICT == defines["WSACCEPT_MODE_STRICT"]
    assert wsaccept.MODE_LENIENT == defines["WSACCEPT_MODE_LENIENT"]
    assert wsaccept.MAX_LENIENT_KEY_LEN == defines["WSACCEPT_MAX_LENIENT_KEY_LEN"]
    # response() sizes its buffer from these two.
    assert wsaccept.RESPONSE_LEN == defines["WSACCEPT_RESPONSE_LEN"]
    assert wsaccept.PROTOCOL_HEADER_OVERHEAD == defines["WSACCEPT_PROTOCOL_HEADER_OVERHEAD"]
