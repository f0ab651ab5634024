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
# The installed bulletin runs serve and inbox from bulletin-net, which
# it finds in ../libexec/bulletin/ (CMakeLists.txt says why two).
out=$("$T/inst/bin/bulletin" inbox --help 2>&1) && grep -q "usage: bulletin inbox" <<<"$out" \
  && pass "the installed bulletin runs 'inbox' (bulletin-net from libexec)" \
  || fail "installed 'bulletin inbox --help' failed: $out"
ldd "$T/inst/bin/bulletin" | grep -qE "libetpan|libmicrohttpd|libxml2|libgnutls" \
  && fail "bin/bulletin links the mail and web libraries: $(ldd "$T/inst/bin/bulletin")" \
  || pass "bin/bulletin starts without the mail and web libraries"
mv "$T/inst/libexec" "$T/gone"
rc=0; out=$("$T/inst/bin/bulletin" serve 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "bulletin-net" <<<"$out" && grep -q "install bulletin again" <<<"$out" \
  && pass "without bulletin-net, 'serve' says what is missing and how to fix it" \
  || fail "without bulletin-net, 'serve' gave ($rc): $out"
finish
