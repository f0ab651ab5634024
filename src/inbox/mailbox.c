/*
 * Mailboxes through libetpan's session drivers (maildir, imap, pop3).
 * The network connection is made here rather than by libetpan's storage
 * layer, which logs in as soon as it connects: the certificate has to be
 * checked (libetpan does not) before the password leaves the machine.
 */
#include "mailbox.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "banned.h"

enum { KIND_MAILDIR, KIND_IMAP, KIND_POP3 };

/* A parsed imap://, imaps://, pop3:// or pop3s:// source. */
struct url {
	int kind, tls;
	char *user, *host, *port, *folder;
};

static void url_release(struct url *u)
{
	free(u->user);
	free(u->host);
	free(u->port);
	free(u->folder);
}

/*
 * s[0..n) with %XX decoded; NULL on a bad escape or when that would make
 * a NUL or a line break (which would reach the IMAP or POP3 command).
 */
static char *unescape(const char *s, size_t n)
{
	struct buf out = BUF_INIT;

	if (buf_add_unpercent(&out, s, n, 0) < 0 ||
	    (out.len && (memchr(out.data, '\r', out.len) ||
	                 memchr(out.data, '\n', out.len)))) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/*
 * The source as it may be shown: a password written into it (which is
 * refused) becomes "***".
 */
static char *redact(const char *source)
{
	const char *scheme = strstr(source, "://"), *at, *colon;
	struct buf b = BUF_INIT;

	if (!scheme)
		return xstrdup(source);
	at = strchr(scheme + 3, '@');
	colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	if (!colon || strchr(scheme + 3, '/') < at)
		return xstrdup(source);
	buf_add(&b, source, (size_t)(colon - source));
	buf_adds(&b, ":***");
	buf_adds(&b, at);
	return buf_detach(&b);
}

/* Where the address after the scheme begins, the scheme's kind and default
 * port set in u; NULL for a scheme that is not a mailbox's. */
static const char *parse_scheme(struct url *u, const char *source)
{
	static const struct {
		const char *scheme;
		int kind, tls;
		const char *port;
	} schemes[] = {
	        {"imap://", KIND_IMAP, 0, "143"},
	        {"imaps://", KIND_IMAP, 1, "993"},
	        {"pop3://", KIND_POP3, 0, "110"},
	        {"pop3s://", KIND_POP3, 1, "995"},
	};
	const char *p = NULL;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		size_t n = strlen(schemes[i].scheme);

		if (!strncasecmp(source, schemes[i].scheme, n)) {
			p = source + n;
			u->kind = schemes[i].kind;
			u->tls = schemes[i].tls;
			u->port = xstrdup(schemes[i].port);
		}
	}
	return p;
}

/* The user name in p[0..at); a password beside it is refused, so that it
 * never sits in a settings file. */
static int parse_user(struct url *u, const char *source, const char *p,
                      const char *at, struct err *err)
{
	if (memchr(p, ':', (size_t)(at - p)))
		return err_set(err,
		               "%s: no password in the address, please: set "
		               "BULLETIN_INBOX_PASSWORD instead",
		               source);
	u->user = unescape(p, (size_t)(at - p));
	if (!u->user)
		return err_set(
		        err,
		        "%s: the user name has a bad %%XX escape or a "
		        "line break: write '@' in it as %%40 and '%%' as "
		        "%%25",
		        source);
	return 0;
}

/* The host in p[0..end), an IPv6 address in brackets, and a port after a
 * colon. */
static int parse_host(struct url *u, const char *source, const char *p,
                      const char *end, struct err *err)
{
	const char *colon;

	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close)
			return err_set(err, "%s: unclosed '[' in the host",
			               source);
		u->host = xstrndup(p + 1, (size_t)(close - p - 1));
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		u->host = xstrndup(p, (size_t)((colon ? colon : end) - p));
	}
	if (colon) {
		free(u->port);
		u->port = xstrndup(colon + 1, (size_t)(end - colon - 1));
		if (!*u->port ||
		    strspn(u->port, "0123456789") != strlen(u->port))
			return err_set(err, "%s: bad port '%s'", source,
			               u->port);
	}
	return 0;
}

