#!/usr/bin/python3
"""A scriptable SMTP server for tests (python3-aiosmtpd).

Listens on 127.0.0.1, stores every accepted message byte for byte in a
Maildir, and writes a JSON line per event to a log. What it answers is
scripted by the recipient's local part (glob patterns, case-insensitive):

  fail451-*   451 4.3.0 to RCPT for the first --fail-times tries of each
              address, then accepted
  full-*      452 4.2.2 mailbox full (RCPT)
  bad-*       550 5.1.1 no such user (RCPT)
  policy-*    550 5.7.1 refused by policy (RCPT)
  close-*     421 4.4.2 to RCPT, then the connection is closed
  drop-*      the connection is closed in the middle of DATA (after 354
              and one line of the message), with no reply
  slow-*      the reply to the end of DATA waits --slow-delay seconds
  anything    accepted (250)

--reply 'GLOB=STAGE:CODE TEXT' adds a rule (STAGE rcpt or data), checked
before the built-in ones.

--stall-after N makes the whole server stall once, after it has accepted
N messages, for --stall-for seconds (default 5), as a machine under a
sudden CPU spike or a restarting relay would; then it answers normally.
--stall-mode says how: "refuse" (default) answers new connections with
"421 4.3.2" and closes them, and closes open ones with 421 at their next
MAIL FROM; "hang" answers nothing until the stall is over (greetings and
commands wait, then get their normal replies). The chosen port (--port 0 picks a free one) is
printed on stdout as "PORT N" and written to --port-file. SIGTERM stops it.

  smtpd.py --maildir DIR [--log FILE] [--port 0] [--port-file FILE]
           [--tls-cert CRT --tls-key KEY (--starttls | --implicit-tls)]
           [--require-starttls] [--auth USER:PASS] [--fail-times N]
           [--slow-delay SECONDS] [--no-store] [--reply RULE]...
           [--stall-after N [--stall-for SECONDS] [--stall-mode refuse|hang]]
"""

import argparse
import asyncio
import fnmatch
import hashlib
import itertools
import json
import logging
import os
import re
import signal
import socket
import ssl
import sys
import time

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.exit("smtpd.py: python3-aiosmtpd is missing: apt-get install "
             "python3-aiosmtpd (scripts/deps test)")

BUILTIN = [
    ("bad-*", "rcpt", "550 5.1.1 No such user here"),
    ("policy-*", "rcpt", "550 5.7.1 Refused by local policy"),
    ("full-*", "rcpt", "452 4.2.2 Mailbox full"),
]


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None

    def write(self, **event):
        if self.f:
            event["t"] = round(time.time(), 6)
            self.f.write(json.dumps(event, sort_keys=True) + "\n")


class Maildir:
    def __init__(self, path):
        self.path = path
        self.seq = itertools.count()
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)

    def store(self, data):
        name = "%d.M%dP%dQ%d.%s" % (time.time(), time.time_ns() % 10**6,
                                    os.getpid(), next(self.seq),
                                    socket.gethostname())
        tmp = os.path.join(self.path, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.path, "new", name))
        return name


def local_part(address):
    return address.rpartition("@")[0].lower()


class Handler:
    def __init__(self, args, log, maildir):
        self.args = args
        self.log = log
        self.maildir = maildir
        self.tries = {}
        self.rules = [parse_rule(r) for r in args.reply] + BUILTIN
        self.accepted = 0
        self.stall_until = 0.0

    def stall_left(self):
        """Seconds of the stall still to come (0: not stalling)."""
        return max(0.0, self.stall_until - time.time())

    def rule(self, address, stage):
        for glob, st, reply in self.rules:
            if st == stage and fnmatch.fnmatchcase(local_part(address), glob):
                return reply
        return None

    async def handle_MAIL(self, server, session, envelope, address, options):
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        self.log.write(event="mail", conn=session.conn_id, sender=address)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        local = local_part(address)
        reply = self.rule(address, "rcpt")
        if reply is None and fnmatch.fnmatchcase(local, "fail451-*"):
            n = self.tries[address] = self.tries.get(address, 0) + 1
            if n <= self.args.fail_times:
                reply = "451 4.3.0 Try again later"
        if reply is None and fnmatch.fnmatchcase(local, "close-*"):
            reply = "421 4.4.2 Closing connection"
            session.close_after_reply = True
        if reply is None:
            envelope.rcpt_tos.append(address)
            reply = "250 2.1.5 OK"
        self.log.write(event="rcpt", conn=session.conn_id, rcpt=address,
                       code=int(reply[:3]), reply=reply)
        return reply

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or b""
        rcpts = list(envelope.rcpt_tos)
        reply = None
        for r in rcpts:
            reply = reply or self.rule(r, "data")
        if any(fnmatch.fnmatchcase(local_part(r), "slow-*") for r in rcpts):
            await asyncio.sleep(self.args.slow_delay)
        event = dict(event="data", conn=session.conn_id,
                     sender=envelope.mail_from, rcpts=rcpts, size=len(data),
                     sha256=hashlib.sha256(data).hexdigest())
        head = data.split(b"\r\n\r\n", 1)[0]
        mid = re.search(rb"(?im)^message-id:\s*(\S+)", head)
        if mid:
            event["message_id"] = mid.group(1).decode("ascii", "replace")
        if reply is None:
            reply = "250 2.0.0 OK queued"
            if self.maildir:
                event["file"] = self.maildir.store(data)
        event.update(code=int(reply[:3]), reply=reply)
        self.log.write(**event)
        if reply.startswith("250"):
            self.accepted += 1
            if self.accepted == self.args.stall_after:
                self.stall_until = time.time() + self.args.stall_for
                self.log.write(event="stall", seconds=self.args.stall_for,
                               mode=self.args.stall_mode)
        return reply


