#!/usr/bin/env python3
"""make_messages.py OUTDIR OUTBOX NAME=TOKEN...: writes the inbox tests'
sample messages into OUTDIR, one file each, named for what they are.
Subscribers are NAME@example.com; tokens are theirs from the store; OUTBOX
is the Maildir the issue was sent into, where each subscriber's message
gives the Message-ID bulletin made for them. The newsletter's addresses
are bounces+TOKEN@example.org and unsubscribe+TOKEN@example.org (the
project's bulletin.yaml).

Bounces and complaints count only when tied to a message sent (by the
token, or by that Message-ID); the forged-* messages are not, and must
change nobody."""
import email
import os
import sys

out, outbox = sys.argv[1], sys.argv[2]
tok = dict(a.split("=", 1) for a in sys.argv[3:])
os.makedirs(out, exist_ok=True)
mid = {}
for sub in ("new", "cur"):
    for f in os.listdir(os.path.join(outbox, sub)):
        with open(os.path.join(outbox, sub, f), "rb") as fh:
            m = email.message_from_binary_file(fh)
        name = m["To"].strip("<>").split("@")[0]
        mid[name] = m["Message-ID"]


def returned(to, name, return_path="token"):
    """The returned message's header: its Return-Path holds the token, or
    was rewritten by a relay (SRS), or is missing; its Message-ID is the
    one bulletin sent NAME, or a made-up one for nobody."""
    rp = {"token": f"Return-Path: <bounces+{tok.get(name, 'x')}@example.org>\n",
          "rewritten": "Return-Path: <SRS0=x1=Q2=example.org=bounces@relay.example>\n",
          None: ""}[return_path]
    return (f"{rp}From: News <het-news@example.org>\nTo: {to}\n"
            f"Subject: Luton news\n"
            f"Message-ID: {mid.get(name, f'<issue.{name}@example.org>')}\n")


def dsn(key, to_token, rcpt, action, status, diag, original=None):
    deliv = (f"Delivered-To: bounces+{tok[to_token]}@example.org\n"
             if to_token else "Delivered-To: bounces@example.org\n")
    return f"""{deliv}Return-Path: <>
Received: from mx.example.net (mx.example.net [192.0.2.25])
\tby inbox.example.org (Postfix) with ESMTP id 1A2B3C
\tfor <bounces@example.org>; Fri, 27 Nov 2026 10:00:00 +0000
Received: by mx.example.net (Postfix) id 9Z8Y7X; Fri, 27 Nov 2026 10:00:00 +0000
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: bounces@example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <{key}@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="b-{key}"

--b-{key}
Content-Type: text/plain

This is the mail system at host mx.example.net.

<{rcpt}>: {diag}

--b-{key}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; {rcpt}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diag}

--b-{key}
Content-Type: text/rfc822-headers

{original or returned(rcpt, rcpt.split('@')[0])}
--b-{key}--
"""


