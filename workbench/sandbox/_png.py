"""Small generated PNG pictures: what the sandbox serves for the media its users attach (no
imaging library needed: a PNG is a few zlib-compressed rows and three chunks)."""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib

WIDTH, HEIGHT = 240, 180


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=256)
def picture(name: str, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A ``width`` x ``height`` RGB PNG, its colours drawn from ``name`` (the same name, the
    same picture): a diagonal gradient with a lighter frame, so it looks like something."""
    seed = hashlib.sha256(name.encode()).digest()
    r0, g0, b0, r1, g1, b1 = seed[:6]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            if x < 6 or y < 6 or x >= width - 6 or y >= height - 6:
                rows += b"\xf0\xf0\xf0"
                continue
            t = (x + y) / (width + height)
            rows += bytes(
                (int(r0 + (r1 - r0) * t), int(g0 + (g1 - g0) * t), int(b0 + (b1 - b0) * t))
            )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + _chunk(b"IEND", b"")
    )
