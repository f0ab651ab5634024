# The sample issue: compiles cleanly under --strict, writes nothing
# public until published, matches the golden files, is byte-for-byte
# reproducible (compile and site), and its text part carries every link
# of the HTML part within 72 columns. The sample history compiles too.
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
for h in 2026-10 2026-11; do
  grep -q '^sample: true' issues/$h/issue.yaml && pass "$h is marked as sample content" || fail "$h lacks sample: true"
  "$BULLETIN" compile $h --strict >/dev/null 2>"$T/err.$h" && [ ! -s "$T/err.$h" ] \
    && pass "sample $h compiles under --strict" || { fail "sample $h:"; cat "$T/err.$h" >&2; }
done
rm -rf issues/2026-10/build issues/2026-11/build
for f in $I/build/email.html $I/build/email.txt $I/build/report.txt \
         $I/build/report.json; do
  [ -s "$f" ] && pass "wrote $f" || fail "missing output $f"
done
# A compile is private: nothing public until the issue is published.
[ ! -e public ] && pass "compile wrote nothing under public/" || { fail "compile wrote public/:"; find public >&2; }
publish_sample
for f in public/issues/2026-12/index.html public/index.html public/feed.xml \
         public/style.css public/issues/2026-12/flying-start.png; do
  [ -s "$f" ] && pass "published $f" || fail "missing public file $f"
done

# Golden files (regenerate with UPDATE_GOLDEN=1 after a deliberate change).
G="$ROOT/tests/golden/2026-12"
for pair in "$I/build/email.html:email.html" "$I/build/email.txt:email.txt" \
            "public/issues/2026-12/index.html:archive.html" "public/feed.xml:feed.xml"; do
  got=${pair%%:*}; want=$G/${pair##*:}
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then mkdir -p "$G"; cp "$got" "$want"; fi
  if cmp -s "$got" "$want"; then pass "golden ${pair##*:}"; else
    fail "$got differs from the golden $want:"; diff -u "$want" "$got" | head -40 >&2 || true; fi
done

# Reproducible: compiling and publishing again gives identical bytes
# everywhere, and so does a second workspace built from the same files
# at the same "now" (the manifest, which records the files' times, aside).
sums() { (find public $I/build -type f ! -name .manifest | sort | xargs sha256sum); }
sums > "$T/sum1"
"$BULLETIN" compile 2026-12 >/dev/null 2>&1
rm -rf public/issues/2026-12/index.html
"$BULLETIN" publish --now "$SAMPLE_NOW" >/dev/null
sums > "$T/sum2"
cmp -s "$T/sum1" "$T/sum2" && pass "reproducible" || { fail "second compile differs"; diff "$T/sum1" "$T/sum2" >&2 || true; }
cd "$T" && mv sample sample1 && sample_workspace && cd "$T/sample"
"$BULLETIN" compile 2026-12 >/dev/null 2>&1
SOURCE_DATE_EPOCH=$(date -d "${SAMPLE_NOW%Z}Z" +%s) "$BULLETIN" publish 2026-10 2026-11 2026-12 >/dev/null
sums > "$T/sum3"
cmp -s "$T/sum1" "$T/sum3" && pass "another workspace, SOURCE_DATE_EPOCH: the same bytes" \
  || { fail "another workspace gives other bytes"; diff "$T/sum1" "$T/sum3" >&2 || true; }

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
