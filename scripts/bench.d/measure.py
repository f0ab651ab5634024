#!/usr/bin/env python3
"""measure.py RUNS CMD...: runs CMD RUNS times; prints the median wall
time in seconds and the largest peak RSS in KB (from wait4), and exits
non-zero if any run failed."""
import os
import statistics
import subprocess
import sys
import time

runs = int(sys.argv[1])
cmd = sys.argv[2:]
times, rss = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    times.append(time.perf_counter() - t0)
    rss.append(usage.ru_maxrss)
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"measure: {' '.join(cmd)} failed", file=sys.stderr)
        sys.exit(1)
print(f"{statistics.median(times):.4f} {max(rss)}")
