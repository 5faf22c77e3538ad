"""SHA-256, without importing the whole of hashlib.

`import hashlib` sets up every algorithm it offers (OpenSSL's, then blake2 and
sha3 modules); dot needs one, and the rest doubled what hashing cost at start-up.
OpenSSL's SHA-256 is the one hashlib itself would return; a Python built without
OpenSSL gets hashlib's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _hashlib import openssl_sha256 as sha256
    except ImportError:  # a Python built without OpenSSL
        from hashlib import sha256

__all__ = ["sha256"]