/* The folder after the slash, INBOX when none is written. */
static int parse_folder(struct url *u, const char *source, const char *slash,
                        struct err *err)
{
	if (!slash || !slash[1]) {
		u->folder = xstrdup("INBOX");
		return 0;
	}
	if (u->kind == KIND_POP3)
		return err_set(err, "%s: POP3 has no folders: leave out '%s'",
		               source, slash);
	u->folder = unescape(slash + 1, strlen(slash + 1));
	if (!u->folder)
		return err_set(err,
		               "%s: the folder name has a bad %%XX "
		               "escape or a line break: write '%%' in it "
		               "as %%25",
		               source);
	return 0;
}

static int parse_url(struct url *u, const char *source, struct err *err)
{
	const char *p, *at, *slash, *end;

	memset(u, 0, sizeof(*u));
	p = parse_scheme(u, source);
	if (!p)
		return err_set(
		        err,
		        "%s: unknown mailbox: write maildir:DIR, "
		        "imap[s]://USER@HOST/MAILBOX or pop3[s]://USER@HOST",
		        source);
	slash = strchr(p, '/');
	end = slash ? slash : p + strlen(p);
	at = memrchr(p, '@', (size_t)(end - p));
	if (!at || at == p)
		return err_set(err, "%s: no user name: write %.*sUSER@HOST...",
		               source, (int)(p - source), source);
	if (parse_user(u, source, p, at, err) < 0 ||
	    parse_host(u, source, at + 1, end, err) < 0)
		return -1;
	if (!*u->host || !u->user)
		return err_set(err, "%s: no host, or a bad user name", source);
	return parse_folder(u, source, slash, err);
}

/* A TCP connection, waiting at most timeout seconds. */
static int tcp_connect(const struct url *u, int timeout, struct err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int fd = -1, rc, saved = 0;

	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc)
		return err_set(err, "%s: cannot resolve: %s", u->host,
		               gai_strerror(rc));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t len = sizeof(saved);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		fcntl(fd, F_SETFL, O_NONBLOCK);
		rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (rc < 0 && errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			rc = poll(&pfd, 1, timeout * 1000);
			if (rc == 0) {
				saved = ETIMEDOUT;
				rc = -1;
			} else if (rc > 0 &&
			           (getsockopt(fd, SOL_SOCKET, SO_ERROR, &saved,
			                       &len) < 0 ||
			            saved)) {
				rc = -1;
			} else if (rc > 0) {
				rc = 0;
			} else {
				saved = errno;
			}
		} else if (rc < 0) {
			saved = errno;
		}
		if (rc < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno = saved;
		return err_errno(err, "%s port %s: cannot connect", u->host,
		                 u->port);
	}
	fcntl(fd, F_SETFL, 0);
	return fd;
}

/* Whether the peer of fd is this machine (127/8, ::1, ::ffff:127/104). */
static int peer_is_loopback(int fd)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		        (const struct sockaddr_in6 *)&ss;
		const uint8_t *a = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && a[12] == 127;
	}
	return 0;
}

static int is_ip_literal(const char *host)
{
	return strspn(host, "0123456789.") == strlen(host) || strchr(host, ':');
}

static void tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;

	/* Server Name Indication is for names, not addresses. */
	if (!is_ip_literal(host))
		mailstream_ssl_set_server_name(ctx, (char *)host);
}

/* The authorities trusted: those in ca_file, else the system's. */
static int load_trust(gnutls_x509_trust_list_t *trust, const char *host,
                      const char *ca_file, struct err *err)
{
	int own = ca_file && *ca_file, rc;

	if (gnutls_x509_trust_list_init(trust, 0) < 0)
		return err_set(err, "%s: cannot set up certificate checks",
		               host);
	if (own)
		rc = gnutls_x509_trust_list_add_trust_file(
		        *trust, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
	else
		rc = gnutls_x509_trust_list_add_system_trust(*trust, 0, 0);
	if (rc <= 0)
		return err_set(err, "%s: no trusted certificates%s%s%s", host,
		               own ? " in " : "",
		               own ? ca_file : " in the system store",
		               own ? "" : ": give a CA file with --ca-file");
	return 0;
}

/* The first max certificates of the chain that read, in order; how many. */
static unsigned import_chain(carray *chain, gnutls_x509_crt_t *crts,
                             unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < carray_count(chain) && n < max; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = {(unsigned char *)der->str,
		                    (unsigned)der->len};

		if (gnutls_x509_crt_init(&crts[n]) < 0)
			break;
		if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) <
		    0) {
			gnutls_x509_crt_deinit(crts[n]);
			break;
		}
		n++;
	}
	return n;
}

