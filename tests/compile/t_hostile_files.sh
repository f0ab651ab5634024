# Nothing outside an issue's folder reaches public/: contributions and
# pictures must be regular files in the folder (a link, a pipe or a
# folder is refused with a message naming it), pictures are recognised by
# their bytes (PNG, JPEG, GIF, WebP; SVG and anything else refused), and
# what is published is exactly the bytes checked. Good pictures of every
# kind are accepted and the report gives their size in pixels and bytes.
source tests/lib.sh
new_workspace
cd "$T/ws"
MK="python3 $ROOT/tests/compile/make_image.py"
"$BULLETIN" new t1 --title "Test issue" --date 2027-01-10 >/dev/null
I=issues/t1
# The store, as an attacker would like to publish it.
mkdir -p subscribers
printf 'SQLite format 3\0secret-token-abc123' > subscribers/bulletin.db
chmod 600 subscribers/bulletin.db
$MK png 40 30 outside.png

body='People in Luton shared what works. We met in May. It went well.'
# contribution NAME EXTRA-FIELDS [BODY]
contribution() {
  printf -- '---\ntitle: T %s\npartner: P\nsection: best-start\n%s\n---\n%s\n' \
    "$1" "$2" "${3:-$body}" > "$I/$1.md"
}
pic() { printf 'image: %s\nimage_alt: A picture' "$1"; }

# 1. The attack from the issue: a link to the store named like a picture.
ln -s ../../subscribers/bulletin.db $I/link.png
contribution store-link "$(pic link.png)"
# A link to a real picture outside the folder is refused too: it is the
# link that is wrong, whatever it points at.
ln -s ../../outside.png $I/outside-link.png
contribution outside-link "title2: x" "$body

![A picture](outside-link.png)"
# 2. A contribution that is a link to a file elsewhere.
printf -- '---\ntitle: Secret\npartner: P\nsection: best-start\n---\n%s\n' "$body" > secret.md
ln -s ../../secret.md $I/linked.md
# 3. Pipes and folders, as pictures and as contributions.
mkfifo $I/pipe.png
contribution fifo "$(pic pipe.png)"
mkfifo $I/pipe.md
mkdir $I/folder.png
contribution folder "$(pic folder.png)"
# 4. Files that are not what their names say.
printf 'Just some text, not a photo.\n' > $I/photo.jpg
contribution text-photo "$(pic photo.jpg)"
printf '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n' > $I/drawing.svg
contribution svg "$(pic drawing.svg)"
cp $I/drawing.svg $I/drawing-as.png
contribution svg-as-png "$(pic drawing-as.png)"
$MK png 40 30 $I/really-png.jpg
contribution png-as-jpg "$(pic really-png.jpg)"
head -c 20 "$ROOT/issues/2026-12/flying-start.png" > $I/cut.png
contribution cut-png "$(pic cut.png)"
# 5. Names that leave the folder.
contribution up "$(pic ../outside.png)"
contribution absolute "$(pic /etc/passwd)"
contribution subfolder "$(pic folder.png/x.png)"
contribution body-up "title2: x" "$body

![A picture](../outside.png)"