msgs = {
    # A hard bounce, attributed by the token in Delivered-To.
    "01-hard-ann": dsn("hard1", "ann", "ann@example.com", "failed", "5.1.1",
                       "550 5.1.1 <ann@example.com>: user unknown"),
    # Three soft bounces (mailbox full) to the plain bounces@ address: a
    # relay rewrote the return path, but the returned header keeps the
    # Message-ID bulletin sent bob.
    **{f"0{k + 2}-soft-bob-{k + 1}": dsn(
        f"soft{k + 1}", None, "bob@example.com", "failed", "4.2.2",
        "452 4.2.2 mailbox full", returned("bob@example.com", "bob", "rewritten"))
       for k in range(3)},
    # A policy failure: about the sender, nobody changes.
    "05-policy-frank": dsn("policy1", "frank", "frank@example.com", "failed",
                           "5.7.1", "554 5.7.1 blocked as spam"),
    # A bounce for someone who is not a subscriber.
    "06-hard-stranger": dsn("stranger1", None, "stranger@example.net",
                            "failed", "5.1.1", "550 5.1.1 unknown"),
    "07-complaint-carol": f"""From: feedback@isp.example
To: fbl@example.org
Subject: Abuse report
Message-ID: <arf1@isp.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

A reader marked your message as spam.
--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: isp-fbl/1.0
Version: 1
Original-Rcpt-To: carol@example.com
Reporting-MTA: dns; fbl.isp.example

--arf
Content-Type: message/rfc822

{returned("redacted@isp.example", "carol", None)}
News.
--arf--
""",
    "08-unsubscribe-dave": f"""Delivered-To: unsubscribe+{tok['dave']}@example.org
From: Dave <dave@example.com>
To: unsubscribe+{tok['dave']}@example.org
Subject: unsubscribe
Message-ID: <unsub1@example.com>

""",
    "09-autoreply-erin": f"""Delivered-To: bounces+{tok['erin']}@example.org
From: Erin <erin@example.com>
To: bounces+{tok['erin']}@example.org
Subject: Out of office: Luton news
Auto-Submitted: auto-replied
Message-ID: <ooo1@example.com>

I am away until Monday.
""",
    # Exim's plain text, naming the recipient; the token is only in the
    # returned message's Return-Path.
    "10-exim-gina": f"""From: Mail Delivery System <Mailer-Daemon@mx.example.net>
To: bounces@example.org
Subject: Mail delivery failed: returning message to sender
Message-ID: <exim1@mx.example.net>

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gina@example.com
    SMTP error from remote mail server after RCPT TO:<gina@example.com>:
    host mx.example.com [192.0.2.7]: 550 5.1.1 No such user here

------ This is a copy of the message, including all the headers. ------

{returned("gina@example.com", "gina")}
News.
""",
    # A failure naming no recipient: the returned message's To tells.
    "11-vague-hank": f"""From: postmaster@old.example.com
To: bounces@example.org
Subject: Undeliverable mail
Message-ID: <vague1@old.example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="v"

--v
Content-Type: text/plain

The following message could not be delivered.
Reason: exceeded maximum delivery attempts.
--v
Content-Type: message/rfc822

{returned("Hank <hank@example.com>", "hank", "rewritten")}
News.
--v--
""",
    "12-other-reply": """From: Ivy <ivy@example.com>
To: bounces@example.org
Subject: Re: Luton news
Message-ID: <reply1@example.com>

Thanks, great issue!
""",
    "13-garbage": "\x00\x01\xff garbage \x80\n\n\x00",
    # Forgeries: anyone can write a report naming tom; none of these is
    # tied to the message bulletin sent him.
    # A DSN to the plain bounces@ address naming him.
    "14-forged-plain-tom": dsn("forged1", None, "tom@example.com", "failed",
                               "5.1.1", "550 5.1.1 user unknown",
                               returned("tom@example.com", "nobody", None)),
    # A DSN to mal's own bounces+TOKEN@ address naming tom.
    "15-forged-cross-tom": dsn("forged2", "mal", "tom@example.com", "failed",
                               "5.1.1", "550 5.1.1 user unknown",
                               returned("tom@example.com", "mal")),
    # A DSN naming tom that quotes the Message-ID of mal's own copy.
    "16-forged-mid-tom": dsn("forged3", None, "tom@example.com", "failed",
                             "5.1.1", "550 5.1.1 user unknown",
                             returned("tom@example.com", "mal", None)),
    # A feedback report with no token naming tom.
    "17-forged-arf-tom": f"""From: feedback@isp.example
To: fbl@example.org
Subject: Abuse report
Message-ID: <forged4@isp.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

A reader marked your message as spam.
--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
Version: 1
Original-Rcpt-To: tom@example.com

--arf
Content-Type: message/rfc822

{returned("tom@example.com", "nobody", None)}
News.
--arf--
""",
    # A plain-text failure notice naming him.
    "18-forged-text-tom": """From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: bounces@example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <forged5@mx.example.net>

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<tom@example.com>: 550 <tom@example.com> User unknown
""",
}

for name, text in msgs.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(text.encode("utf-8", "surrogateescape"))
