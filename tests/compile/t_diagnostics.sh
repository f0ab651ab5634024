# Every compile error and warning, each triggered by a contribution made
# for it, with the exact file:line:col in the message.
source tests/lib.sh
new_workspace
cd "$T/ws"
"$BULLETIN" new t1 --title "Test issue" --date 2027-01-10 --deadline 2027-01-05 >/dev/null
I=issues/t1
python3 "$ROOT/tests/compile/make_image.py" png 40 30 $I/pic.png

good_body='People in Luton shared what works. We met in May. It went well.'
# contribution NAME FRONTMATTER BODY
contribution() {
  printf -- '---\n%s\nreceived: 2027-01-01\n---\n%s\n' "$2" "$3" > "$I/$1.md"
}
contribution missing-title 'partner: P
section: best-start' "$good_body"
contribution missing-partner 'title: T
section: best-start' "$good_body"
contribution missing-section 'title: T
partner: P' "$good_body"
contribution unknown-section 'title: T
partner: P
section: best_start' "$good_body"
contribution bad-yaml 'title: T
partner: P: Q
section: best-start' "$good_body"
contribution image-missing 'title: T
partner: P
section: best-start
image: nothere.png
image_alt: A map' "$good_body"
contribution image-no-alt 'title: T
partner: P
section: best-start
image: pic.png' "$good_body"
contribution empty-body 'title: T
partner: P
section: best-start' ""
contribution event-no-start 'title: T
partner: P
section: news-and-events
type: event' "$good_body"
contribution click-here 'title: T
partner: P
section: best-start' "$good_body

Read the report [click here](https://example.org/report)."
contribution bare-url 'title: T
partner: P
section: best-start' "$good_body

See [https://example.org/a](https://example.org/a) for more."
contribution heading-skip 'title: T
partner: P
section: best-start' "## Start

$good_body

#### Too deep

$good_body"
contribution hard-words 'title: T
partner: P
section: best-start' "Notwithstanding considerable organisational heterogeneity, interdisciplinary collaborative infrastructures systematically operationalised multidimensional epidemiological intelligence, facilitating comprehensive intersectoral prioritisation methodologies throughout municipal governance arrangements."
# Over the word limit (600 by default): 650 short words.
long=$(for i in $(seq 1 130); do printf 'We met. It was good. '; done)
contribution too-long 'title: T
partner: P
section: best-start' "$long"
# A real picture padded to 600 KB.
python3 "$ROOT/tests/compile/make_image.py" png 40 30 $I/big.png $((600 * 1024))
contribution big-image 'title: T
partner: P
section: best-start
image: big.png
image_alt: A big picture' "$good_body"
printf -- '---\ntitle: T\npartner: P\nsection: best-start\n---\n%s\n' "$good_body" > $I/late.md
touch -d 2027-01-07 $I/late.md
contribution body-image-no-alt 'title: T
partner: P
section: best-start' "$good_body

![](pic.png)"

set +e
"$BULLETIN" compile t1 > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && pass "exit 1 with errors" || fail "exit code $rc, want 1"
E="$T/err"
expect_grep $E "$I/missing-title.md:1:1: error: missing 'title'" "missing title"
expect_grep $E "$I/missing-partner.md:1:1: error: missing 'partner'" "missing partner"
expect_grep $E "$I/missing-section.md:1:1: error: missing 'section'" "missing section"
expect_grep $E "$I/unknown-section.md:4:10: error: unknown section 'best_start': did you mean 'best-start' (Give every child the best start in life)?" "unknown section with suggestion"
expect_grep $E "$I/bad-yaml.md:3:" "unreadable details located"
expect_grep $E "error: this line of the details at the top cannot be read: there is a second ': ' on this line: put the whole value in \"quotes\"" "unreadable details explained in plain words"
expect_grep $E "$I/image-missing.md:5:8: error: image 'nothere.png' is not in $I" "image missing on disk"
expect_grep $E "$I/image-no-alt.md:5:1: error: image 'pic.png' has no 'image_alt'" "image without alt text"
expect_grep $E "$I/empty-body.md:7:1: error: the piece has no text" "empty body"
expect_grep $E "$I/event-no-start.md:5:1: error: an event needs a start: add a line 'start: 2027-01-21T10:00' (the date, a T, the time), and 'location: ' with where it is" "event without a start"
expect_grep $E "$I/click-here.md:9:17: warning: link text 'click here' does not say where the link goes" "click here link text"
expect_grep $E "$I/bare-url.md:9:5: warning: the link text is a bare web address" "bare URL link text"
expect_grep $E "$I/heading-skip.md:11:1: warning: heading level skipped: a level-4 heading (####)" "heading level skipped"
expect_grep $E "$I/hard-words.md:7:1: warning: reading ease" "reading ease below target"
expect_grep $E "$I/too-long.md:7:1: warning: 650 words, over the limit of 600" "word limit"
expect_grep $E "$I/big-image.md:5:8: warning: image 'big.png' is 600 KB, over the 500 KB limit" "image over size limit"
expect_grep $E "$I/late.md: warning: arrived after the deadline" "contribution newer than the deadline"
expect_grep $E "$I/body-image-no-alt.md:9:1: error: image 'pic.png' has no description" "body image without alt text"
# One bad contribution never hides the others: all reported in one run.
n=$(grep -c ': error: \|: warning: ' $E)
[ "$n" -ge 17 ] && pass "all $n problems reported in one run" || fail "only $n problems reported"
# Bad input writes nothing.
[ ! -e $I/build/email.html ] && [ ! -e public/t1/index.html ] && pass "nothing written on errors" || fail "outputs written despite errors"

# Warnings alone: exit 0, and exit 1 under --strict.
mkdir -p issues/t2 && cp $I/issue.yaml issues/t2/
cp $I/click-here.md issues/t2/
"$BULLETIN" compile t2 >/dev/null 2>"$T/err2" && pass "warnings alone: exit 0" || fail "warnings alone should exit 0"
expect_grep "$T/err2" "issues/t2/click-here.md:9:17: warning:" "warning reported without --strict"
set +e
"$BULLETIN" compile t2 --strict >/dev/null 2>"$T/err3"; rc=$?
set -e
[ "$rc" -eq 1 ] && pass "--strict: warnings fail" || fail "--strict exit $rc, want 1"
expect_grep "$T/err3" "issues/t2/click-here.md:9:17: error: link text" "--strict reports warnings as errors"
finish