set +e
timeout 20 "$BULLETIN" compile t1 > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 1 ] && pass "exit 1" || fail "exit code $rc, want 1 (124 means it hung on a pipe)"
E="$T/err"
expect_grep $E "$I/link.png: error: this is a link to another file, not a picture: put the picture itself in the issue's folder" "link to the store refused, naming the file"
expect_grep $E "$I/outside-link.png: error: this is a link to another file, not a picture" "link to a picture outside refused"
expect_grep $E "$I/linked.md: error: this is a link to another file, not a piece: put the piece itself in the issue's folder" "linked contribution refused"
expect_no_grep $E "Secret" "the linked contribution was not read"
expect_grep $E "$I/pipe.png: error: this is a pipe, not a picture" "pipe as a picture refused"
expect_grep $E "$I/pipe.md: error: this is a pipe, not a piece" "pipe as a contribution refused"
expect_grep $E "$I/folder.png: error: this is a folder, not a picture" "folder as a picture refused"
expect_grep $E "$I/photo.jpg: error: this is not a PNG, JPEG, GIF or WebP picture" "text named photo.jpg refused"
expect_grep $E "$I/drawing.svg: error: this is an SVG drawing, which can carry a program" "SVG refused"
expect_grep $E "$I/drawing-as.png: error: this is an SVG drawing" "SVG named .png refused"
expect_grep $E "$I/really-png.jpg: error: this is a PNG picture, but its name does not say so: rename it to end in .png" "PNG named .jpg refused"
expect_grep $E "$I/cut.png: error: this is a PNG picture whose header is damaged" "cut-off PNG refused"
expect_grep $E "$I/up.md:5:8: error: image '../outside.png' must be a file in this issue's folder" "../ refused"
expect_grep $E "$I/absolute.md:5:8: error: image '/etc/passwd' must be a file in this issue's folder" "absolute path refused"
expect_grep $E "$I/subfolder.md:5:8: error: image 'folder.png/x.png' must be a file in this issue's folder" "path into a subfolder refused"
expect_grep $E "$I/body-up.md:9:1: error: image '../outside.png' must be a file in this issue's folder" "../ in the text refused"
# Nothing was published, and above all not the store.
[ ! -e public/t1 ] && pass "nothing written to public/" || { fail "public/t1 exists:"; ls -la public/t1 >&2; }
if grep -rqa "secret-token" public issues/t1/build 2>/dev/null; then
  fail "the store's contents were published"
else
  pass "the store's contents are nowhere in the output"
fi

# Even when everything else is right, one link is enough to stop it.
"$BULLETIN" new t3 --title "Test issue" --date 2027-01-10 >/dev/null
ln -s ../../subscribers/bulletin.db issues/t3/link.png
printf -- '---\ntitle: T\npartner: P\nsection: best-start\nimage: link.png\nimage_alt: A picture\n---\n%s\n' "$body" > issues/t3/a.md
set +e
"$BULLETIN" compile t3 >/dev/null 2>"$T/err3"; rc=$?
set -e
[ "$rc" -eq 1 ] && [ ! -e public/t3/link.png ] && pass "a lone link: exit 1, nothing copied" \
  || fail "a lone link: exit $rc, public/t3/link.png $(ls -la public/t3/link.png 2>&1)"
expect_grep "$T/err3" "issues/t3/link.png: error: this is a link to another file, not a picture" "a lone link is named"

# The issue's own details file, linked from elsewhere.
"$BULLETIN" new t4 --title "Test issue" --date 2027-01-10 >/dev/null
mv issues/t4/issue.yaml t4-issue.yaml
ln -s ../../t4-issue.yaml issues/t4/issue.yaml
set +e
"$BULLETIN" compile t4 >/dev/null 2>"$T/err4"; rc=$?
set -e
[ "$rc" -ne 0 ] && pass "linked issue.yaml: compile fails" || fail "linked issue.yaml accepted"
expect_grep "$T/err4" "issues/t4/issue.yaml: this is a link to another file, not the issue's details" "linked issue.yaml named"

# Good pictures of every kind: accepted, published byte for byte at 0644,
# and listed in the report with their sizes.
"$BULLETIN" new t2 --title "Pictures" --date 2027-01-10 >/dev/null
I=issues/t2
$MK png 640 480 $I/a.png
$MK jpeg 800 600 $I/b.jpg
$MK gif 320 200 $I/c.gif
$MK webp 300 200 $I/d.webp
$MK webp-vp8 400 300 $I/e.webp
$MK webp-vp8x 500 400 $I/f.WEBP
$MK png 2400 100 $I/wide.png
n=0
for f in a.png b.jpg c.gif d.webp e.webp f.WEBP wide.png; do
  n=$((n + 1))
  printf -- '---\ntitle: Pic %s\npartner: P\nsection: best-start\nimage: %s\nimage_alt: A picture\n---\n%s\n' \
    "$n" "$f" "$body" > $I/p$n.md
