# A Word file mailed to a partner's contribute+SECRET@ address, with no
# text in the mail, becomes the piece: pandoc converts it as for a .docx
# dropped in the issue's folder, headings and links intact.
source "$(dirname "$0")/../lib.sh"
command -v pandoc >/dev/null || { fail "pandoc is missing: scripts/deps installs it (apt-get install pandoc)"; finish; }
new_workspace
cd "$T/ws"
B=$BULLETIN
"$B" new 2027-01 --title "January" --date "$(date -u -d '+30 days' +%F)" \
  --deadline "$(date -u -d '+20 days' +%F)" > /dev/null
"$B" partners add "Family Hub" --contact ann@partner.example > "$T/add.out" 2>&1 || fail "partners add: $(cat "$T/add.out")"
secret=$(grep -oE 'contribute/[a-z2-7]{26}' "$T/add.out" | head -1 | cut -d/ -f2)
[ -n "$secret" ] || { fail "no secret in: $(cat "$T/add.out")"; finish; }

printf '# Story sacks\n\nFamilies borrow a sack of books each week.\n\n## What we did\n\nRead [the report](https://example.org/story-sacks).\n' > "$T/piece.md"
pandoc -o "$T/piece.docx" "$T/piece.md" || fail "pandoc could not make the .docx"
md=$T/md
mkdir -p "$md/new" "$md/cur" "$md/tmp"
python3 - "$T/piece.docx" "$md/new/01-word" "$secret" <<'PY'
import sys
from email.message import EmailMessage
from email.utils import make_msgid, formatdate
m = EmailMessage()
m["From"] = "Ann <ann@partner.example>"
m["To"] = f"contribute+{sys.argv[3]}@example.org"
m["Subject"] = "Story sacks"
m["Date"] = formatdate()
m["Message-ID"] = make_msgid(domain="partner.example")
m.set_content("Section: best-start\nType: case study\nSummary: Families borrow books.\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                 filename="Story sacks.docx")
open(sys.argv[2], "wb").write(bytes(m))
PY
"$B" inbox "maildir:$md" > "$T/inbox.out" 2>&1 || fail "inbox exited $?: $(cat "$T/inbox.out")"
piece=$(grep -l "Story sacks" issues/2027-01/*.md 2>/dev/null | grep -v CONTRIBUTING | head -1)
[ -n "$piece" ] && pass "the mailed Word file became a piece ($piece)" || { fail "no piece from the Word file: $(cat "$T/inbox.out")"; finish; }
expect_grep "$piece" "## What we did" "its heading is kept"
expect_grep "$piece" "https://example.org/story-sacks" "its link is kept"
expect_no_grep "$T/inbox.out" "can't read Word files" "no request to paste the text instead"
finish
