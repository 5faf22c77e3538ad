"""dot.sha: the same SHA-256 as hashlib's, one-shot and incremental."""

from __future__ import annotations

import hashlib

import pytest

from dot.sha import sha256


@pytest.mark.parametrize("data", [b"", b"abc", b"x" * 100_000, bytes(range(256))])
def test_sha256_is_hashlibs(data: bytes) -> None:
    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    incremental = sha256()
    incremental.update(data[:7])
    incremental.update(data[7:])
    assert incremental.hexdigest() == hashlib.sha256(data).hexdigest()
