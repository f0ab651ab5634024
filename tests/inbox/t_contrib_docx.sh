# A Word file mailed to a partner's contribute+SECRET@ address, with no
# text in the mail, becomes the piece: pandoc converts it as for a .docx
# dropped in the issue's folder, headings and links intact. Its pictures
# are used: the first is the piece's image when the mail has none of its
# own (the check then asks for a description), the others are kept
# beside the piece under generated names and listed in the answer; with
# a photo attached to the mail, that is the image and the document's
# pictures are all kept.
source "$(dirname "$0")/../lib.sh"
command -v pandoc >/dev/null || { fail "pandoc is missing: scripts/deps installs it (apt-get install pandoc)"; finish; }
source "$ROOT/tests/inbox/lib.sh"
contrib_workspace
B=$BULLETIN

python3 - "$T" "$ROOT/tests/inbox" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from make_contrib import png
# Three pictures told apart by their sizes.
for name, w, h in (("first.png", 4, 3), ("second.png", 3, 3), ("mailed.png", 5, 2)):
    open(f"{sys.argv[1]}/{name}", "wb").write(png(w, h))
PY
printf '# Story sacks\n\nFamilies borrow a sack of books each week.\n\n![Children reading together](first.png "Story time")\n\n## What we did\n\nRead [the report](https://example.org/story-sacks).\n\n![](second.png)\n' > "$T/piece.md"
(cd "$T" && pandoc -o piece.docx piece.md) || fail "pandoc could not make the .docx"
printf '# Walk and talk\n\nA weekly walk.\n\n![A walk](second.png)\n' > "$T/walk.md"
(cd "$T" && pandoc -o walk.docx walk.md) || fail "pandoc could not make walk.docx"
python3 -c 'import sys, zipfile; sys.exit(not any("media/" in n for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$T/piece.docx" && pass "the test .docx holds pictures" || fail "no pictures in the test .docx"
python3 - "$T" "$md/new" "$secret" <<'PY'
import sys
from email.message import EmailMessage
from email.utils import make_msgid, formatdate
t, out, secret = sys.argv[1:4]
def mail(subject, text, docx, photo=None):
    m = EmailMessage()
    m["From"] = "Ann <ann@partner.example>"
    m["To"] = f"contribute+{secret}@example.org"
    m["Subject"] = subject
    m["Date"] = formatdate()
    m["Message-ID"] = make_msgid(domain="partner.example")
    m.set_content(text)
    if photo:
        m.add_attachment(open(f"{t}/{photo}", "rb").read(), maintype="image",
                         subtype="png", filename=photo)
    m.add_attachment(open(f"{t}/{docx}", "rb").read(), maintype="application",
                     subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                     filename=docx.replace("piece", "Story sacks"))
    return bytes(m)
open(f"{out}/01-word", "wb").write(mail(
    "Story sacks", "Section: best-start\nType: case study\nSummary: Families borrow books.\n",
    "piece.docx"))
open(f"{out}/02-word-and-photo", "wb").write(mail(
    "Walk and talk", "Section: best-start\nAlt: Walkers by the lake\n", "walk.docx",
    "mailed.png"))
PY
"$B" inbox "maildir:$md" > "$T/inbox.out" 2>&1 || fail "inbox exited $?: $(cat "$T/inbox.out")"
piece=$(grep -l "Story sacks" issues/2027-01/*.md 2>/dev/null | grep -v CONTRIBUTING | head -1)
[ -n "$piece" ] && pass "the mailed Word file became a piece ($piece)" || { fail "no piece from the Word file: $(cat "$T/inbox.out")"; finish; }
expect_grep "$piece" "## What we did" "its heading is kept"
expect_grep "$piece" "https://example.org/story-sacks" "its link is kept"
expect_no_grep "$T/inbox.out" "can't read Word files" "no request to paste the text instead"
expect_no_grep "$piece" "media/" "no reference to pandoc's extracted files is left in the text"
expect_no_grep "$piece" "![" "the pictures are out of the text, for the partner to place"
slug=$(basename "$piece" .md)
image=$(sed -n 's/^image: "\(.*\)"$/\1/p' "$piece")
[ -n "$image" ] && cmp -s "issues/2027-01/$image" "$T/first.png" \
  && pass "the document's first picture is the piece's image ($image)" \
  || fail "the piece's image is '$image', not the document's first picture"
cmp -s "issues/2027-01/$slug-photo-2.png" "$T/second.png" \
  && pass "the second picture is kept as $slug-photo-2.png" || fail "no $slug-photo-2.png with the second picture"
ls -a issues/2027-01 > "$T/files"
expect_no_grep "$T/files" "rId" "no file takes its name from the document"
expect_no_grep "$T/files" "image1" "no file takes its name from the document (image1)"

walk=$(grep -l "Walk and talk" issues/2027-01/*.md 2>/dev/null | head -1)
wslug=$(basename "$walk" .md)
wimage=$(sed -n 's/^image: "\(.*\)"$/\1/p' "$walk")
[ -n "$wimage" ] && cmp -s "issues/2027-01/$wimage" "$T/mailed.png" \
  && pass "with a photo attached, the mail's photo is the piece's image" || fail "walk's image is '$wimage'"
expect_grep "$walk" 'image_alt: "Walkers by the lake"' "described by the Alt: line"
cmp -s "issues/2027-01/$wslug-photo-2.png" "$T/second.png" \
  && pass "and the document's picture is kept beside it" || fail "no $wslug-photo-2.png"

# The answers: the pictures kept are listed; the piece without an Alt:
# line is asked for a description.
python3 - outbox/new "$slug" "$wslug" <<'PY' && pass "the answers list the kept pictures and ask for a description" || fail "answers"
import os, sys
from email import policy
from email.parser import BytesParser
d, slug, wslug = sys.argv[1:4]
got = {}
for f in os.listdir(d):
    m = BytesParser(policy=policy.strict).parsebytes(open(os.path.join(d, f), "rb").read())
    got[str(m["Subject"])] = m.get_content()
story, walk = got["Re: Story sacks"], got["Re: Walk and talk"]
assert f"kept beside your piece for you to place: {slug}-photo-2.png" in story, story
assert "describe what the picture shows" in story and "a line 'Alt: '" in story, story
assert "image_alt" not in story, story
assert f"{wslug}-photo-2.png" in walk, walk
assert "describe what the picture shows" not in walk, walk
PY
finish