/* Why the chain failed in GnuTLS's words, with what the reader can do. */
static int untrusted(const char *host, int rc, unsigned status, struct err *err)
{
	gnutls_datum_t why = {NULL, 0};
	const char *hint = "";
	size_t len;

	if (rc >= 0)
		gnutls_certificate_verification_status_print(
		        status, GNUTLS_CRT_X509, &why, 0);
	len = why.data ? strlen((const char *)why.data) : 0;
	while (len && (why.data[len - 1] == ' ' || why.data[len - 1] == '.'))
		why.data[--len] = '\0';
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		hint = ": connect by the name the certificate is for";
	else if (status &
	         (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		hint = ": if your own authority signed it, give its "
		       "certificate with --ca-file";
	err_set(err,
	        "%s: the server's certificate is not trusted (%s); "
	        "nothing was sent%s",
	        host, len ? (const char *)why.data : "unreadable", hint);
	gnutls_free(why.data);
	return -1;
}

/*
 * Checks the chain a TLS server sent: signed by a trusted authority,
 * valid now, for a TLS server, and naming host.
 */
static int verify_chain(mailstream *s, const char *host, const char *ca_file,
                        struct err *err)
{
	carray *chain = mailstream_get_certificate_chain(s);
	gnutls_x509_trust_list_t trust = NULL;
	gnutls_x509_crt_t crts[16];
	unsigned n = 0, status = 0;
	gnutls_typed_vdata_st check[2] = {
	        {GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)host, 0},
	        {GNUTLS_DT_KEY_PURPOSE_OID,
	         (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0},
	};
	int ret = -1, rc;

	if (!chain || !carray_count(chain)) {
		err_set(err, "%s: the server sent no certificate", host);
		goto out;
	}
	if (load_trust(&trust, host, ca_file, err) < 0)
		goto out;
	n = import_chain(chain, crts, 16);
	rc = n ? gnutls_x509_trust_list_verify_crt2(trust, crts, n, check, 2, 0,
	                                            &status, NULL)
	       : -1;
	if (rc < 0 || status) {
		untrusted(host, rc, status, err);
		goto out;
	}
	ret = 0;
out:
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (trust)
		gnutls_x509_trust_list_deinit(trust, 1);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return ret;
}

static const char *mail_error(int r)
{
	switch (r) {
	case MAIL_ERROR_CONNECT:
		return "cannot connect";
	case MAIL_ERROR_STREAM:
		return "the connection broke";
	case MAIL_ERROR_LOGIN:
		return "login refused: check the user name and "
		       "BULLETIN_INBOX_PASSWORD";
	case MAIL_ERROR_NO_TLS:
		return "the server offers no TLS";
	case MAIL_ERROR_BAD_STATE:
		return "unexpected server state";
	case MAIL_ERROR_FOLDER_NOT_FOUND:
	case MAIL_ERROR_FOLDER:
		return "no such mailbox";
	case MAIL_ERROR_FETCH:
		return "cannot fetch the message";
	case MAIL_ERROR_FILE:
		return "cannot read the file";
	case MAIL_ERROR_MEMORY:
		return "out of memory";
	default:
		return "mail error";
	}
}

static mailstream *session_stream(struct mailbox *mb)
{
	if (mb->kind == KIND_IMAP) {
		struct imap_session_state_data *d = mb->session->sess_data;

		return d && d->imap_session ? d->imap_session->imap_stream
		                            : NULL;
	}
	if (mb->kind == KIND_POP3) {
		struct pop3_session_state_data *d = mb->session->sess_data;

		return d && d->pop3_session ? d->pop3_session->pop3_stream
		                            : NULL;
	}
	return NULL;
}

/*
 * The connection to the server, inside TLS for imaps:// and pop3s:// with
 * the certificate checked before anything is sent; *fd is its socket.
 */
static mailstream *open_stream(const struct url *u, int timeout,
                               const char *ca_file, int *fd, struct err *err)
{
	mailstream *stream;

	*fd = tcp_connect(u, timeout, err);
	if (*fd < 0)
		return NULL;
	if (u->tls) {
		stream = mailstream_ssl_open_with_callback_timeout(
		        *fd, timeout, tls_setup, u->host);
		if (stream && verify_chain(stream, u->host, ca_file, err) < 0) {
			mailstream_close(stream);
			return NULL;
		}
	} else {
		stream = mailstream_socket_open_timeout(*fd, timeout);
	}
	if (!stream) {
		close(*fd);
		err_set(err, "%s port %s: %s", u->host, u->port,
		        u->tls ? "TLS handshake failed"
		               : "cannot set up the stream");
	}
	return stream;
}

/*
 * Upgrades a plain connection with STARTTLS and checks the certificate.
 * A server without STARTTLS is used only on this machine: a password in
 * clear text never leaves it.
 */
static int start_tls(struct mailbox *mb, const struct url *u, int fd,
                     const char *ca_file, struct err *err)
{
	int imap = u->kind == KIND_IMAP, r;

	mailsession_parameters(mb->session,
	                       imap ? IMAPDRIVER_CACHED_SET_SSL_CALLBACK
	                            : POP3DRIVER_CACHED_SET_SSL_CALLBACK,
	                       (void *)tls_setup);
	mailsession_parameters(mb->session,
	                       imap ? IMAPDRIVER_CACHED_SET_SSL_CALLBACK_DATA
	                            : POP3DRIVER_CACHED_SET_SSL_CALLBACK_DATA,
	                       u->host);
	r = mailsession_starttls(mb->session);
	if (r == MAIL_NO_ERROR)
		return verify_chain(session_stream(mb), u->host, ca_file, err);
	if (r != MAIL_ERROR_NO_TLS && r != MAIL_ERROR_NOT_IMPLEMENTED)
		return err_set(err, "%s: STARTTLS failed: %s", mb->name,
		               mail_error(r));
	if (!peer_is_loopback(fd))
		return err_set(err,
		               "%s: the server offers no STARTTLS; use "
		               "%s:// (passwords go in clear text only to "
		               "this machine)",
		               mb->name, imap ? "imaps" : "pop3s");
	return 0;
}

/* Logs in and, for IMAP, opens the folder to read. */
static int log_in(struct mailbox *mb, const struct url *u, const char *password,
                  struct err *err)
{
	int r = mailsession_login(mb->session, u->user, password);

	if (r != MAIL_NO_ERROR)
		return err_set(err, "%s: %s", mb->name, mail_error(r));
	if (u->kind != KIND_IMAP)
		return 0;
	r = mailsession_select_folder(mb->session, u->folder);
	if (r != MAIL_NO_ERROR)
		return err_set(err, "%s: cannot open mailbox '%s': %s",
		               mb->name, u->folder, mail_error(r));
	if (mb->processed_folder)
		/* Already there is fine: the copy will tell otherwise. */
		mailsession_create_folder(mb->session, mb->processed_folder);
	return 0;
}

static int open_network(struct mailbox *mb, const struct mailbox_options *o,
                        struct err *err)
{
	struct url u;
	mailstream *stream;
	int fd, r, timeout = o->timeout > 0 ? o->timeout : 60, ret = -1;

	/* Parsed as redacted, so that no message can show a password. */
	if (parse_url(&u, mb->name, err) < 0)
		goto out;
	if (!o->password) {
		err_set(err,
		        "%s: no password: set BULLETIN_INBOX_PASSWORD in the "
		        "environment",
		        mb->name);
		goto out;
	}
	mb->kind = u.kind;
	mb->folder = xstrdup(u.folder);
	mb->session =
	        mailsession_new(u.kind == KIND_IMAP ? imap_session_driver
	                                            : pop3_session_driver);
	if (!mb->session) {
		err_set(err, "%s: out of memory", mb->name);
		goto out;
	}
	stream = open_stream(&u, timeout, o->ca_file, &fd, err);
	if (!stream)
		goto out;
	r = mailsession_connect_stream(mb->session, stream);
	if (r != MAIL_NO_ERROR && r != MAIL_NO_ERROR_AUTHENTICATED &&
	    r != MAIL_NO_ERROR_NON_AUTHENTICATED) {
		err_set(err, "%s: %s", mb->name, mail_error(r));
		goto out;
	}
	mb->connected = 1;
	if (!u.tls && start_tls(mb, &u, fd, o->ca_file, err) < 0)
		goto out;
	if (log_in(mb, &u, o->password, err) < 0)
		goto out;
	ret = 0;
out:
	url_release(&u);
	return ret;
}

static int open_maildir(struct mailbox *mb, const char *dir, struct err *err)
{
	static const char *const subdirs[] = {"cur", "new", "tmp"};
	struct buf path = BUF_INIT;
	int r;

	for (size_t i = 0; i < 3; i++) {
		struct stat st;

		buf_reset(&path);
		buf_addf(&path, "%s/%s", dir, subdirs[i]);
		if (stat(path.data, &st) < 0 || !S_ISDIR(st.st_mode)) {
			buf_release(&path);
			return err_set(
			        err, "maildir:%s: not a Maildir (no %s/ in it)",
			        dir, subdirs[i]);
		}
	}
	buf_release(&path);
	mb->kind = KIND_MAILDIR;
	mb->session = mailsession_new(maildir_session_driver);
	if (!mb->session)
		return err_set(err, "maildir:%s: out of memory", dir);
	r = mailsession_connect_path(mb->session, dir);
	if (r != MAIL_NO_ERROR)
		return err_set(err, "maildir:%s: %s", dir, mail_error(r));
	return 0;
}

int mailbox_open(struct mailbox *mb, const char *source,
                 const struct mailbox_options *o, struct err *err)
{
	int r;

	memset(mb, 0, sizeof(*mb));
	mb->name = redact(source);
	mb->delete_processed = o->delete_processed;
	if (o->processed_folder && *o->processed_folder)
		mb->processed_folder = xstrdup(o->processed_folder);
	if (!strncmp(source, "maildir:", 8))
		r = open_maildir(mb, source + 8, err);
	else
		r = open_network(mb, o, err);
	if (r < 0)
		mailbox_close(mb);
	return r;
}

static mailmessage *msg_at(struct mailbox *mb, size_t i)
{
	return carray_get(mb->list->msg_tab, (unsigned)mb->todo[i]);
}

int mailbox_scan(struct mailbox *mb, size_t *n, struct err *err)
{
	int r;
	unsigned count;

	*n = 0;
	if (mb->list) {
		mailmessage_list_free(mb->list);
		mb->list = NULL;
	}
	free(mb->todo);
	free(mb->marked);
	mb->todo = NULL;
	mb->marked = NULL;
	mb->ntodo = 0;
	r = mailsession_get_messages_list(mb->session, &mb->list);
	if (r != MAIL_NO_ERROR)
		return err_set(err, "%s: cannot list the messages: %s",
		               mb->name, mail_error(r));
	/* IMAP: flags for all messages at once rather than one by one. */
	if (mb->kind == KIND_IMAP &&
	    (r = mailsession_get_envelopes_list(mb->session, mb->list)) !=
	            MAIL_NO_ERROR)
		return err_set(err, "%s: cannot read the flags: %s", mb->name,
		               mail_error(r));
	count = carray_count(mb->list->msg_tab);
	mb->todo = xcalloc(count ? count : 1, sizeof(*mb->todo));
	mb->marked = xcalloc(count ? count : 1, 1);
	for (unsigned i = 0; i < count; i++) {
		mailmessage *m = carray_get(mb->list->msg_tab, i);
		struct mail_flags *flags = NULL;

		if (mb->kind != KIND_POP3 &&
		    mailmessage_get_flags(m, &flags) == MAIL_NO_ERROR &&
		    flags &&
		    (flags->fl_flags & (MAIL_FLAG_SEEN | MAIL_FLAG_DELETED)))
			continue;
		mb->todo[mb->ntodo++] = i;
	}
	*n = mb->ntodo;
	return 0;
}

static void fetched_free(struct mailbox *mb)
{
	if (mb->fetched)
		mailmessage_fetch_result_free(mb->fetched_msg, mb->fetched);
	mb->fetched = NULL;
	mb->fetched_msg = NULL;
}

int mailbox_fetch(struct mailbox *mb, size_t i, const char **data, size_t *len,
                  struct err *err)
{
	mailmessage *m;
	int r;

	fetched_free(mb);
	if (i >= mb->ntodo)
		return err_set(err, "%s: no message %zu", mb->name, i);
	m = msg_at(mb, i);
	r = mailmessage_fetch(m, &mb->fetched, len);
	if (r != MAIL_NO_ERROR) {
		mb->fetched = NULL;
		return err_set(err, "%s: message %s: %s", mb->name,
		               m->msg_uid ? m->msg_uid : "?", mail_error(r));
	}
	mb->fetched_msg = m;
	*data = mb->fetched;
	/* Done with this message's prefetched copy (a Maildir's mapping). */
	mailmessage_flush(m);
	return 0;
}

const char *mailbox_message_name(struct mailbox *mb, size_t i)
{
	mailmessage *m = i < mb->ntodo ? msg_at(mb, i) : NULL;

	return m && m->msg_uid ? m->msg_uid : "";
}

static int set_flag(mailmessage *m, uint32_t set, uint32_t clear)
{
	struct mail_flags *flags = NULL;

	if (mailmessage_get_flags(m, &flags) != MAIL_NO_ERROR || !flags)
		return -1;
	flags->fl_flags = (flags->fl_flags | set) & ~clear;
	return mailmessage_check(m) == MAIL_NO_ERROR ? 0 : -1;
}

int mailbox_mark(struct mailbox *mb, size_t i, struct err *err)
{
	mailmessage *m;
	int r;

	if (i >= mb->ntodo)
		return err_set(err, "%s: no message %zu", mb->name, i);
	m = msg_at(mb, i);
	mb->marked[i] = 1;
	if (mb->kind == KIND_POP3) {
		if (!mb->delete_processed)
			return 0;
		r = mailsession_remove_message(mb->session, m->msg_index);
		if (r != MAIL_NO_ERROR)
			return err_set(err, "%s: cannot delete message %u: %s",
			               mb->name, m->msg_index, mail_error(r));
		return 1;
	}
	if (set_flag(m, MAIL_FLAG_SEEN, MAIL_FLAG_NEW) < 0)
		return err_set(err, "%s: cannot mark message %s read", mb->name,
		               m->msg_uid ? m->msg_uid : "?");
	return 1;
}

int mailbox_flush(struct mailbox *mb, struct err *err)
{
	int r, moved = 0;

	if (mb->kind == KIND_POP3)
		return 0;
	r = mailsession_check_folder(mb->session);
	if (r != MAIL_NO_ERROR)
		return err_set(err, "%s: cannot store the flags: %s", mb->name,
		               mail_error(r));
	if (mb->kind != KIND_IMAP || !mb->processed_folder)
		return 0;
	/* IMAP: copy to the processed folder, then delete from here. */
	for (size_t i = 0; i < mb->ntodo; i++) {
		mailmessage *m = msg_at(mb, i);

		if (mb->marked[i] != 1)
			continue;
		r = mailsession_copy_message(mb->session, m->msg_index,
		                             mb->processed_folder);
		if (r != MAIL_NO_ERROR)
			return err_set(
			        err, "%s: cannot move a message to '%s': %s",
			        mb->name, mb->processed_folder, mail_error(r));
		if (set_flag(m, MAIL_FLAG_DELETED, 0) < 0)
			return err_set(err, "%s: cannot delete a moved message",
			               mb->name);
		mb->marked[i] = 2;
		moved++;
	}
	if (!moved)
		return 0;
	r = mailsession_expunge_folder(mb->session);
	if (r != MAIL_NO_ERROR)
		return err_set(err, "%s: cannot expunge moved messages: %s",
		               mb->name, mail_error(r));
	return 0;
}

void mailbox_close(struct mailbox *mb)
{
	fetched_free(mb);
	if (mb->list)
		mailmessage_list_free(mb->list);
	if (mb->session) {
		if (mb->connected)
			mailsession_logout(mb->session);
		mailsession_free(mb->session);
	}
	free(mb->todo);
	free(mb->marked);
	free(mb->folder);
	free(mb->processed_folder);
	free(mb->name);
	memset(mb, 0, sizeof(*mb));
}
