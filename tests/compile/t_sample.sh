# The sample issue: compiles cleanly under --strict, matches the golden
# files, is byte-for-byte reproducible, and its text part carries every
# link of the HTML part within 72 columns.
source tests/lib.sh
sample_workspace
cd "$T/sample"
I=issues/2026-12
if "$BULLETIN" compile 2026-12 --strict > "$T/out" 2> "$T/err"; then
  pass "sample compiles under --strict"
else
  fail "sample issue does not compile under --strict:"; cat "$T/err" >&2
fi
[ ! -s "$T/err" ] && pass "no warnings" || { fail "compile printed:"; cat "$T/err" >&2; }
for f in $I/build/email.html $I/build/email.txt $I/build/report.txt \
         $I/build/report.json public/2026-12/index.html public/index.html \
         public/feed.xml public/style.css public/2026-12/flying-start.png; do
  [ -s "$f" ] && pass "wrote $f" || fail "missing output $f"
done

# Golden files (regenerate with UPDATE_GOLDEN=1 after a deliberate change).
G="$ROOT/tests/golden/2026-12"
for pair in "$I/build/email.html:email.html" "$I/build/email.txt:email.txt" \
            "public/2026-12/index.html:archive.html" "public/feed.xml:feed.xml"; do
  got=${pair%%:*}; want=$G/${pair##*:}
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then mkdir -p "$G"; cp "$got" "$want"; fi
  if cmp -s "$got" "$want"; then pass "golden ${pair##*:}"; else
    fail "$got differs from the golden $want:"; diff -u "$want" "$got" | head -40 >&2 || true; fi
done

# Reproducible: compiling again gives identical bytes everywhere.
(find public $I/build -type f | sort | xargs sha256sum) > "$T/sum1"
"$BULLETIN" compile 2026-12 >/dev/null 2>&1
(find public $I/build -type f | sort | xargs sha256sum) > "$T/sum2"
cmp -s "$T/sum1" "$T/sum2" && pass "reproducible" || { fail "second compile differs"; diff "$T/sum1" "$T/sum2" >&2 || true; }

# Every HTML link in the text part.
python3 "$ROOT/tests/mail/link_parity.py" $I/build/email.html $I/build/email.txt \
  && pass "link parity" || fail "text part lacks links of the HTML part"
# Text part wrapped at 72 columns (a single unbreakable word may exceed).
long=$(python3 - "$I/build/email.txt" <<'PY'
import re, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    # A numbered link reference holds one unbreakable URL.
    if len(line) > 72 and " " in line.strip() and not re.fullmatch(r"\[\d+\] \S+", line):
        print(f"{n}: {line}")
PY
)
[ -z "$long" ] && pass "text wrapped at 72" || fail "lines over 72 columns: $long"
# Email HTML limits: under ~100 KB, <style> under 16 KB, lang and role.
size=$(stat -c %s $I/build/email.html)
[ "$size" -lt 102400 ] && pass "email.html is $size bytes" || fail "email.html is $size bytes (Gmail clips above ~100 KB)"
expect_grep $I/build/email.html '<html lang="en-GB">' "lang from config"
expect_grep $I/build/email.html 'role="presentation"' "table layout"
expect_grep $I/build/email.html '[[bulletin:unsubscribe_url]]' "unsubscribe link placeholder"
expect_grep $I/build/email.txt '[Image: ' "images as alt text in the text part"
# Report lists each contribution and the sections with none.
expect_grep $I/build/report.txt "Sections with no contribution:" "report lists empty sections"
expect_grep $I/build/report.txt "Totals: 7 contributions" "report totals"
python3 -c "import json,sys; d=json.load(open('$I/build/report.json')); assert len(d['contributions'])==7" \
  && pass "report.json parses" || fail "report.json is not valid JSON with 7 contributions"
"$BULLETIN" compile 2026-12 --json > "$T/json" 2>/dev/null
python3 -c "import json; json.load(open('$T/json'))" && pass "--json on stdout" || fail "--json output invalid"
# The contents list follows the configured section order.
python3 - "$I/build/report.json" "$ROOT/bulletin.yaml" <<'PY' && pass "ordered by section order" || fail "contributions out of section order"
import json, re, sys
order = re.findall(r"^  - key: (\S+)", open(sys.argv[2]).read(), re.M)
secs = [c["section"] for c in json.load(open(sys.argv[1]))["contributions"]]
idx = [order.index(s) for s in secs]
sys.exit(0 if idx == sorted(idx) else 1)
PY
finish
