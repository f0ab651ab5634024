# Shared by the script tests (sourced). Each test runs from the project
# root with $BULLETIN set by ctest; failures print what was expected.
set -euo pipefail
: "${BULLETIN:?run through ctest (or set BULLETIN to the built binary)}"
ROOT=$(pwd)
T=$(mktemp -d /tmp/bulletin-test.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# expect_grep FILE PATTERN DESCRIPTION: the file contains the fixed string.
expect_grep() {
  if grep -qF -- "$2" "$1"; then pass "$3"; else
    fail "$3: expected to find '$2' in $1:"; sed 's/^/    /' "$1" >&2; fi
}
expect_no_grep() {
  if grep -qF -- "$2" "$1"; then fail "$3: did not expect '$2' in $1"; else pass "$3"; fi
}
finish() {
  if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
}
# A fresh workspace made by 'bulletin init' in $T/ws, with the project's
# bulletin.yaml so sections match the sample.
new_workspace() {
  "$BULLETIN" init "$T/ws" >/dev/null
  cp "$ROOT/bulletin.yaml" "$T/ws/bulletin.yaml"
}
# A copy of the project's sample workspace in $T/sample (so tests never
# write into the repository), compiled when compile_sample is called.
# SAMPLE_NOW is the fixed "now" its site is built at: the sample's events
# fall both before and after it.
SAMPLE_NOW=2026-12-10T12:00Z
sample_workspace() {
  mkdir -p "$T/sample/issues"
  cp "$ROOT/bulletin.yaml" "$T/sample/"
  cp -r "$ROOT/templates" "$T/sample/"
  # Every sample issue: 2026-12 and the published history before it.
  cp -r "$ROOT"/issues/* "$T/sample/issues/"
  rm -rf "$T"/sample/issues/*/build
  mkdir -p "$T/sample/subscribers"
  cp "$ROOT/subscribers/sample.csv" "$T/sample/subscribers/"
}
# Publishes the sample history (2026-10, 2026-11, 2026-12) in $T/sample
# at SAMPLE_NOW, as its editors would have.
publish_sample() {
  (cd "$T/sample" && "$BULLETIN" publish 2026-10 2026-11 2026-12 --by sample-editor \
     --now "$SAMPLE_NOW" >/dev/null)
}
