#!/usr/bin/env python3
"""Whether two messages are the same apart from what must differ between
two builds of one recipient's message: the Date, the Message-ID and the
MIME boundaries.

  same_message.py [--mask REGEX]... A B

Trace fields an MTA put on top (Return-Path, Received, ...) are dropped,
and a file with LF line ends (a Maildir written by Postfix) is read as
CRLF. Compares the header fields in order, then each MIME part's headers
and decoded content byte for byte, then the whole normalised message.
Prints each difference; exit status 1 if there is any. With --mask, text
matching REGEX (a Python regular expression) is replaced by "MASK" in
header fields and decoded contents before comparing, and the encoded
forms are not compared (a masked difference may wrap lines differently).
"""

import argparse
import re
import sys
from email import policy
from email.parser import BytesParser

TRACE = (b"return-path", b"delivered-to", b"received", b"x-original-to")


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    if b"\r" not in raw:
        raw = raw.replace(b"\n", b"\r\n")
    lines = raw.split(b"\r\n")
    i = 0
    while i < len(lines) and lines[i].split(b":", 1)[0].lower() in TRACE:
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\r\n".join(lines[i:])


def normalise(raw):
    """The message with its boundaries, Date and Message-ID replaced by
    fixed text, so that two builds compare equal byte for byte."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    for n, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        b = part.get_boundary()
        if b:
            raw = raw.replace(b.encode(), b"BOUNDARY-%d" % n)
    raw = re.sub(rb"(?im)^(Date|Message-ID):[^\r\n]*(\r\n[ \t][^\r\n]*)*",
                 rb"\1: (varies)", raw, count=0)
    return raw


def describe(part, mask):
    return [(k, mask(re.sub(r"\s+", " ", v))) for k, v in part.raw_items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mask", action="append", default=[], metavar="REGEX")
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    a_path, b_path = args.a, args.b
    masks = [re.compile(m) for m in args.mask]

    def mask(text):
        for m in masks:
            text = m.sub("MASK", text)
        return text

    def mask_bytes(data):
        for m in masks:
            data = re.sub(m.pattern.encode(), b"MASK", data)
        return data

    a, b = normalise(load(a_path)), normalise(load(b_path))
    ma = BytesParser(policy=policy.default).parsebytes(a)
    mb = BytesParser(policy=policy.default).parsebytes(b)
    problems = []
    pa, pb = list(ma.walk()), list(mb.walk())
    if len(pa) != len(pb):
        problems.append(f"{len(pa)} MIME parts against {len(pb)}")
    for n, (x, y) in enumerate(zip(pa, pb)):
        hx, hy = describe(x, mask), describe(y, mask)
        if hx != hy:
            for fx, fy in zip(hx + [None] * len(hy), hy + [None] * len(hx)):
                if fx != fy:
                    problems.append(f"part {n}: header {fx!r} against {fy!r}")
                    break
        if x.is_multipart():
            continue
        dx = mask_bytes(x.get_payload(decode=True))
        dy = mask_bytes(y.get_payload(decode=True))
        if dx != dy:
            lx, ly = dx.split(b"\n"), dy.split(b"\n")
            k = next((i for i, (u, v) in enumerate(zip(lx, ly)) if u != v),
                     min(len(lx), len(ly)))
            problems.append(
                f"part {n} ({x.get_content_type()}): decoded content "
                f"differs at line {k + 1}: "
                f"{lx[k] if k < len(lx) else b'(end)'!r} against "
                f"{ly[k] if k < len(ly) else b'(end)'!r}")
    if not problems and not masks and a != b:
        la, lb = a.split(b"\r\n"), b.split(b"\r\n")
        k = next((i for i, (u, v) in enumerate(zip(la, lb)) if u != v),
                 min(len(la), len(lb)))
        problems.append(f"the encoded messages differ at line {k + 1}: "
                        f"{la[k] if k < len(la) else b'(end)'!r} against "
                        f"{lb[k] if k < len(lb) else b'(end)'!r}")
    for p in problems:
        print(f"{a_path} vs {b_path}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
