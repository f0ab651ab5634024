#!/usr/bin/env python3
"""Writes a small picture for the compile tests, without an image library.

usage: make_image.py png|jpeg|gif|webp|webp-vp8|webp-vp8x WIDTH HEIGHT OUT [PAD]

PNG is a real, decodable picture (white). The others carry a correct
header (what bulletin checks: signature and pixel size) and a minimal body.
PAD appends that many bytes after the end of the picture, to make a file
bigger without changing what it shows.
"""
import struct
import sys
import zlib


def png(w, h):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\0" + b"\xff" * (3 * w) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def jpeg(w, h):
    app0 = b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof0 = struct.pack(">BHHB", 8, h, w, 3) + b"\x01\x11\0\x02\x11\x01\x03\x11\x01"
    seg = lambda m, d: b"\xff" + bytes([m]) + struct.pack(">H", len(d) + 2) + d
    return b"\xff\xd8" + seg(0xE0, app0) + seg(0xC0, sof0) + b"\xff\xd9"


def gif(w, h):
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0) +
            b"\0\0\0\xff\xff\xff" + b"," + struct.pack("<HHHHB", 0, 0, w, h, 0) +
            b"\x02\x02\x44\x01\x00;")


def riff(kind, data):
    if len(data) % 2:
        data += b"\0"
    body = b"WEBP" + kind + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp(w, h):  # lossless
    bits = (w - 1) | (h - 1) << 14
    return riff(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\0" * 8)


def webp_vp8(w, h):  # lossy
    return riff(b"VP8 ", b"\0\0\0\x9d\x01\x2a" + struct.pack("<HH", w, h) + b"\0" * 10)


def webp_vp8x(w, h):  # extended
    return riff(b"VP8X", b"\0\0\0\0" + struct.pack("<I", w - 1)[:3] +
                struct.pack("<I", h - 1)[:3])


kinds = {"png": png, "jpeg": jpeg, "gif": gif, "webp": webp,
         "webp-vp8": webp_vp8, "webp-vp8x": webp_vp8x}
kind, w, h, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pad = int(sys.argv[5]) if len(sys.argv) > 5 else 0
with open(out, "wb") as f:
    f.write(kinds[kind](w, h) + b"\0" * pad)
