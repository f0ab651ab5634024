# The classifier over every bounce corpus with expectations
# (tests/corpus/README.md): per source, the share recognised with exactly
# the right recipients, and over all of them. Fails when all together
# fall below the goal (97% of hard bounces, and nothing that is not a
# bounce taken for one).
source "$(dirname "$0")/../lib.sh"
score=$BUILD_DIR/bench_bounce
[ -x "$score" ] || { fail "$score missing: build the project first"; finish; }
if "$score" --score >"$T/score.txt" 2>"$T/misses.txt"; then
  pass "corpus scores meet the goal"
else
  fail "corpus scores below the goal; the samples read wrong:"
  cat "$T/misses.txt" >&2
fi
cat "$T/score.txt"
n=$(sed -n 's/^all *\([0-9][0-9]*\) samples:.*/\1/p' "$T/score.txt")
[ "${n:-0}" -ge 450 ] && pass "$n samples scored" || fail "only $n samples scored"
finish