done
set +e
"$BULLETIN" compile t2 > "$T/out2" 2> "$T/err2"; rc=$?
"$BULLETIN" compile t2 --json > "$T/json2" 2>/dev/null
set -e
[ "$rc" -eq 0 ] && pass "good pictures compile" || { fail "good pictures: exit $rc"; cat "$T/err2" >&2; }
expect_grep "$T/err2" "$I/p7.md:5:8: warning: image 'wide.png' is 2400 pixels wide, over 1200" "wide picture warns"
[ "$(grep -c 'pixels wide' "$T/err2")" -eq 1 ] && pass "only the wide picture warns" || fail "wrong width warnings"
R=$I/build/report.txt
sz() { stat -c %s "$I/$1" | python3 -c 'import sys; print(f"{int(sys.stdin.read()):,}")'; }
expect_grep $R "  a.png: PNG, 640 × 480 pixels, $(sz a.png) bytes" "report: PNG size"
expect_grep $R "  b.jpg: JPEG, 800 × 600 pixels, $(sz b.jpg) bytes" "report: JPEG size"
expect_grep $R "  c.gif: GIF, 320 × 200 pixels, $(sz c.gif) bytes" "report: GIF size"
expect_grep $R "  d.webp: WebP, 300 × 200 pixels" "report: lossless WebP size"
expect_grep $R "  e.webp: WebP, 400 × 300 pixels" "report: lossy WebP size"
expect_grep $R "  f.WEBP: WebP, 500 × 400 pixels" "report: extended WebP size"
expect_grep $R "  wide.png: PNG, 2,400 × 100 pixels, $(sz wide.png) bytes (wider than needed)" "report: wide picture marked"
python3 - "$T/json2" "$I" <<'PY' && pass "report --json lists the pictures" || fail "report --json pictures wrong"
import json, os, sys
d = json.load(open(sys.argv[1]))
got = {os.path.basename(i["file"]): (i["type"], i["width"], i["height"], i["bytes"]) for i in d["images"]}
want = {"a.png": ("PNG", 640, 480), "b.jpg": ("JPEG", 800, 600), "c.gif": ("GIF", 320, 200),
        "d.webp": ("WebP", 300, 200), "e.webp": ("WebP", 400, 300), "f.WEBP": ("WebP", 500, 400),
        "wide.png": ("PNG", 2400, 100)}
for k, (t, w, h) in want.items():
    assert got[k] == (t, w, h, os.path.getsize(os.path.join(sys.argv[2], k))), (k, got.get(k))
assert len(got) == len(want), got
PY
# Compiling publishes nothing; publishing copies the checked bytes (the
# stand-in store moves aside: publishing records who did it in the store).
mv subscribers/bulletin.db subscribers/secret.db
[ ! -e public/issues/t2 ] && pass "compile published nothing" || fail "compile wrote public/issues/t2"
"$BULLETIN" publish t2 >"$T/pub2" 2>&1 && pass "t2 published" || { fail "t2 not published:"; cat "$T/pub2" >&2; }
P=public/issues/t2
for f in a.png b.jpg c.gif d.webp e.webp f.WEBP wide.png; do
  if cmp -s $I/$f $P/$f && [ "$(stat -c %a $P/$f)" = 644 ]; then
    pass "published $f, identical, 0644"
  else
    fail "$P/$f missing, different or not 0644"
  fi
done
# What an older version published without these checks (the store under
# a picture's name), and a picture no longer used, leave public/ at the
# next publish; what this one wrote stays.
cp subscribers/secret.db $P/link.png
ln -s ../../../subscribers/secret.db $P/link2.png
rm $I/p1.md
"$BULLETIN" publish t2 >/dev/null 2>&1 && pass "t2 published again" || fail "t2 not published again"
for f in link.png link2.png a.png; do
  [ ! -e $P/$f ] && [ ! -L $P/$f ] && pass "$P/$f removed" || fail "$P/$f still there"
done
[ -s $P/index.html ] && cmp -s $I/b.jpg $P/b.jpg && pass "the page and the pictures in use stay" \
  || fail "publish removed what it wrote"
finish
