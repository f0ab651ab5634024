# libcurl (and the thirty libraries it brings) is loaded when an SMTP
# transport is made, not when bulletin starts: a command that sends
# nothing never maps it, and a send over SMTP still works.
source tests/lib.sh
source tests/send/lib.sh
sample_workspace
cd "$T/sample"

LD_DEBUG=libs "$BULLETIN" --version >/dev/null 2>"$T/libs.version"
expect_grep "$T/libs.version" "libc.so" "LD_DEBUG shows the libraries loaded"
expect_no_grep "$T/libs.version" "libcurl" "bulletin --version does not load libcurl"
LD_DEBUG=libs "$BULLETIN" compile 2026-12 >/dev/null 2>"$T/libs.compile"
expect_no_grep "$T/libs.compile" "libcurl" "bulletin compile does not load libcurl"

start_smtpd smtpd
delivery "transport=smtp://127.0.0.1:$SMTPD_PORT" connections=1
LD_DEBUG=libs "$BULLETIN" send 2026-12 --to tester@example.org >"$T/send.out" 2>"$T/libs.send" ||
  { fail "send --to over SMTP failed:"; cat "$T/send.out" >&2; }
stop_smtpd
expect_grep "$T/libs.send" "libcurl" "a send over SMTP loads libcurl"
n=$(grep -rl "tester@example.org" "$T/smtpd.maildir" 2>/dev/null | wc -l)
[ "$n" = 1 ] && pass "the test message reached the SMTP server" || fail "$n messages reached the SMTP server, not 1"
finish
