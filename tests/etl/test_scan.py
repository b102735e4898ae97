"""The one pass over a file's bytes (`readers._scan`) finds its blank lines, control bytes,
hash and size as a look at the whole file at once would, wherever the reads cut it."""

from __future__ import annotations

import hashlib
import io
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl import readers

LINES = st.lists(
    st.sampled_from(["a,b", "1", "", "\r", " ", "中文,x", '"q\nr"', "\t"]), max_size=30
)


class _Pieces(io.RawIOBase):
    """A stream whose reads return the given sizes in turn, whatever size is asked."""

    def __init__(self, data: bytes, sizes: list[int]):
        self.data, self.sizes, self.at = data, sizes, 0

    def readable(self) -> bool:
        return True

    def read(self, _size: int = -1) -> bytes:
        size = self.sizes.pop(0) if self.sizes else len(self.data)
        piece = self.data[self.at : self.at + size]
        self.at += len(piece)
        return piece


# Reads of one or two bytes leave less than the three bytes the seam needs from the last.
READ_SIZES = st.lists(st.sampled_from([1, 1, 2, 3, 5, 7]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(LINES, st.sampled_from(["\n", "\r\n"]), READ_SIZES)
@example(["a", "", "b"], "\n", [1, 1, 1, 1])
@example(["a", "", "b"], "\r\n", [2, 1, 2, 1])
def test_what_the_scan_finds_does_not_depend_on_where_the_reads_cut(lines, newline, sizes):
    data = newline.join(lines).encode()
    scan = readers._scan(_Pieces(data, sizes))
    assert scan.blank_lines == (re.search(rb"\n\r?\n(?=[^\r\n])", data) is not None)
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
    assert scan.size == len(data)
    assert scan.control_bytes == (b"\t" in data)
