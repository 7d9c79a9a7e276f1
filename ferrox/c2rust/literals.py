"""C literal tokens to Rust literals."""

from __future__ import annotations

from ferrox.errors import UnsupportedError

__all__ = ["Untranslatable", "rust_bytes", "string_bytes"]


class Untranslatable(UnsupportedError):
    """A C construct ferrox cannot translate (the function becomes a stub)."""


_SIMPLE = {
    "n": 10,
    "t": 9,
    "r": 13,
    "0": 0,
    "\\": 92,
    "'": 39,
    '"': 34,
    "a": 7,
    "b": 8,
    "f": 12,
    "v": 11,
    "?": 63,
    "e": 27,
}


def string_bytes(token: str) -> bytes:
    """The bytes of one C string-literal token (escapes decoded, quotes removed)."""
    if token.startswith(("L", "u", "U")):
        raise Untranslatable("wide string literals")
    body = token[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out += ch.encode()
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1 : j], 8) & 0xFF)
            i = j
        elif nxt == "x":
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 2 : j], 16) & 0xFF)
            i = j
        elif nxt in _SIMPLE:
            out.append(_SIMPLE[nxt])
            i += 2
        else:
            raise Untranslatable(f"escape sequence \\{nxt}")
    return bytes(out)


def rust_bytes(data: bytes) -> str:
    """A Rust byte-string literal ``b"..."`` holding ``data``."""
    parts = []
    for b in data:
        c = chr(b)
        if c == '"':
            parts.append('\\"')
        elif c == "\\":
            parts.append("\\\\")
        elif c == "\n":
            parts.append("\\n")
        elif c == "\t":
            parts.append("\\t")
        elif 32 <= b < 127:
            parts.append(c)
        else:
            parts.append(f"\\x{b:02x}")
    return 'b"' + "".join(parts) + '"'
