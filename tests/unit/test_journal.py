"""The journal's text encoding of operations: exactly what json.dumps writes."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from dot.model import Backup, Kind, Link, Mkdir, Operation, Rmdir, Unlink
from dot.pipeline.journal import decode, encode, encode_text

# Any text a path component may hold (no NUL, no slash), surrogates included: file
# names that are not UTF-8 reach Python as lone surrogates.
NAMES = st.text(st.characters(blacklist_characters="\0/"), min_size=1, max_size=12)
PATHS = st.lists(NAMES, min_size=1, max_size=3).map("/".join)
MODES = st.none() | st.integers(0, 0o7777)
PACKAGES = st.none() | NAMES


def operations() -> st.SearchStrategy[Operation]:
    return st.one_of(
        st.builds(Link, PATHS, PATHS, NAMES, PATHS, st.sampled_from([Kind.FILE, Kind.DIR])),
        st.builds(Unlink, PATHS, PATHS, PACKAGES),
        st.builds(Mkdir, PATHS, PACKAGES, MODES),
        st.builds(Rmdir, PATHS),
        st.builds(Backup, PATHS, PATHS, NAMES, st.sampled_from([Kind.FILE, Kind.LINK])),
    )


@given(op=operations())
def test_text_encoding_is_json_dumps_of_the_array(op: Operation) -> None:
    assert encode_text(op) == json.dumps(encode(op), separators=(",", ":"))


def test_the_text_decodes_to_the_same_operation() -> None:
    ops: list[Operation] = [
        Link('a "quoted"/dir', "../x\\y", "vim", "dot-vim/\u00e9\udcff", Kind.DIR),
        Unlink("b", "../b", None),
        Mkdir("c", None, None),
        Mkdir("d", "vim", 0o750),
        Rmdir("e/f"),
    ]
    for op in ops:
        assert decode(json.loads(encode_text(op)), "test") == op
