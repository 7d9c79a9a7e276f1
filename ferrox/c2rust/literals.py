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


def string_bytes(token: str, width: int = 1) -> bytes:
    """The bytes of one C string-literal token (escapes decoded, quotes and prefix removed),
    each character a little-endian unit of ``width`` bytes: 1 for ``"..."`` and ``u8"..."``
    (UTF-8), 2 for ``u"..."`` (UTF-16), 4 for ``L"..."`` and ``U"..."`` (wchar_t on Linux)."""
    token = token[2:] if token.startswith("u8") else token.lstrip("LuU")
    body = token[1:-1]
    mask = (1 << (8 * width)) - 1
    out = bytearray()

    def unit(v: int) -> None:
        out.extend((v & mask).to_bytes(width, "little"))

    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            if width == 1:
                out += ch.encode()
            elif width == 2 and ord(ch) > 0xFFFF:
                v = ord(ch) - 0x10000
                unit(0xD800 | v >> 10)
                unit(0xDC00 | v & 0x3FF)
            else:
                unit(ord(ch))
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            unit(int(body[i + 1 : j], 8))
            i = j
        elif nxt == "x":
            j = i + 2
            while j < len(body) and body[j] in "0123456789abcdefABCDEF":
                j += 1
            unit(int(body[i + 2 : j], 16))
            i = j
        elif nxt in "uU":
            n = 4 if nxt == "u" else 8
            code = chr(int(body[i + 2 : i + 2 + n], 16))
            i += 2 + n
            if width == 1:
                out += code.encode()
            else:
                unit(ord(code))
        elif nxt in _SIMPLE:
            unit(_SIMPLE[nxt])
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
