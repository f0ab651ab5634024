# Files as partners save them: Notepad's Windows-1252, UTF-16 and byte
# order marks, capital and other extensions, Word files through pandoc,
# stray files named, titles and bodies full of tricks kept exactly and
# escaped, and every message in a partner's words.
source tests/lib.sh
new_workspace
cd "$T/ws"
F="$ROOT/tests/fixtures/input"
"$BULLETIN" new t1 --title "Forgiving" --date 2027-01-20 --deadline 2027-01-10 >/dev/null
I=issues/t1
cp "$F/windows-1252.md" "$F/utf-16le.md" "$F/utf-16be.md" "$F/utf-8-bom.md" $I/
python3 "$ROOT/tests/compile/make_image.py" png 40 30 $I/pic.png
python3 "$ROOT/tests/compile/make_image.py" jpeg 40 30 $I/old.jpg
printf -- '---\ntitle: Big Photo Story\npartner: Luton Council\nsection: places\n---\nA photo of the park.\n\n![Children planting trees](pic.png)\n' > "$I/Big Photo Story.MD"
printf -- '---\ntitle: Plain text piece\npartner: Luton Council\nsection: work\n---\nSaved as a .txt file.\n' > "$I/plain.txt"
echo '%PDF-1.4' > $I/notes.pdf
echo 'old Word' > $I/draft.doc
echo 'Finder' > $I/.DS_Store
set +e
"$BULLETIN" compile t1 > "$T/out1" 2> "$T/err1"; rc=$?
set -e
[ "$rc" -eq 0 ] && pass "forgiven files compile (exit 0)" || { fail "compile exit $rc"; cat "$T/err1" >&2; }
E="$T/err1"
expect_grep $E "$I/windows-1252.md: note: saved in an older Windows format; converted" "Windows-1252 converted and said"
expect_grep "$T/out1" "6 contributions" "every piece counted: .md, .MD, .txt, UTF-16 both ways, byte order mark"
H=$I/build/email.html
expect_grep $H "It’s free and “friendly”: tea, cake and advice for £5 a month." "Windows-1252 text reads right in the email"
expect_grep $H "Come along – everyone is welcome." "Windows-1252 dash"
expect_grep $H "Café open on Tuesdays – “all welcome” 😀." "UTF-16 LE with a byte order mark"
expect_grep $H "Saved as Unicode big-endian" "UTF-16 BE with a byte order mark"
expect_grep $H "Café and “quotes”." "UTF-8 with a byte order mark"
expect_grep $H "Big Photo Story" "a .MD piece is in the email"
expect_grep $H "Saved as a .txt file." "a .txt piece is in the email"
expect_no_grep $H "�" "no replacement characters"
expect_grep $E "issues/t1: note: not used: notes.pdf — a PDF cannot be made into a piece" "stray PDF listed with why"
expect_grep $E "issues/t1: note: not used: old.jpg — no piece uses this picture" "unused picture listed"
expect_grep $E "issues/t1: note: not used: draft.doc — bulletin cannot read this kind of document: save it as .docx" "old Word format listed"
expect_no_grep $E "not used: pic.png" "a used picture is not listed"
expect_no_grep $E "not used: .DS_Store" "hidden files are not listed"
expect_no_grep $E "not used: issue.yaml" "issue.yaml is used"
expect_no_grep $E "not used: CONTRIBUTING.md" "the guide is not listed"
expect_grep $I/build/report.txt "not used: notes.pdf" "the report lists files not used"

# Mixed encodings: an error naming the line, and nothing written.
mkdir -p issues/t2 && cp $I/issue.yaml issues/t2/ && cp "$F/mixed.md" issues/t2/
set +e
"$BULLETIN" compile t2 > /dev/null 2> "$T/err2"; rc=$?
set -e
[ "$rc" -eq 1 ] && pass "mixed encodings: exit 1" || fail "mixed: exit $rc"
expect_grep "$T/err2" "issues/t2/mixed.md:8:3: error: some characters on this line cannot be read: save the file as UTF-8" "mixed encodings: the line named"

# A real .docx made by pandoc from a Markdown fixture, converted back.
command -v pandoc >/dev/null || fail "pandoc is missing: install the Debian package pandoc (scripts/deps)"
mkdir -p issues/t3 && cp $I/issue.yaml issues/t3/
(cd "$T" && cp "$F/docx-source.md" . && cp "$T/ws/$I/pic.png" . &&
  pandoc -f markdown -t docx -o "$T/ws/issues/t3/Our news story.docx" docx-source.md)
