# Every command the documentation shows as runnable works as written.
source tests/lib.sh
for doc in "$ROOT"/docs/*.md "$ROOT/README.md"; do
  grep -q '<!-- runnable -->' "$doc" || continue
  rm -rf "$T/sample"
  sample_workspace
  if python3 "$ROOT/tests/docs/run_examples.py" "$BULLETIN" "$T/sample" "$doc"; then
    pass "$(basename "$doc")"
  else
    fail "$(basename "$doc") has an example that does not work"
  fi
done
finish
