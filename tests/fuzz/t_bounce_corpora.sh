# The bounce fuzz target's checks over the real-world corpora in
# ../shared/corpus (read in place) and tests/corpus, under the sanitizers
# of the test build.
source "$(dirname "$0")/../lib.sh"
replay=$BUILD_DIR/replay_bounce
c=../shared/corpus
dirs=("$c/bounces-flufl" "$c/bounces-sisimai/bounce"
      "$c/bounces-sisimai/complaint" "$c/bounces-sisimai/not-bounce"
      tests/corpus/sisimai tests/corpus/flufl tests/corpus/bounceparser)
if [ ! -x "$replay" ]; then
  fail "$replay missing: build the project first"
  finish
fi
for d in "${dirs[@]}"; do
  [ -d "$d" ] || { fail "$d missing: the shared corpora are needed"; finish; }
done
if out=$("$replay" "${dirs[@]}"); then
  n=$(echo "$out" | sed -n 's/^replayed \([0-9]*\) inputs$/\1/p')
  if [ "${n:-0}" -ge 860 ]; then
    pass "bounce fuzz target over $n corpus files"
  else
    fail "only ${n:-0} corpus files replayed"
  fi
else
  fail "replay_bounce failed on the corpora"
fi
finish
