#!/usr/bin/env python3
"""Runs the fenced examples marked <!-- runnable --> in a Markdown file,
in order, in one copy of the sample workspace, with bulletin on PATH.

usage: run_examples.py BULLETIN WORKSPACE FILE.md
Fails (exit 1) naming the file and line of the first example that fails.
"""
import os
import re
import subprocess
import sys

bulletin, workspace, doc = sys.argv[1:4]
text = open(doc, encoding="utf-8").read().split("\n")
env = dict(os.environ)
env["PATH"] = os.path.dirname(os.path.abspath(bulletin)) + os.pathsep + env["PATH"]
examples = []
i = 0
while i < len(text):
    if text[i].strip() == "<!-- runnable -->" and i + 1 < len(text) and text[i + 1].startswith("```"):
        start = i + 2
        j = start
        while j < len(text) and not text[j].startswith("```"):
            j += 1
        examples.append((start, "\n".join(text[start:j])))
        i = j
    i += 1
if not examples:
    print(f"{doc}: no runnable examples", file=sys.stderr)
    sys.exit(1)
for line, code in examples:
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=workspace, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"{doc}:{line}: example failed (exit {r.returncode}):\n{code}\n--- output:\n{r.stdout}{r.stderr}",
              file=sys.stderr)
        sys.exit(1)
    print(f"ok: {doc}:{line}: {code.splitlines()[0]}")
print(f"{doc}: {len(examples)} examples ran")
