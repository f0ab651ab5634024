# Contribution mails survive the inbox being killed mid-run: a mail is
# marked read only once its piece, its answer and its record are on disk
# (the answers wait in outbox/tmp until the batch commits), and a second
# run takes up every mail left, so each ends with its piece once and at
# least one answer. The run is killed (SIGKILL) once the first batch is
# committed and an answer of the second is waiting in outbox/tmp;
# wherever the kill lands, the same things must hold.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/inbox/lib.sh"
contrib_workspace 1000
B=$BULLETIN
python3 "$ROOT/tests/inbox/make_contrib.py" "$T/src" "$secret"
# 300 mails (more than one batch of 256), each its own Message-ID and
# title: pieces, pictures, refusals.
python3 - "$T/src" "$md/new" 300 <<'PY'
import os, re, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
kinds = [open(os.path.join(src, f), "rb").read() for f in sorted(os.listdir(src))
         if not f.startswith(("13", "2"))]
mid = re.compile(rb"^Message-ID: <([^>]*)>", re.M)
subj = re.compile(rb"^Subject: ([^\r\n]*)", re.M)
for i in range(n):
    data = mid.sub(b"Message-ID: <crash%d.\\1>" % i, kinds[i % len(kinds)], count=1)
    data = subj.sub(b"Subject: \\1 no %d" % i, data, count=1)
    open(os.path.join(out, "%03d" % i), "wb").write(data)
PY
total=$(ls "$md/new" | wc -l)

"$B" inbox "maildir:$md" > "$T/run1.out" 2>&1 &
pid=$!
for _ in $(seq 3000); do
  [ -n "$(ls "$md/cur")" ] && [ -d outbox/tmp ] && [ -n "$(ls outbox/tmp)" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
kill -KILL "$pid" 2>/dev/null && echo "killed with $(ls "$md/cur" | wc -l) mails marked, $(ls outbox/tmp 2>/dev/null | wc -l) answers waiting" || echo "the run ended before the kill"
wait "$pid" 2>/dev/null || true
waiting=$(ls outbox/tmp 2>/dev/null | wc -l)

# answered DIR: the Message-IDs the answers in DIR reply to, one a line.
answered() {
  python3 - "$1" <<'PY'
import os, sys
from email.parser import BytesParser
d = sys.argv[1]
for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    m = BytesParser().parsebytes(open(os.path.join(d, f), "rb").read(), headersonly=True)
    print(m["In-Reply-To"])
PY
}
# mids FILES...: the Message-IDs of the mails.
mids() {
  { grep -h -m1 '^Message-ID:' "$@" 2>/dev/null || true; } | sed 's/^Message-ID: //; s/\r$//'
}

[ "$(($(ls "$md/new" | wc -l) + $(ls "$md/cur" | wc -l)))" = "$total" ] \
  && pass "after the kill: every mail still in the mailbox" || fail "mails lost in the kill"
answered outbox/new | sort -u > "$T/answered1"
missing=$(mids "$md"/cur/* | sort -u | comm -23 - "$T/answered1" | wc -l)
[ "$missing" = 0 ] && pass "after the kill: each mail marked read has its answer in outbox/new" \
  || fail "$missing mails marked read without their answer"

"$B" inbox "maildir:$md" > "$T/run2.out" 2>&1 || fail "the second run exited $?: $(cat "$T/run2.out")"
[ -z "$(ls "$md/new")" ] && [ "$(ls "$md/cur" | wc -l)" = "$total" ] \
  && pass "the second run marks every mail read" || fail "$(ls "$md/new" | wc -l) left in new/"
# The killed run's answers stay in tmp/, never delivered (Maildir readers
# ignore tmp/); the second run leaves none of its own there.
[ "$(ls outbox/tmp | wc -l)" = "$waiting" ] && pass "the second run leaves no answer waiting in outbox/tmp" \
  || fail "$(ls outbox/tmp | wc -l) answers in outbox/tmp, $waiting after the kill"
answered outbox/new | sort -u > "$T/answered2"
missing=$(mids "$md"/cur/* | sort -u | comm -23 - "$T/answered2" | wc -l)
[ "$missing" = 0 ] && pass "every mail has its answer" || fail "$missing mails without an answer"
# Each title once: a mail taken up again replaces its piece, never adds
# a second one (which would have the same title under another name).
grep -h '^title: ' issues/2027-01/*.md | sort | uniq -d > "$T/twice"
[ ! -s "$T/twice" ] && pass "each piece once" || fail "pieces twice: $(cat "$T/twice")"
finish
