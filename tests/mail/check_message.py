#!/usr/bin/env python3
"""Check newsletter messages against the items of ../shared/EMAIL.md that a
program can check: RFC 5322 / MIME form under Python's email policy.strict,
line lengths, CRLF, part order, encoded headers, list headers, link parity,
inline image references, Message-ID uniqueness.

  check_message.py [options] FILE_OR_MAILDIR...

A directory is read as a Maildir (new/ and cur/) or, without those, as a
folder of .eml files. Every violation is printed as "FILE: message"; the
exit status is 1 if there was any (or no message at all), else 0.
"""

import argparse
import os
import re
import sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

ONCE = ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version")
# Added by a delivering MTA above the message as sent (RFC 5321 §4.4).
TRACE = (b"return-path", b"delivered-to", b"received", b"x-original-to")
ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class Links(HTMLParser):
    """Collects href of links and every cid: reference in an HTML part."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs = []
        self.cids = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if tag == "a" and name == "href" and not value.startswith("#"):
                self.hrefs.append(value)
            if value.lower().startswith("cid:"):
                self.cids.append(value[4:])
            for ref in re.findall(r"url\(\s*['\"]?cid:([^'\")\s]+)", value):
                self.cids.append(ref)


class Checker:
    def __init__(self, args):
        self.args = args
        self.problems = 0
        self.message_ids = {}

    def report(self, name, text):
        self.problems += 1
        print(f"{name}: {text}")

    def check_file(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        if self.args.delivered:
            raw = strip_trace(raw)
        found = []
        check_raw(raw, found)
        try:
            msg = BytesParser(policy=policy.strict).parsebytes(raw)
        except Exception as e:  # policy.strict raises on any defect
            found.append(f"python email (policy.strict) refuses it: {e!r}")
            msg = None
        if msg is not None:
            check_message(msg, raw, self.args, found)
            mid = msg.get("Message-ID")
            if mid:
                other = self.message_ids.setdefault(str(mid), path)
                if other != path:
                    found.append(f"Message-ID {mid} also in {other}")
        for text in found:
            self.report(path, text)


def strip_trace(raw):
    """Drops the trace fields a delivering MTA put at the top."""
    lines = raw.split(b"\r\n")
    i = 0
    while i < len(lines):
        name = lines[i].split(b":", 1)[0].lower()
        if name not in TRACE:
            break
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\r\n".join(lines[i:])


def check_raw(raw, found):
    """Checks that need the bytes as they are: line ends and lengths."""
    if re.search(rb"(?<!\r)\n", raw):
        found.append("bare LF (line ends must be CRLF)")
    if re.search(rb"\r(?!\n)", raw):
        found.append("bare CR (line ends must be CRLF)")
    head, sep, _ = raw.partition(b"\r\n\r\n")
    if not sep:
        found.append("no empty line between header and body")
    for n, line in enumerate(raw.split(b"\r\n"), 1):
        if len(line) > 998:
            found.append(f"line {n} is {len(line)} octets (limit 998)")
    for n, line in enumerate(head.split(b"\r\n"), 1):
        if re.search(rb"[^\x20-\x7e\t]", line):
            found.append(f"header line {n} has a byte that is not "
                         f"printable ASCII: {line[:60]!r}")
        if len(line) > 78 and foldable(line):
            found.append(f"header line {n} is {len(line)} characters and "
                         f"could have been folded: {line[:60]!r}...")
        for word in ENCODED_WORD.finditer(line):
            check_encoded_word(word, n, found)


def foldable(line):
    """A long header line is only acceptable when it is one unbreakable
    token (a long URL): whitespace after its start means it could fold."""
    body = line.lstrip(b" \t")
    if line[:1] not in (b" ", b"\t"):
        body = body.partition(b":")[2].lstrip(b" \t")
    return re.search(rb"[ \t]", body) is not None


def check_encoded_word(word, n, found):
    text = word.group(0)
    if len(text) > 75:
        found.append(f"header line {n}: encoded-word of {len(text)} "
                     f"characters (limit 75): {text[:40]!r}...")
    charset, enc, payload = word.groups()
    if charset.lower() not in (b"utf-8",):
        found.append(f"header line {n}: encoded-word charset {charset!r}")
        return
    try:
        if enc in b"Bb":
            import base64
            data = base64.b64decode(payload, validate=True)
        else:
            data = re.sub(rb"=([0-9A-F]{2})",
                          lambda m: bytes([int(m.group(1), 16)]),
                          payload.replace(b"_", b" "))
        data.decode("utf-8")
    except Exception:
        found.append(f"header line {n}: encoded-word does not hold whole "
                     f"UTF-8 characters: {text[:40]!r}")


def header_once(msg, found):
    for name in ONCE:
        count = len(msg.get_all(name, []))
        if count != 1:
            found.append(f"{count} {name} fields (exactly one needed)")
    if msg.get_all("Return-Path"):
        found.append("Return-Path in the message (RFC 5321 §4.4: only the "
                     "final delivery adds it)")
    for name, value in msg.items():
        for d in getattr(value, "defects", ()):
            found.append(f"{name}: {d.__class__.__name__}: {d}")
        if CONTROL.search(str(value)):
            found.append(f"{name}: decodes to a control character: "
                         f"{str(value)!r}")


def check_headers(msg, args, found):
    header_once(msg, found)
    date = raw_header(msg, "Date")
    if date is not None:
        if not re.search(r"[+-]\d{4}$", str(date).strip()):
            found.append(f"Date '{date}' has no numeric zone")
        else:
            try:
                parsedate_to_datetime(str(date))
            except Exception:
                found.append(f"Date '{date}' does not parse")
    mid = msg.get("Message-ID")
    if mid is not None and not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>",
                                            str(mid).strip()):
        found.append(f"Message-ID '{mid}' is not <unique@domain>")
    if msg.get("MIME-Version") is not None and \
            str(msg["MIME-Version"]).strip() != "1.0":
        found.append(f"MIME-Version is '{msg['MIME-Version']}'")
    for name in ("From", "To"):
        value = msg.get(name)
        if value is not None and len(value.addresses) != 1:
            found.append(f"{name} holds {len(value.addresses)} addresses")
    if args.expect_subject is not None and msg.get("Subject") is not None:
        got = str(msg["Subject"])
        if got != args.expect_subject:
            found.append(f"Subject decodes to {got!r}, expected "
                         f"{args.expect_subject!r}")
    if args.expect_to_name is not None and msg.get("To") is not None:
        got = display_name(msg)
        if got != args.expect_to_name:
            found.append(f"To name decodes to {got!r}, expected "
                         f"{args.expect_to_name!r}")
    check_list_headers(msg, args, found)


def raw_header(msg, name):
    """The first field called name as written, unfolded, or None
    (policy.strict's header objects show a normalised value)."""
    for k, v in msg.raw_items():
        if k.lower() == name.lower():
            return re.sub(r"\r?\n", "", v).strip()
    return None


def display_name(msg):
    """The To display name decoded as RFC 2047 §6.2 says: whitespace between
    adjacent encoded-words is dropped. (The address parser of policy.strict
    keeps it, so a long name split over several words gains spaces there;
    mail clients follow the RFC.)"""
    raw = raw_header(msg, "To")
    phrase = raw.rpartition("<")[0].strip() if "<" in raw else ""
    if phrase.startswith('"') and phrase.endswith('"'):
        return re.sub(r"\\(.)", r"\1", phrase[1:-1])
    return str(make_header(decode_header(phrase)))


def check_list_headers(msg, args, found):
    unsub = msg.get_all("List-Unsubscribe", [])
    post = msg.get_all("List-Unsubscribe-Post", [])
    if args.expect_list_unsubscribe and (len(unsub) != 1 or len(post) != 1):
        found.append(f"{len(unsub)} List-Unsubscribe and {len(post)} "
                     f"List-Unsubscribe-Post fields (one each needed)")
    if len(unsub) > 1 or len(post) > 1:
        found.append("repeated List-Unsubscribe or List-Unsubscribe-Post")
    if unsub:
        value = re.sub(r"\s+", "", str(unsub[0]))
        uris = re.findall(r"<([^<>]*)>", value)
        if not uris or ",".join(f"<{u}>" for u in uris) != value:
            found.append(f"List-Unsubscribe '{unsub[0]}' is not a list of "
                         f"<URI>")
        https = [u for u in uris if u.startswith("https://")]
        if post and len(https) != 1:
            found.append("List-Unsubscribe-Post needs exactly one https "
                         f"URI in List-Unsubscribe, found {len(https)}")
        for u in uris:
            if not re.match(r"(https://[^\s/]+/|mailto:[^\s@]+@)", u):
                found.append(f"List-Unsubscribe URI '{u}' is neither "
                             f"https:// nor mailto:")
    if post and str(post[0]).strip() != "List-Unsubscribe=One-Click":
        found.append(f"List-Unsubscribe-Post is '{post[0]}', must be "
                     f"'List-Unsubscribe=One-Click'")
    if post and not unsub:
        found.append("List-Unsubscribe-Post without List-Unsubscribe")
    list_id = msg.get_all("List-Id", [])
    if args.expect_list_id and len(list_id) != 1:
        found.append(f"{len(list_id)} List-Id fields (one needed)")
    for value in list_id:
        if not re.search(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+\.[A-Za-z0-9-]+>"
                         r"\s*$", str(value)):
            found.append(f"List-Id '{value}' is not 'name <label.domain>'")


def check_qp(part, where, found):
    raw = part.get_payload(decode=False)
    for n, line in enumerate(raw.split("\r\n"), 1):
        if len(line) > 76:
            found.append(f"{where}: quoted-printable line {n} is "
                         f"{len(line)} characters (limit 76)")
        if line[-1:] in (" ", "\t"):
            found.append(f"{where}: quoted-printable line {n} ends in "
                         f"whitespace")
        if re.search(r"[^\x20-\x7e\t]", line):
            found.append(f"{where}: quoted-printable line {n} has a "
                         f"character that is not printable ASCII")
        for m in re.finditer(r"=", line):
            rest = line[m.end():m.end() + 2]
            if rest and not re.fullmatch(r"[0-9A-F]{2}", rest):
                found.append(f"{where}: quoted-printable line {n} has "
                             f"'={rest}', not =XX")
                break


def check_text_part(part, where, found):
    if part.get_content_charset() != "utf-8":
        found.append(f"{where}: charset is {part.get_content_charset()!r}, "
                     f"not utf-8")
    cte = part.get("Content-Transfer-Encoding", "7bit").lower()
    if cte != "quoted-printable":
        found.append(f"{where}: Content-Transfer-Encoding {cte}, not "
                     f"quoted-printable")
    else:
        check_qp(part, where, found)
    try:
        return part.get_payload(decode=True).decode("utf-8")
    except UnicodeDecodeError:
        found.append(f"{where}: content is not UTF-8")
        return ""


def check_boundaries(msg, raw, found):
    """Each boundary delimits exactly its own parts: it occurs nowhere
    else, in particular not inside a part."""
    for part in msg.walk():
        if not part.is_multipart():
            continue
        b = part.get_boundary()
        if not b:
            found.append(f"{part.get_content_type()} without a boundary")
            continue
        lines = re.findall(rb"(?m)^--" + re.escape(b.encode()) + rb"(--)?",
                           raw)
        # One delimiter per part, the close delimiter, and the parameter.
        want = len(part.get_payload()) + 1
        if len(lines) != want or raw.count(b.encode()) != want + 1:
            found.append(f"boundary {b!r} occurs {raw.count(b.encode())} "
                         f"times, {want + 1} expected: it is not unique to "
                         f"its delimiters and its Content-Type")


def check_structure(msg, raw, found):
    if msg.get_content_type() != "multipart/alternative":
        found.append(f"top part is {msg.get_content_type()}, not "
                     f"multipart/alternative")
        return
    parts = msg.get_payload()
    if len(parts) < 2:
        found.append(f"multipart/alternative has {len(parts)} parts")
        return
    text_part, last = parts[0], parts[-1]
    if text_part.get_content_type() != "text/plain":
        found.append(f"first alternative is {text_part.get_content_type()}, "
                     f"not text/plain")
        return
    html_part, related = last, None
    if last.get_content_type() == "multipart/related":
        related = last.get_payload()
        html_part = related[0]
        if last.get_param("type") != "text/html":
            found.append("multipart/related without type=\"text/html\"")
    if html_part.get_content_type() != "text/html":
        found.append(f"last alternative is {html_part.get_content_type()}, "
                     f"not text/html")
        return
    text = check_text_part(text_part, "text/plain part", found)
    html = check_text_part(html_part, "text/html part", found)
    links = Links()
    links.feed(html)
    for href in links.hrefs:
        if href not in text:
            found.append(f"link {href} is in the HTML part but not in the "
                         f"text part")
    cids = set()
    for part in related[1:] if related else ():
        cid = part.get("Content-ID", "").strip()
        if not re.fullmatch(r"<[^<>\s]+>", cid):
            found.append(f"related part {part.get_content_type()} has "
                         f"Content-ID '{cid}'")
        cids.add(cid[1:-1])
        if part.get("Content-Transfer-Encoding", "").lower() == "base64":
            for n, line in enumerate(
                    part.get_payload(decode=False).split("\r\n"), 1):
                if len(line) > 76:
                    found.append(f"base64 line {n} of {cid} is "
                                 f"{len(line)} characters")
    for ref in links.cids:
        if ref not in cids:
            found.append(f"cid:{ref} in the HTML resolves to no part")
    check_boundaries(msg, raw, found)


def check_message(msg, raw, args, found):
    check_headers(msg, args, found)
    check_structure(msg, raw, found)
    if args.expect_body_unsubscribe:
        https = [u for u in re.findall(r"<(https://[^<>]*)>",
                                       str(msg.get("List-Unsubscribe", "")))]
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                body = part.get_payload(decode=True).decode("utf-8", "replace")
                if not https or https[0] not in body:
                    found.append(f"{part.get_content_type()} part has no "
                                 f"visible unsubscribe link")


def message_files(arg):
    if not os.path.isdir(arg):
        return [arg]
    subdirs = [os.path.join(arg, d) for d in ("new", "cur")
               if os.path.isdir(os.path.join(arg, d))]
    files = []
    for d in subdirs or [arg]:
        files += sorted(os.path.join(d, f) for f in os.listdir(d)
                        if os.path.isfile(os.path.join(d, f)))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+", metavar="FILE_OR_MAILDIR")
    ap.add_argument("--expect-list-unsubscribe", action="store_true",
                    help="require List-Unsubscribe and List-Unsubscribe-Post")
    ap.add_argument("--expect-list-id", action="store_true",
                    help="require List-Id")
    ap.add_argument("--expect-body-unsubscribe", action="store_true",
                    help="require the List-Unsubscribe https URI in the "
                         "text of both parts")
    ap.add_argument("--expect-subject", metavar="TEXT",
                    help="the Subject every message must decode to")
    ap.add_argument("--expect-to-name", metavar="TEXT",
                    help="the To display name every message must decode to")
    ap.add_argument("--delivered", action="store_true",
                    help="messages went through an MTA: ignore the trace "
                         "fields (Return-Path, Received, ...) at the top")
    args = ap.parse_args()
    checker = Checker(args)
    count = 0
    for arg in args.paths:
        files = message_files(arg)
        if not files:
            checker.report(arg, "no messages here")
        for path in files:
            checker.check_file(path)
            count += 1
    print(f"checked {count} messages: {checker.problems} problems",
          file=sys.stderr)
    return 1 if checker.problems or not count else 0


if __name__ == "__main__":
    sys.exit(main())
