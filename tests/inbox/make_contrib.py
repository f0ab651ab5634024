#!/usr/bin/env python3
"""Contribution mails as real clients send them, byte for byte.

usage: make_contrib.py OUTDIR SECRET [DOMAIN] [FROM]

Writes one file per message into OUTDIR, addressed to
contribute+SECRET@DOMAIN (default example.org) from FROM (default
ann@partner.example). The structures copy what the clients write:
Outlook (multipart/related inside multipart/alternative, Windows-1252
quoted-printable or UTF-8), Gmail (div-per-line HTML, base64 UTF-8),
Apple Mail (an inline picture between two text parts), a forward, a reply
quoting an earlier message, attachments of every kind that must be
refused. tests/fixtures/contrib/ holds the output for SECRET s3cr3tS3CR3T.
"""
import base64
import os
import struct
import sys
import zlib


def png(w, h):
    raw = b"".join(b"\x00" + b"\x20\x80\x40" * w for _ in range(h))

    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d +
                struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def qp1252(text):
    out, line = [], ""
    for ch in text.encode("cp1252"):
        c = chr(ch)
        tok = c if (32 < ch < 127 and c != "=") or c == " " else "=%02X" % ch
        if c == "\n":
            if line.endswith(" "):
                line = line[:-1] + "=20"
            out.append(line)
            line = ""
            continue
        if len(line) + len(tok) > 75:
            out.append(line + "=")
            line = ""
        line += tok
    out.append(line)
    return "\r\n".join(out)


