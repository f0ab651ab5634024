#!/usr/bin/env python3
"""Every link of an HTML newsletter appears in its plain-text version.

usage: link_parity.py EMAIL.html EMAIL.txt
In-page links ("#contents") are skipped: they point within the HTML
document and have no meaning in plain text.
"""
import html.parser
import sys


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            for k, v in attrs:
                if k == "href" and v and not v.startswith("#"):
                    self.hrefs.append(v)


def main():
    html_text = open(sys.argv[1], encoding="utf-8").read()
    text = open(sys.argv[2], encoding="utf-8").read()
    p = Links()
    p.feed(html_text)
    missing = []
    for href in p.hrefs:
        want = href[len("mailto:"):] if href.startswith("mailto:") else href
        if want not in text:
            missing.append(href)
    for m in missing:
        print(f"{sys.argv[2]}: link {m} of the HTML part is missing", file=sys.stderr)
    print(f"{len(p.hrefs)} links in the HTML, {len(missing)} missing from the text")
    return 1 if missing or not p.hrefs else 0


sys.exit(main())
