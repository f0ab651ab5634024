#include "contrib_reply.h"

#include <string.h>
#include <strings.h>

#include "mime.h"
#include "rfc2047.h"
#include "banned.h"

/* Whether addr is own, or of the family own names ("prefix+@domain",
 * "@domain"). */
static int own_match(const char *addr, const char *own)
{
	const char *at = strrchr(addr, '@'), *oat = strrchr(own, '@');
	size_t k;

	if (!at || !oat)
		return 0;
	if (strcasecmp(at, oat))
		return 0;
	k = (size_t)(oat - own);
	if (k == 0)
		return 1;
	if (own[k - 1] == '+')
		return !strncasecmp(addr, own, k);
	return (size_t)(at - addr) == k && !strncasecmp(addr, own, k);
}

const char *contrib_reply_refused(const struct contrib_mail *cm,
                                  const char *const *own, size_t nown)
{
	if (*cm->auto_submitted && strcmp(cm->auto_submitted, "no"))
		return "it is automatic mail (Auto-Submitted)";
	if (!strcmp(cm->precedence, "bulk") ||
	    !strcmp(cm->precedence, "junk") || !strcmp(cm->precedence, "list"))
		return "it is bulk mail (Precedence)";
	if (cm->list)
		return "it came through a mailing list";
	if (cm->null_sender)
		return "it has no return address (a bounce or other automatic "
		       "mail)";
	if (cm->robot)
		return "it was sent by a program, not a person";
	if (!*cm->from)
		return "it has no sender";
	for (size_t i = 0; i < nown; i++)
		if (own[i] && *own[i] && own_match(cm->from, own[i]))
			return "it comes from the newsletter's own address";
	return NULL;
}

/* Whether id is "<printable ASCII without spaces or brackets>". */
static int good_id(const char *id, size_t n)
{
	if (n < 3 || n > 250 || id[0] != '<' || id[n - 1] != '>')
		return 0;
	for (size_t i = 1; i + 1 < n; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '<' || id[i] == '>')
			return 0;
	return memchr(id, '@', n) != NULL;
}

/* "References:" with the last ten good ids, one per folded line. */
static void add_references(struct buf *out, const char *refs)
{
	const char *ids[64];
	size_t lens[64], n = 0;

	for (const char *p = refs; p && *p && n < 64;) {
		size_t k;

		p += strspn(p, " \t");
		k = strcspn(p, " \t");
		if (k && good_id(p, k)) {
			ids[n] = p;
			lens[n++] = k;
		}
		p += k;
	}
	if (!n)
		return;
	buf_adds(out, "References:");
	for (size_t i = n > 10 ? n - 10 : 0, first = i; i < n; i++) {
		buf_adds(out, i == first ? " " : "\r\n ");
		buf_add(out, ids[i], lens[i]);
	}
	buf_adds(out, "\r\n");
}

int contrib_reply_write(struct buf *out, const struct contrib_reply *r,
                        struct buf *message_id, struct err *err)
{
	struct buf mid = BUF_INIT;
	const char *at;
	int ret = -1;

	if (mime_check_address(r->from_addr, err) < 0 ||
	    mime_check_address(r->to_addr, err) < 0 ||
	    (r->reply_to && *r->reply_to &&
	     mime_check_address(r->reply_to, err) < 0))
		return -1;
	at = strrchr(r->from_addr, '@');
	if (mime_message_id(&mid, at + 1, err) < 0)
		goto out;
	rfc2047_add_address(out, "From", r->from_name,
	                    r->from_name ? strlen(r->from_name) : 0,
	                    r->from_addr);
	rfc2047_add_address(out, "To", "", 0, r->to_addr);
	if (r->reply_to && *r->reply_to)
		rfc2047_add_address(out, "Reply-To", "", 0, r->reply_to);
	rfc2047_add_unstructured(out, "Subject", r->subject,
	                         strlen(r->subject));
	mime_add_date(out, r->date ? r->date : time(NULL));
	buf_addf(out, "Message-ID: %s\r\n", mid.data);
	if (r->in_reply_to && good_id(r->in_reply_to, strlen(r->in_reply_to)))
		buf_addf(out, "In-Reply-To: %s\r\n", r->in_reply_to);
	add_references(out, r->references);
	buf_adds(out, "Auto-Submitted: auto-replied\r\n"
	              "X-Auto-Response-Suppress: All\r\n"
	              "MIME-Version: 1.0\r\n"
	              "Content-Type: text/plain; charset=UTF-8\r\n"
	              "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mime_qp_encode(out, r->text, strlen(r->text), 0);
	if (message_id) {
		buf_reset(message_id);
		buf_add(message_id, mid.data, mid.len);
	}
	ret = 0;
out:
	buf_release(&mid);
	return ret;
}
