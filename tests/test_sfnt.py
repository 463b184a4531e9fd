"""TrueType/OpenType ``head`` dates on a real font program (Bitstream Vera, shipped with
reportlab) and on truncated or foreign data."""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

import pytest
import reportlab

from authenticity.extract.sfnt import head_dates

VERA = Path(reportlab.__file__).resolve().parent / "fonts" / "Vera.ttf"


def _head_offset(data: bytes) -> int:
    (count,) = struct.unpack_from(">H", data, 4)
    for i in range(count):
        tag, _, offset, _ = struct.unpack_from(">4sLLL", data, 12 + 16 * i)
        if tag == b"head":
            return offset
    raise AssertionError("no head table")


def test_real_font_build_dates():
    if not VERA.is_file():
        pytest.skip("reportlab's Vera.ttf not found")
    data = VERA.read_bytes()
    created, modified = head_dates(data)
    # Bitstream Vera 1.10 was released in 2003; both stamps are from its build.
    assert created is not None and modified is not None
    assert dt.datetime(2002, 1, 1) < created <= modified < dt.datetime(2004, 1, 1)
    # Cut inside the head table: unreadable, not a wrong date.
    assert head_dates(data[: _head_offset(data) + 30]) is None


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x00\x00", b"OTTO" + b"\xff" * 8, b"%PDF-1.7\n" * 4, b"wOFF" + b"\x00" * 60],
)
def test_foreign_or_truncated_data_has_no_dates(data):
    assert head_dates(data) is None


def test_placeholder_dates_are_dropped():
    head = bytearray(54)
    struct.pack_into(">qq", head, 20, 0, 2**62)  # 1904 (unset) and far beyond 2100
    data = b"true" + struct.pack(">HHHH", 1, 16, 0, 0) + struct.pack(">4sLLL", b"head", 0, 28, 54)
    assert head_dates(data + bytes(head)) == (None, None)