set +e
"$BULLETIN" compile t3 > /dev/null 2> "$T/err3"; rc=$?
set -e
P=issues/t3/Our-news-story.md
[ "$rc" -eq 1 ] && pass "a converted piece waits for its details (exit 1)" || fail "docx: exit $rc"
expect_grep "$T/err3" "$P:1:1: note: made into this piece from 'Our news story.docx': complete the details at the top" "conversion said"
expect_grep "$T/err3" "$P:1:1: error: missing 'partner'" "the report lists the missing partner"
expect_grep "$T/err3" "$P:1:1: error: missing 'section'" "the report lists the missing section"
expect_grep $P 'title: "Our news story"' "title from the first heading"
expect_grep $P "## What we did" "heading kept, one level under the title"
expect_grep $P "[the full report](https://example.org/report)" "link kept"
expect_grep $P "**Town Hall**" "bold kept"
expect_grep $P "*what works*" "italics kept"
expect_grep $P "Asked parents first" "bullet list kept"
expect_grep $P "2.  Ran the sessions" "numbered list kept"
expect_grep $P "![Parents and toddlers playing with blocks](Our-news-story-1.png)" "picture extracted under a safe name"
head -c 8 issues/t3/Our-news-story-1.png | od -An -c | grep -q 'P   N   G' && pass "the extracted picture is a PNG" || fail "extracted picture is not a PNG"
expect_no_grep "$T/err3" "not used: Our news story.docx" "the Word file counts as used"
# The partner completes the details; the next compile builds it, unconverted.
sed -i 's/^partner: $/partner: Luton Council/; s/^section: $/section: best-start/' $P
cp $P "$T/edited.md"
"$BULLETIN" compile t3 > /dev/null 2> "$T/err3b" && pass "completed piece compiles" || { fail "completed piece does not compile"; cat "$T/err3b" >&2; }
cmp -s $P "$T/edited.md" && pass "an existing piece is never converted over" || fail "the piece was rewritten"
# The Word file saved again later: the piece stays, and the note says so.
touch -d '+1 hour' "issues/t3/Our news story.docx"
"$BULLETIN" compile t3 > /dev/null 2> "$T/err3c" || fail "compile after the Word file changed"
expect_grep "$T/err3c" "issues/t3/Our news story.docx: note: changed after it was made into Our-news-story.md, which is what the newsletter uses" "a newer Word file is noted"
cmp -s $P "$T/edited.md" && pass "the piece is kept when the Word file changes" || fail "the piece was rewritten"
H=issues/t3/build/email.html
expect_grep $H "What we did</h" "heading in the email"
expect_grep $H '<a href="https://example.org/report"' "link in the email"
expect_grep $H "<strong>Town Hall</strong>" "bold in the email"
expect_grep $H "<em>what works</em>" "italics in the email"
expect_grep $H 'Our-news-story-1.png' "picture in the email"

# Without pandoc the message says what to install.
mkdir -p issues/t4 && cp $I/issue.yaml issues/t4/ && cp "issues/t3/Our news story.docx" issues/t4/
set +e
PATH=/nonexistent "$BULLETIN" compile t4 > /dev/null 2> "$T/err4"; rc=$?
set -e
[ "$rc" -eq 1 ] && pass "no pandoc: exit 1" || fail "no pandoc: exit $rc"
expect_grep "$T/err4" "issues/t4/Our news story.docx: error: Word files are converted by pandoc, which is not installed here: ask whoever runs bulletin to install it (on Debian: apt-get install pandoc)" "no pandoc: what to install"
[ ! -e issues/t4/Our-news-story.md ] && pass "no pandoc: nothing written" || fail "no pandoc: a piece was written"

# Two names that make one web anchor: an error naming both.
mkdir -p issues/t7 && cp $I/issue.yaml issues/t7/
cp issues/t1/plain.txt "issues/t7/Our news.md" && cp issues/t1/plain.txt issues/t7/Our-news.txt
"$BULLETIN" compile t7 > /dev/null 2> "$T/err7" && fail "two pieces with one name compiled" || true
expect_grep "$T/err7" "issues/t7/Our-news.txt: error: this piece and issues/t7/Our news.md have the same name once spaces and punctuation are set aside ('Our-news')" "same-name pieces refused"

# Round trips: details full of tricks read exactly, escaped on output.
mkdir -p issues/t5 && cp $I/issue.yaml issues/t5/
cat > issues/t5/tricks.md <<'MD'
---
title: "Learning: <script>alert(1)</script> & \"quotes\" # not a comment"
partner: '- Luton & District *Trust* !'
section: work
summary: "{{name}} [[bulletin:x]] | > more: yes"
---
Tea & cake <b>free</b> <script>alert(2)</script> {{name}}.

A [link](javascript:alert(3)) and "quotes" & 'apostrophes'.
MD
set +e
"$BULLETIN" compile t5 > /dev/null 2> "$T/err5"; rc=$?
set -e
H=issues/t5/build/email.html
X=issues/t5/build/email.txt
[ "$rc" -eq 0 ] && pass "tricky details compile" || { fail "tricky: exit $rc"; cat "$T/err5" >&2; }
expect_grep $X 'Learning: <script>alert(1)</script> & "quotes" # not a comment' "title read exactly (text email)"
expect_grep $X '- Luton & District *Trust* !' "partner read exactly (text email)"
expect_grep $H 'Learning: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; # not a comment' "title escaped in the HTML"
expect_grep $H 'Tea &amp; cake free  {{name}}.' "body escaped, raw HTML dropped"
expect_no_grep $H '<script' "no script reaches the HTML"
expect_no_grep $H 'javascript:' "no javascript: link"

# An issue dated before its deadline.
mkdir -p issues/t6 && printf 'title: Early\ndate: 2027-01-05\ndeadline: 2027-01-10\n' > issues/t6/issue.yaml
cp issues/t1/plain.txt issues/t6/
"$BULLETIN" compile t6 > /dev/null 2> "$T/err6" || true
expect_grep "$T/err6" "issues/t6/issue.yaml:2:7: warning: the issue is dated 2027-01-05, before its deadline (2027-01-10)" "issue dated before its deadline"

# No message above uses a word partners do not know.
if cat "$T"/err* | grep -inE 'front[ -]?matter|(^|[^.a-z])yaml|mapping|\bkeys?\b|octet|scalar'; then
  fail "a message uses jargon (above)"
else
  pass "messages in a partner's words"
fi
finish
