#!/usr/bin/env python3
"""Every message the compiler can show a partner, collected from the C
source, checked for words partners do not use.

usage: partner_words.py FILE.c...

A message is a run of adjacent string literals passed to diags_add,
err_set or err_errno, returned from a function (yamldoc_plain's fallback,
explain), or in the plain-words column of yamldoc.c's table. Prints each
offending message with its file and line and exits 1, else prints how
many messages were read and exits 0.
"""
import re
import sys

JARGON = re.compile(
    r"front[ -]?matter|(?<![.\w])yaml\b|bulletin\.yaml|\bmappings?\b|"
    r"\bkeys?\b|\boctets?\b|\bscalars?\b|\btokens?\b|\bparser\b",
    re.IGNORECASE)
CALLS = {"diags_add", "err_set", "err_errno"}
TOKEN = re.compile(r'''//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\w+|\S''',
                   re.DOTALL)


def tokens(text):
    line = 1
    pos = 0
    for m in TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        t = m.group(0)
        if t.startswith("//") or t.startswith("/*"):
            continue
        yield t, line


def messages(path):
    """(line, message) for every message in the file."""
    toks = list(tokens(open(path, encoding="utf-8").read()))
    out = []

    def strings_until(i, stop_depth_close):
        """Runs of adjacent literals from toks[i] to the closing token."""
        depth, run, run_line = 0, [], 0
        while i < len(toks):
            t, ln = toks[i]
            if t.startswith('"'):
                if not run:
                    run_line = ln
                run.append(bytes(t[1:-1], "utf-8").decode("unicode_escape", "ignore"))
            else:
                if run:
                    out.append((run_line, "".join(run)))
                    run = []
                if t in "({[":
                    depth += 1
                elif t in ")}]":
                    depth -= 1
                    if depth < 0 and stop_depth_close:
                        return i
                elif t == ";" and depth <= 0:
                    return i
            i += 1
        return i

    i = 0
    while i < len(toks):
        t, _ = toks[i]
        if t in CALLS and i + 1 < len(toks) and toks[i + 1][0] == "(":
            i = strings_until(i + 2, True)
        elif t == "return":
            i = strings_until(i + 1, False)
        elif t == "plain_words":
            # {"libyaml's words", "plain words"}, ...: the second column.
            while i < len(toks) and toks[i][0] != "{":
                i += 1
            i += 1
            while i < len(toks) and toks[i][0] != "}":
                if toks[i][0] == "{":
                    while toks[i][0] != ",":
                        i += 1
                    i = strings_until(i + 1, True)
                i += 1
        i += 1
    return out


def main():
    bad = total = 0
    for path in sys.argv[1:]:
        for line, msg in messages(path):
            total += 1
            if JARGON.search(msg):
                print(f"{path}:{line}: {msg}")
                bad += 1
    if bad:
        print(f"{bad} message(s) use words partners do not use", file=sys.stderr)
        return 1
    print(f"{total} messages read, none uses jargon")
    return 0


sys.exit(main())
