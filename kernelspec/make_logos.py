"""Renders the kernelspec's PNG logos (the same drawing as logo-svg.svg).

Run: python3 kernelspec/make_logos.py  (standard library only)
"""
import math
import pathlib
import struct
import zlib

BACKGROUND = (0x1F, 0x2A, 0x44, 255)
RING = (0xF0, 0xA0, 0x30, 255)


def pixel(x, y, size):
    scale = 64 / size
    px, py = (x + 0.5) * scale, (y + 0.5) * scale
    corner = 12
    cx, cy = min(max(px, corner), 64 - corner), min(max(py, corner), 64 - corner)
    if math.hypot(px - cx, py - cy) > corner:
        return (0, 0, 0, 0)
    r = math.hypot(px - 32, py - 32)
    if abs(r - 20) <= 3 or r <= 7:
        return RING
    return BACKGROUND


def png(size):
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size)
    )

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    here = pathlib.Path(__file__).parent
    for size in (32, 64):
        (here / f"logo-{size}x{size}.png").write_bytes(png(size))
