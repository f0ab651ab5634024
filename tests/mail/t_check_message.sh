# The message checker finds each kind of fault it claims to: a good message
# passes, and every mutation of it fails naming the file and the fault.
set -euo pipefail
check=tests/mail/check_message.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

good() {
  cat <<'EOF'
Date: Tue, 3 Mar 2026 12:00:00 +0000
From: News <news@example.org>
To: =?UTF-8?Q?Zo=C3=AB?= <ann@example.net>
Subject: Hello
Message-ID: <abc@example.org>
MIME-Version: 1.0
List-Id: News <news.example.org>
List-Unsubscribe: <https://example.org/u/T>, <mailto:u+T@example.org>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Content-Type: multipart/alternative; boundary="=_b"

--=_b
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Hello https://example.org/a https://example.org/u/T
--=_b
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<p><a href=3D"https://example.org/a">a</a> <a href=3D"#x">x</a>
<a href=3D"https://example.org/u/T">Unsubscribe</a></p>
--=_b--
EOF
}

crlf() { sed 's/$/\r/'; }

# expect_fail NAME PATTERN [checker options]: the mutated message in
# $tmp/NAME.eml must fail with PATTERN in a line naming the file.
expect_fail() {
  local name=$1 pattern=$2 out
  shift 2
  if out=$(python3 "$check" "$@" "$tmp/$name.eml" 2>&1); then
    echo "FAIL $name: checker accepted it"; fails=$((fails + 1)); return
  fi
  if ! grep -q "^$tmp/$name.eml: .*$pattern" <<<"$out"; then
    echo "FAIL $name: no '$pattern' in:"; echo "$out"; fails=$((fails + 1))
  fi
}

good | crlf >"$tmp/good.eml"
if ! python3 "$check" --expect-list-unsubscribe --expect-list-id \
     --expect-body-unsubscribe --expect-subject Hello --expect-to-name "Zoë" \
     "$tmp/good.eml"; then
  echo "FAIL good: checker refused a good message"; fails=$((fails + 1))
fi

