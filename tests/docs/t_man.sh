# The man page names every command the program has, renders without
# warnings, and cmake --install puts it (and the binary) in place.
source tests/lib.sh
cmds=$("$BULLETIN" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$cmds" ] || fail "bulletin --help lists no commands"
for c in $cmds; do
  grep -qE "^\.(B|BI|BR|TP)? ?\"?$c( |\"|$)|^\.B $c|^\.BI \"$c |^\.BR $c " man/bulletin.1 \
    && pass "man page has $c" || fail "man/bulletin.1 does not describe '$c'"
done
warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z man/bulletin.1 2>&1 || true)
[ -z "$warnings" ] && pass "renders cleanly" || fail "groff warnings: $warnings"
cmake --install "$BUILD_DIR" --prefix "$T/inst" >/dev/null
[ -x "$T/inst/bin/bulletin" ] && [ -f "$T/inst/share/man/man1/bulletin.1" ] \
  && pass "cmake --install installs the binary and the man page" \
  || fail "cmake --install did not install bin/bulletin and share/man/man1/bulletin.1"
finish
