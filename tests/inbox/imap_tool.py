#!/usr/bin/env python3
"""imap_tool.py PORT COMMAND ...: the inbox tests' IMAP client (user
"bounces", password "secret", on 127.0.0.1).

  append DIR          APPEND each file in DIR to INBOX (CRLF line ends)
  list FOLDER         print "COUNT SEEN" for the folder, then one line
                      per message: its flags and Message-ID
"""
import imaplib
import os
import re
import sys

port, cmd = int(sys.argv[1]), sys.argv[2]
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login("bounces", "secret")
if cmd == "append":
    d = sys.argv[3]
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        typ, _ = imap.append("INBOX", None, None, data)
        if typ != "OK":
            sys.exit(f"append {name}: {typ}")
elif cmd == "list":
    typ, data = imap.select(sys.argv[3], readonly=True)
    if typ != "OK":
        print("0 0")
        sys.exit(0)
    count = int(data[0])
    lines, seen = [], 0
    if count:
        typ, rows = imap.fetch(
            "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        for row in rows:
            if not isinstance(row, tuple):
                continue
            flags = re.search(rb"FLAGS \(([^)]*)\)", row[0]).group(1).decode()
            mid = row[1].decode(errors="replace").strip() or "(none)"
            seen += "\\Seen" in flags
            lines.append(f"{flags or '-'} {mid}")
    print(count, seen)
    print("\n".join(lines))
imap.logout()