good | crlf | sed '4s/\r$//' >"$tmp/bare-lf.eml"
expect_fail bare-lf "bare LF"
good | crlf | sed '16s/\r$/\rx\r/' >"$tmp/bare-cr.eml"
expect_fail bare-cr "bare CR"
good | crlf | sed "4s/Hello/Hello $(printf 'word %.0s' {1..20})/" >"$tmp/long-header.eml"
expect_fail long-header "could have been folded"
good | crlf | sed "16s/Hello/$(printf 'x%.0s' {1..1000})/" >"$tmp/long-line.eml"
expect_fail long-line "limit 998"
good | crlf | sed "16s/Hello/$(printf 'x%.0s' {1..80})/" >"$tmp/long-qp.eml"
expect_fail long-qp "quoted-printable line 1 is .* (limit 76)"
good | crlf | sed '16s/\r$/ \r/' >"$tmp/qp-trailing.eml"
expect_fail qp-trailing "ends in whitespace"
good | crlf | sed '4p' >"$tmp/two-subjects.eml"
expect_fail two-subjects "2 Subject fields"
good | crlf | sed '1d' >"$tmp/no-date.eml"
expect_fail no-date "0 Date fields"
good | crlf | sed '1s/+0000/GMT/' >"$tmp/date-gmt.eml"
expect_fail date-gmt "no numeric zone"
good | crlf | sed '1i Return-Path: <b@example.org>\r' >"$tmp/return-path.eml"
expect_fail return-path "Return-Path in the message"
good | crlf | sed '5s/.*/Message-ID: no-brackets\r/' >"$tmp/message-id.eml"
expect_fail message-id "Message-ID"
good | crlf | sed 's/text\/plain/text\/PLAIN-X/;s/text\/html/text\/plain/;s/text\/PLAIN-X/text\/html/' >"$tmp/order.eml"
expect_fail order "first alternative is text/html"
good | crlf | sed 's/charset=UTF-8/charset=iso-8859-1/' >"$tmp/charset.eml"
expect_fail charset "charset is 'iso-8859-1'"
good | crlf | sed '0,/quoted-printable/s/quoted-printable/8bit/' >"$tmp/cte.eml"
expect_fail cte "Content-Transfer-Encoding 8bit"
good | crlf | sed 's/Hello https:\/\/example.org\/a /Hello /' >"$tmp/link.eml"
expect_fail link "link https://example.org/a is in the HTML part but not in the text"
good | crlf | sed '/^List-Unsubscribe-Post/d' >"$tmp/no-post.eml"
expect_fail no-post "0 List-Unsubscribe-Post" --expect-list-unsubscribe
good | crlf | sed 's/=One-Click/=one-click/' >"$tmp/bad-post.eml"
expect_fail bad-post "must be 'List-Unsubscribe=One-Click'"
good | crlf | sed 's/^List-Unsubscribe: .*/List-Unsubscribe: https:\/\/example.org\/u\/T\r/' >"$tmp/bad-unsub.eml"
expect_fail bad-unsub "is not a list of <URI>"
good | crlf | sed 's/<https:\/\/example.org\/u\/T>, //' >"$tmp/no-https.eml"
expect_fail no-https "needs exactly one https"
good | crlf | sed '/^List-Id/d' >"$tmp/no-list-id.eml"
expect_fail no-list-id "0 List-Id" --expect-list-id
good | crlf | sed '16s/Hello/Hello --=_b inside/' >"$tmp/boundary.eml"
expect_fail boundary "boundary '=_b' occurs"
good | crlf | sed "4s/.*/Subject: =?UTF-8?Q?$(printf 'x%.0s' {1..70})?=\r/" >"$tmp/long-word.eml"
expect_fail long-word "encoded-word of 82 characters"
good | crlf | sed '4s/.*/Subject: =?UTF-8?B?w6k=?= =?UTF-8?B?w6?= =?UTF-8?B?qQ==?=\r/' >"$tmp/split-char.eml"
expect_fail split-char "whole UTF-8 characters"
good | crlf | sed '4s/.*/Subject: =?UTF-8?Q?a=0Db?=\r/' >"$tmp/control.eml"
expect_fail control "decodes to a control character"
good | crlf >"$tmp/subject.eml"
expect_fail subject "Subject decodes to 'Hello', expected 'Bye'" --expect-subject Bye
good | crlf >"$tmp/to-name.eml"
expect_fail to-name "To name decodes to 'Zoë', expected 'Zoe'" --expect-to-name Zoe
good | crlf | sed 's/Unsubscribe<\/a>/Unsubscribe<\/a><img src=3D"cid:nope@x" alt=3D"">/' >"$tmp/cid.eml"
expect_fail cid "cid:nope@x in the HTML resolves to no part"
good | crlf | sed 's/ https:\/\/example.org\/u\/T\r$/\r/' >"$tmp/no-body-unsub.eml"
expect_fail no-body-unsub "text/plain part has no visible unsubscribe link" --expect-body-unsubscribe

# Delivered mail: trace fields at the top are accepted with --delivered.
{ printf 'Return-Path: <b@example.org>\r\nDelivered-To: ann@example.net\r\n'
  printf 'Received: from x\r\n\tby y; Tue, 3 Mar 2026 12:00:00 +0000\r\n'
  good | crlf; } >"$tmp/delivered.eml"
python3 "$check" --delivered "$tmp/delivered.eml" >/dev/null 2>&1 \
  || { echo "FAIL delivered: refused with --delivered"; fails=$((fails + 1)); }
expect_fail delivered "Return-Path in the message"

# A Maildir: new/ and cur/ both read; the same Message-ID twice is caught;
# an empty Maildir is a failure, not a pass.
mkdir -p "$tmp/md/new" "$tmp/md/cur" "$tmp/md/tmp" "$tmp/empty/new"
cp "$tmp/good.eml" "$tmp/md/new/1"
cp "$tmp/good.eml" "$tmp/md/cur/2:2,S"
out=$(python3 "$check" "$tmp/md" 2>&1) && { echo "FAIL maildir: duplicate Message-ID accepted"; fails=$((fails + 1)); }
grep -q "^$tmp/md/new/1: Message-ID <abc@example.org> also in $tmp/md/cur/2:2,S" <<<"$out" \
  || grep -q "^$tmp/md/cur/2:2,S: Message-ID <abc@example.org> also in $tmp/md/new/1" <<<"$out" \
  || { echo "FAIL maildir: $out"; fails=$((fails + 1)); }
python3 "$check" "$tmp/empty" >/dev/null 2>&1 \
  && { echo "FAIL empty: an empty Maildir passed"; fails=$((fails + 1)); }

echo "check_message self-test: $fails failures"
[ "$fails" -eq 0 ]