def parse_rule(text):
    m = re.fullmatch(r"([^=]+)=(rcpt|data):([245]\d\d [^\r\n]*)", text)
    if not m:
        sys.exit(f"smtpd.py: bad --reply '{text}': want "
                 f"GLOB=rcpt|data:CODE TEXT")
    return m.group(1).lower(), m.group(2), m.group(3)


class ScriptedSMTP(SMTP):
    """Adds what aiosmtpd's handler hooks cannot do: closing after a reply
    and dropping the connection in the middle of DATA."""

    ids = itertools.count(1)

    def __init__(self, handler, log, **kw):
        super().__init__(handler, **kw)
        self.log = log
        self.conn_id = next(self.ids)

    def connection_made(self, transport):
        super().connection_made(transport)
        self.session.conn_id = self.conn_id
        self.session.close_after_reply = False
        tls = transport.get_extra_info("sslcontext") is not None
        self.log.write(event="connect", conn=self.conn_id, tls=tls)

    def connection_lost(self, exc):
        self.log.write(event="close", conn=self.conn_id)
        super().connection_lost(exc)

    async def stall(self, where):
        """During a stall: True after refusing (the connection is closed),
        False once any wait is over and the normal reply may go."""
        left = self.event_handler.stall_left()
        if not left:
            return False
        if self.event_handler.args.stall_mode == "hang":
            self.log.write(event="stalled", conn=self.conn_id, at=where,
                           seconds=round(left, 3))
            await asyncio.sleep(left)
            return False
        self.log.write(event="refused", conn=self.conn_id, at=where)
        await self.push("421 4.3.2 Service not available, try again later")
        self.transport.close()
        return True

    async def _handle_client(self):
        if await self.stall("greeting"):
            return
        await super()._handle_client()

    async def smtp_MAIL(self, arg):
        if await self.stall("mail"):
            return
        await super().smtp_MAIL(arg)

    async def smtp_STARTTLS(self, arg):
        await super().smtp_STARTTLS(arg)
        self.log.write(event="starttls", conn=self.conn_id)

    async def smtp_RCPT(self, arg):
        await super().smtp_RCPT(arg)
        if self.session.close_after_reply and self.transport:
            self.log.write(event="drop", conn=self.conn_id, stage="rcpt")
            self.transport.close()

    async def smtp_DATA(self, arg):
        rcpts = self.envelope.rcpt_tos
        if rcpts and any(fnmatch.fnmatchcase(local_part(r), "drop-*")
                         for r in rcpts):
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            try:
                await asyncio.wait_for(self._reader.readuntil(b"\r\n"), 10)
            except Exception:
                pass
            self.log.write(event="drop", conn=self.conn_id, stage="data",
                           rcpts=list(rcpts))
            self.transport.abort()
            # Wait to be cancelled by connection_lost, rather than read
            # what is left of the message as commands.
            await asyncio.sleep(60)
            return
        await super().smtp_DATA(arg)


def tls_context(args):
    if not (args.tls_cert and args.tls_key):
        sys.exit("smtpd.py: --starttls and --implicit-tls need --tls-cert "
                 "and --tls-key")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    return ctx


def make_authenticator(args, log):
    user, _, password = args.auth.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # The login is logged, never the password.
        log.write(event="auth", conn=session.conn_id, mechanism=mechanism,
                  login=auth_data.login.decode(errors="replace")
                  if isinstance(auth_data, LoginPassword) else None, ok=ok)
        # handled=False: aiosmtpd then sends the 535 itself.
        return AuthResult(success=ok, handled=False)
    return authenticate


async def serve(args):
    log = Log(args.log)
    maildir = None if args.no_store else Maildir(args.maildir)
    handler = Handler(args, log, maildir)
    kw = dict(hostname="smtpd.test", ident="smtpd.py test server")
    ctx = tls_context(args) if args.starttls or args.implicit_tls else None
    if args.starttls:
        kw.update(tls_context=ctx, require_starttls=args.require_starttls)
    if args.auth:
        kw.update(authenticator=make_authenticator(args, log),
                  auth_require_tls=bool(ctx), auth_required=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: ScriptedSMTP(handler, log, **kw), host=args.host,
        port=args.port, ssl=ctx if args.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(args.port_file + ".tmp", args.port_file)
    log.write(event="listen", port=port)
    print(f"PORT {port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    log.write(event="stop")


def main():
    # aiosmtpd 1.4 logs a warning about its own use of Session.login_data.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    ap = argparse.ArgumentParser(
        description="Scriptable SMTP test server (see the module doc).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--maildir", help="where accepted messages go")
    ap.add_argument("--no-store", action="store_true",
                    help="accept but keep nothing (load tests)")
    ap.add_argument("--log", help="JSON-lines log of every transaction")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--require-starttls", action="store_true")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--auth", metavar="USER:PASS",
                    help="require AUTH (inside TLS when TLS is on)")
    ap.add_argument("--fail-times", type=int, default=1)
    ap.add_argument("--slow-delay", type=float, default=5.0)
    ap.add_argument("--reply", action="append", default=[],
                    metavar="GLOB=STAGE:CODE TEXT")
    ap.add_argument("--stall-after", type=int, default=-1, metavar="N",
                    help="stall once after accepting N messages")
    ap.add_argument("--stall-for", type=float, default=5.0,
                    metavar="SECONDS")
    ap.add_argument("--stall-mode", choices=("refuse", "hang"),
                    default="refuse")
    args = ap.parse_args()
    if not args.maildir and not args.no_store:
        ap.error("--maildir DIR or --no-store is needed")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        ap.error("tests listen on loopback only")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
