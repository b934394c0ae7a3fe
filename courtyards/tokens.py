"""The random tokens printed in QR codes and handed out as capabilities (RELIABILITY.md §3.7).

A token is 26 symbols of Crockford's base32 from `secrets`: 130 random bits, more than the 128
ASVS 11.5.1 asks for. Upper-case letters and digits only, so that a QR code holding the whole
upper-cased URL uses alphanumeric mode and stays coarse enough to scan from a step away.
Reading is forgiving the way Crockford's alphabet intends: lower case, I/L for 1 and O for 0.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 26
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_VALID = frozenset(ALPHABET)


def new_token() -> str:
    """A fresh token: 26 symbols, 130 random bits."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_token(text: str) -> str | None:
    """The canonical form of a typed or scanned token; None when it cannot be one."""
    if not text or len(text) > LENGTH + 8:
        return None
    token = text.strip().upper().replace("-", "").translate(_READ_AS)
    if len(token) != LENGTH or not set(token) <= _VALID:
        return None
    return token


def reference_code(length: int = 8) -> str:
    """A short reference people read aloud (a booking's): Crockford symbols, not a secret."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
