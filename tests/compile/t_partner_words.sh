# Every message the compiler can show a partner (each string passed to
# diags_add, err_set or err_errno, or returned as a message, in the
# compiler's sources and the modules that word its messages) is free of
# "front matter", "YAML", "mapping", "key", "octet" and the like. The
# checker itself is shown a message with jargon first, so it cannot pass
# by reading nothing.
source tests/lib.sh
cat > "$T/bad.c" <<'C'
static void f(struct diags *d)
{
	diags_add(d, DIAG_ERROR, "x", 1, 1, "code",
	          "the front matter is not valid: "
	          "%s", "x");
}
static const char *g(void) { return "use one of the keys"; }
static const struct { const char *problem, *plain; } plain_words[] = {
        {"did not find expected key", "each line needs a name"},
        {"mapping values", "a second " "mapping"},
};
C
set +e
python3 tests/compile/partner_words.py "$T/bad.c" > "$T/bad.out" 2>&1; rc=$?
set -e
[ "$rc" -eq 1 ] && pass "the checker finds jargon" || fail "the checker missed jargon (exit $rc)"
expect_grep "$T/bad.out" "bad.c:4: the front matter is not valid: %s" "a diags_add message, its strings joined"
expect_grep "$T/bad.out" "bad.c:7: use one of the keys" "a returned message"
expect_grep "$T/bad.out" "bad.c:10: a second mapping" "the plain-words column"
expect_no_grep "$T/bad.out" "did not find expected key" "libyaml's own words are what is matched, not shown"
python3 tests/compile/partner_words.py src/compile/*.c src/common/yamldoc.c \
  src/common/text.c src/cmd/cmd_compile.c > "$T/out" 2>&1 \
  && pass "no message of the compiler uses jargon" \
  || { fail "messages with jargon:"; cat "$T/out" >&2; }
n=$(sed -n 's/^\([0-9]*\) messages read.*/\1/p' "$T/out")
[ "${n:-0}" -ge 100 ] && pass "$n messages read" || fail "only ${n:-0} messages read"
finish