def main():
    outdir, secret = sys.argv[1], sys.argv[2]
    domain = sys.argv[3] if len(sys.argv) > 3 else "example.org"
    sender = sys.argv[4] if len(sys.argv) > 4 else "ann@partner.example"
    to = f"contribute+{secret}@{domain}"
    os.makedirs(outdir, exist_ok=True)
    pic = b64(png(4, 3))
    pic2 = b64(png(2, 2))
    msgs = {}

    def head(subject, mid, extra=""):
        return (f"Return-Path: <{sender}>\r\nDelivered-To: {to}\r\n"
                f"From: Ann Example <{sender}>\r\nTo: {to}\r\n"
                f"Subject: {subject}\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n"
                f"Message-ID: <{mid}@partner.example>\r\n{extra}MIME-Version: 1.0\r\n")

    body1252 = ("Section: best start\nType: case study\n"
                "Alt: Parents and toddlers playing with big foam blocks\n"
                "Summary: Parents\u2019 \u201cstay and play\u201d sessions doubled.\n\n"
                "It\u2019s been a busy year for the caf\u00e9 \u2013 thanks to all.\n\n"
                "Families came every week.\n\n-- \nAnn Example\nFamily Hub\n")
    html1252 = ("<html><head><meta http-equiv=Content-Type content=\"text/html; "
                "charset=windows-1252\"><style>p.MsoNormal{margin:0}</style></head>"
                "<body lang=EN-GB><div class=WordSection1>"
                "<p class=MsoNormal>Section: best start<o:p></o:p></p>"
                "<p class=MsoNormal>It\u2019s been a <b>busy</b> year<o:p></o:p></p>"
                "<p class=MsoNormal><img width=4 height=3 src=\"cid:image001.png@01DB\"></p>"
                "</div></body></html>")
    msgs["01-outlook-1252"] = head(
        "RE: [2027-01] Stay and play doubles", "outlook1252",
        "Thread-Topic: Stay and play doubles\r\nX-MS-Has-Attach: yes\r\n") + (
        "Content-Type: multipart/related;\r\n\tboundary=\"_004_rel_\";\r\n"
        "\ttype=\"multipart/alternative\"\r\n\r\n"
        "--_004_rel_\r\nContent-Type: multipart/alternative;\r\n"
        "\tboundary=\"_000_alt_\"\r\n\r\n"
        "--_000_alt_\r\nContent-Type: text/plain; charset=\"Windows-1252\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp1252(body1252) +
        "\r\n\r\n--_000_alt_\r\nContent-Type: text/html; charset=\"Windows-1252\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp1252(html1252) +
        "\r\n\r\n--_000_alt_--\r\n\r\n"
        "--_004_rel_\r\nContent-Type: image/png; name=\"image001.png\"\r\n"
        "Content-Description: image001.png\r\nContent-Disposition: inline;\r\n"
        "\tfilename=\"image001.png\"; size=73\r\nContent-ID: <image001.png@01DB>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + pic + "\r\n\r\n--_004_rel_--\r\n")

    # Outlook in UTF-8, HTML only (as "HTML" compose with no plain part
    # kept by a gateway), multipart/related inside multipart/alternative.
    html8 = ("<html><body><div>"
             "<p class=\"MsoNormal\">Type: news</p>"
             "<p class=\"MsoNormal\">Alt: Volunteers painting a mural</p>"
             "<p class=\"MsoNormal\">Our caf\u00e9 opened on <b>Monday</b>. "
             "Read <a href=\"https://example.net/cafe\">the full story</a>.</p>"
             "<ul><li>Free tea</li><li>Open <i>every</i> day</li></ul>"
             "<h1>How it started</h1><p>With 5 * 3 people &amp; a [plan].</p>"
             "<script>alert(1)</script>"
             "<div id=\"appendonsend\"></div><hr>"
             "<div id=\"divRplyFwdMsg\"><b>From:</b> Comms team<br><b>Sent:</b> "
             "Monday<br></div><div>Old text that must go</div>"
             "</div></body></html>")
    msgs["02-outlook-utf8-html"] = head(
        "AW: RE[2]: =?utf-8?B?Q2Fmw6kgb3BlbnM=?=", "outlookutf8") + (
        "Content-Type: multipart/alternative; boundary=\"alt8\"\r\n\r\n"
        "--alt8\r\nContent-Type: multipart/related; boundary=\"rel8\"; "
        "type=\"text/html\"\r\n\r\n"
        "--rel8\r\nContent-Type: text/html; charset=\"utf-8\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(html8.encode()) +
        "\r\n--rel8\r\nContent-Type: image/png; name=\"=?utf-8?Q?caf=C3=A9.png?=\"\r\n"
        "Content-Disposition: inline; filename=\"=?utf-8?Q?caf=C3=A9.png?=\"\r\n"
        "Content-ID: <cafe>\r\nContent-Transfer-Encoding: base64\r\n\r\n" + pic +
        "\r\n--rel8--\r\n--alt8--\r\n")

    gmail_plain = ("Section: work\r\nSummary: A fair work charter for Luton.\r\n\r\n"
                   "Twelve employers signed the charter this month.\r\n\r\n"
                   "More will follow in the spring.\r\n\r\n"
                   "On Mon, 30 Nov 2026 at 09:12, Comms Team <het-news@example.org>\r\n"
                   "wrote:\r\n\r\n> Please send us your news.\r\n> Thanks\r\n")
    gmail_html = ("<div dir=\"ltr\"><div>Section: work</div><div>Summary: A fair work "
                  "charter for Luton.</div><div><br></div><div>Twelve employers signed "
                  "the charter this month.</div><div><br></div><div>More will follow in "
                  "the spring.</div></div><br><div class=\"gmail_quote\"><div dir=\"ltr\" "
                  "class=\"gmail_attr\">On Mon, 30 Nov 2026 at 09:12, Comms Team &lt;"
                  "<a href=\"mailto:het-news@example.org\">het-news@example.org</a>&gt; "
                  "wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0\">"
                  "Please send us your news.<br>Thanks</blockquote></div>")
    msgs["03-gmail-reply"] = head(
        "Re: Fair work charter", "CAgmail123",
        "In-Reply-To: <call1@example.org>\r\nReferences: <call0@example.org> "
        "<call1@example.org>\r\n") + (
        "Content-Type: multipart/alternative; boundary=\"000000000000gm\"\r\n\r\n"
        "--000000000000gm\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(gmail_plain.encode()) +
        "\r\n--000000000000gm\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(gmail_html.encode()) +
        "\r\n--000000000000gm--\r\n")

    msgs["04-apple-inline"] = head("Play streets are back", "apple1",
                                   "X-Mailer: Apple Mail (2.3774)\r\n") + (
        "Content-Type: multipart/mixed; boundary=\"Apple-Mail=_A1\"\r\n\r\n"
        "--Apple-Mail=_A1\r\nContent-Transfer-Encoding: quoted-printable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Section: places\r\nAlt: Children chalking on a closed street\r\n\r\n"
        "Streets close to cars on Sundays so children can play =E2=80=93 safely.\r\n\r\n\r\n"
        "--Apple-Mail=_A1\r\nContent-Disposition: inline; filename=street.png\r\n"
        "Content-Type: image/png; x-unix-mode=0644; name=\"street.png\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + pic + "\r\n"
        "--Apple-Mail=_A1\r\nContent-Transfer-Encoding: 7bit\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n\r\n"
        "Ten streets have signed up.\r\n\r\nSent from my iPhone\r\n"
        "--Apple-Mail=_A1\r\nContent-Disposition: attachment;\r\n"
        "\tfilename*=utf-8''second%20photo.png\r\nContent-Type: image/png\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + pic2 + "\r\n"
        "--Apple-Mail=_A1--\r\n")

    msgs["05-forward"] = head("Fwd: Health checks in mosques", "fwd1") + (
        "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
        "Section: prevention\r\n\r\nHi, please use this from my colleague.\r\n\r\n"
        "---------- Forwarded message ---------\r\nFrom: Bob <bob@partner.example>\r\n"
        "Date: Mon, 30 Nov 2026 at 16:00\r\nSubject: Health checks in mosques\r\n"
        "To: Ann <ann@partner.example>\r\n\r\n"
        "Nurses offered 200 health checks after Friday prayers.\r\n\r\n"
        "Most people had never had one.\r\n")

    msgs["06-event"] = head("Learning session for partners", "event1") + (
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
        "Content-Transfer-Encoding: 7bit\r\n\r\n"
        "type: Event\r\nsection: News and events\r\n"
        "Event: 2027-01-21 10:00 to 12:00, Luton Town Hall, George Street\r\n\r\n"
        "Come and learn how to write for the newsletter.\r\n")

    md = ("---\ntitle: \"Warm homes: advice that works\"\nsection: living-standards\n"
          "summary: Advice on heating bills.\n---\nOur advisers helped **300** homes.\n")
    msgs["07-md-attachment"] = head("Warm homes piece", "mdatt") + (
        "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n"
        "--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Type: news\r\n\r\nPlease find our piece attached.\r\n"
        "--mix\r\nContent-Type: application/octet-stream; name=\"Warm Homes.MD\"\r\n"
        "Content-Disposition: attachment; filename=\"Warm Homes.MD\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(md.encode()) + "\r\n"
        "--mix\r\nContent-Type: application/pdf; name=\"flyer.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"flyer.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"%PDF-1.4\n%%EOF\n") +
        "\r\n--mix--\r\n")

    def attached(name, ctype, data, mid, subject="My piece"):
        return head(subject, mid) + (
            "Content-Type: multipart/mixed; boundary=\"mx\"\r\n\r\n"
            "--mx\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
            f"--mx\r\nContent-Type: {ctype}; name=\"{name}\"\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + b64(data) + "\r\n--mx--\r\n")

    msgs["08-tnef"] = attached("winmail.dat", "application/ms-tnef",
                               b"\x78\x9f\x3e\x22" + b"\0" * 40, "tnef1")
    msgs["09-zip"] = attached("photos.zip", "application/zip",
                              b"PK\x03\x04" + b"\0" * 40, "zip1")
    msgs["10-exe"] = attached("invoice.pdf.exe", "application/octet-stream",
                              b"MZ\x90\x00" + b"\0" * 40, "exe1")
    msgs["11-exe-disguised"] = attached("photo.jpg", "image/jpeg",
                                        b"MZ\x90\x00" + b"\0" * 40, "exe2")
    msgs["12-broken"] = head("Broken", "broken1") + (
        "Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
    msgs["13-withdraw"] = head("Withdraw: Play streets are back", "wd1") + (
        "Content-Type: text/plain; charset=utf-8\r\n\r\nSorry, please take it out.\r\n")
    msgs["14-utf16-txt"] = attached(
        "piece.txt", "text/plain",
        "\ufeffSection: environment\r\n\r\nClean air near schools \u2013 a start.\r\n"
        .encode("utf-16-le"), "utf16", "Clean air near schools")
    # Mail that must never be answered or become a piece.
    plain = "Content-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
    msgs["20-autoreply"] = head(
        "Automatic reply: Re: Stay and play doubles", "auto1",
        "Auto-Submitted: auto-replied\r\nIn-Reply-To: <x@example.org>\r\n") + (
        "Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office.\r\n")
    msgs["21-list"] = head("Newsletter digest", "list1",
                           "List-Id: <digest.partner.example>\r\n"
                           "Precedence: list\r\n") + plain
    own = head("From ourselves", "own1").replace(
        f"From: Ann Example <{sender}>", f"From: News <het-news@{domain}>")
    msgs["22-own"] = own + plain
    bounce = head("Undelivered Mail Returned to Sender", "bounce1").replace(
        f"Return-Path: <{sender}>", "Return-Path: <>").replace(
        f"From: Ann Example <{sender}>", "From: MAILER-DAEMON@mx.partner.example")
    msgs["23-bounce"] = bounce + plain
    for name, text in msgs.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(text.encode("latin-1") if isinstance(text, str) else text)


if __name__ == "__main__":
    main()
