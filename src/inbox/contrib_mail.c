#include "contrib_mail.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce.h"
#include "html_md.h"
#include "banned.h"

#define ATTACHMENT_MAX_DEFAULT (10u << 20)
#define MESSAGE_MAX_DEFAULT    (50u << 20)
/* libetpan recurses per nested part: refuse deeper nesting. */
#define DEPTH_MAX  16
#define PARTS_MAX  256
#define IMAGES_MAX 20

/* What the walk over the parts collects. */
struct walk {
	struct contrib_mail *cm;
	size_t attachment_max, message_max;
	struct buf plain, html, attached; /* UTF-8 */
	char *attached_name;              /* the .md/.txt used as the body */
	int guessed;                      /* some text read as Windows-1252 */
	size_t parts;
};

static char *empty(void)
{
	return xstrdup("");
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

void contrib_mail_init(struct contrib_mail *cm)
{
	memset(cm, 0, sizeof(*cm));
	buf_init(&cm->body);
	buf_init(&cm->notes);
	buf_init(&cm->problems);
	buf_init(&cm->refusal_text);
	contrib_details_init(&cm->details);
	cm->subj.title = empty();
	cm->subj.issue = empty();
	cm->from = empty();
	cm->from_name = empty();
	cm->message_id = empty();
	cm->references = empty();
	cm->subject = empty();
	cm->auto_submitted = empty();
	cm->precedence = empty();
	cm->body_from = "";
}

static void files_free(struct contrib_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].data);
	}
	free(f);
}

void contrib_mail_release(struct contrib_mail *cm)
{
	free(cm->from);
	free(cm->from_name);
	free(cm->message_id);
	free(cm->references);
	free(cm->subject);
	for (size_t i = 0; i < cm->nrcpts; i++)
		free(cm->rcpts[i]);
	free(cm->rcpts);
	free(cm->auto_submitted);
	free(cm->precedence);
	contrib_subject_release(&cm->subj);
	contrib_details_release(&cm->details);
	buf_release(&cm->body);
	files_free(cm->images, cm->nimages);
	files_free(cm->docx, cm->ndocx);
	buf_release(&cm->notes);
	buf_release(&cm->problems);
	buf_release(&cm->refusal_text);
	memset(cm, 0, sizeof(*cm));
}

/* ---- charsets ---- */

static int valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t k = c < 0x80         ? 0
		           : (c >> 5) == 6  ? 1
		           : (c >> 4) == 14 ? 2
		           : (c >> 3) == 30 ? 3
		                            : 9;

		if (k == 9 || (k == 1 && c < 0xc2) || (k == 3 && c > 0xf4) ||
		    i + k >= n + (k ? 0 : 1))
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		if (k == 2 && ((c == 0xe0 && p[i + 1] < 0xa0) ||
		               (c == 0xed && p[i + 1] >= 0xa0)))
			return 0;
		if (k == 3 && ((c == 0xf0 && p[i + 1] < 0x90) ||
		               (c == 0xf4 && p[i + 1] >= 0x90)))
			return 0;
		i += k + 1;
	}
	return 1;
}

static void add_utf8(struct buf *out, unsigned cp)
{
	if (cp < 0x80) {
		buf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		buf_addch(out, (int)(0xc0 | cp >> 6));
		buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addch(out, (int)(0xe0 | cp >> 12));
		buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addch(out, (int)(0xf0 | cp >> 18));
		buf_addch(out, (int)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addch(out, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addch(out, (int)(0x80 | (cp & 0x3f)));
	}
}

/* Windows-1252's 0x80..0x9F; the rest is ISO-8859-1. */
static const unsigned short cp1252[32] = {
        0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
        0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
        0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
        0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

static void from_cp1252(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i];

		add_utf8(out, c >= 0x80 && c < 0xa0 ? cp1252[c - 0x80] : c);
	}
}

static void from_utf16(struct buf *out, const char *s, size_t n, int big)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned u = big ? (unsigned)(p[i] << 8 | p[i + 1])
		                 : (unsigned)(p[i + 1] << 8 | p[i]);

		if (u >= 0xd800 && u < 0xdc00 && i + 3 < n) {
			unsigned v = big ? (unsigned)(p[i + 2] << 8 | p[i + 3])
			                 : (unsigned)(p[i + 3] << 8 | p[i + 2]);

			if (v >= 0xdc00 && v < 0xe000) {
				add_utf8(out, 0x10000 + ((u - 0xd800) << 10) +
				                      (v - 0xdc00));
				i += 2;
				continue;
			}
		}
		add_utf8(out, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
	}
}

/* Through iconv; -1 when it does not know the charset. */
static int through_iconv(struct buf *out, const char *s, size_t n,
                         const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char tmp[4096];
	char *in = (char *)s;
	size_t left = n;

	/* iconv_open's failure value is (iconv_t)-1, as POSIX defines it. */
	if (cd == (iconv_t)-1) // NOLINT(performance-no-int-to-ptr)
		return -1;
	while (left) {
		char *o = tmp;
		size_t room = sizeof(tmp);
		size_t r = iconv(cd, &in, &left, &o, &room);

		buf_add(out, tmp, (size_t)(o - tmp));
		if (r == (size_t)-1 && errno != E2BIG) {
			/* A byte the charset does not have. */
			add_utf8(out, 0xfffd);
			in++;
			left--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
	return 0;
}

static int is_charset(const char *c, const char *name)
{
	return c && !strcasecmp(c, name);
}

void contrib_mail_utf8(struct buf *out, const char *text, size_t n,
                       const char *charset, int *guessed)
{
	const unsigned char *p = (const unsigned char *)text;

	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
	               (p[0] == 0xfe && p[1] == 0xff))) {
		from_utf16(out, text + 2, n - 2, p[0] == 0xfe);
		return;
	}
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		text += 3;
		n -= 3;
	}
	if (!charset || !*charset || is_charset(charset, "utf-8") ||
	    is_charset(charset, "utf8") || is_charset(charset, "us-ascii") ||
	    is_charset(charset, "iso-8859-1") ||
	    is_charset(charset, "windows-1252") ||
	    is_charset(charset, "latin1")) {
		/* Labels are often wrong: valid UTF-8 is UTF-8. */
		if (valid_utf8(text, n)) {
			buf_add(out, text, n);
			return;
		}
		if (!is_charset(charset, "windows-1252") &&
		    !is_charset(charset, "iso-8859-1") &&
		    !is_charset(charset, "latin1"))
			*guessed = 1;
		from_cp1252(out, text, n);
		return;
	}
	if (through_iconv(out, text, n, charset) < 0) {
		*guessed = 1;
		if (valid_utf8(text, n))
			buf_add(out, text, n);
		else
			from_cp1252(out, text, n);
	}
}

/* An encoded-word header value (Subject, a file name) as UTF-8. */
static char *decode_words(const char *raw)
{
	char *decoded = NULL;
	size_t idx = 0;
	const char *dflt = valid_utf8(raw, strlen(raw)) ? "utf-8" : "cp1252";
	struct buf b = BUF_INIT;

	if (mailmime_encoded_phrase_parse(dflt, raw, strlen(raw), &idx, "utf-8",
	                                  &decoded) == MAILIMF_NO_ERROR &&
	    decoded) {
		buf_adds(&b, decoded);
		free(decoded);
	} else {
		buf_adds(&b, raw);
	}
	/* Nothing from a header may carry a line end onward. */
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20)
			b.data[i] = ' ';
	return buf_detach(&b);
}

/* ---- the header ---- */

static void add_rcpt(struct contrib_mail *cm, const char *addr)
{
	char *a;

	if (!addr || !*addr || cm->nrcpts >= 64)
		return;
	/* Kept as written: the secret in contribute+SECRET@ has case. */
	a = xstrdup(addr);
	cm->rcpts = xrealloc(cm->rcpts, (cm->nrcpts + 1) * sizeof(*cm->rcpts));
	cm->rcpts[cm->nrcpts++] = a;
}

static void add_mailbox_list(struct contrib_mail *cm,
                             const struct mailimf_mailbox_list *l)
{
	if (!l || !l->mb_list)
		return;
	for (clistiter *it = clist_begin(l->mb_list); it; it = clist_next(it)) {
		const struct mailimf_mailbox *mb = clist_content(it);

		if (mb)
			add_rcpt(cm, mb->mb_addr_spec);
	}
}

static void add_address_list(struct contrib_mail *cm,
                             const struct mailimf_address_list *l)
{
	if (!l || !l->ad_list)
		return;
	for (clistiter *it = clist_begin(l->ad_list); it; it = clist_next(it)) {
		const struct mailimf_address *a = clist_content(it);

		if (a && a->ad_type == MAILIMF_ADDRESS_MAILBOX)
			add_rcpt(cm, a->ad_data.ad_mailbox->mb_addr_spec);
		else if (a && a->ad_type == MAILIMF_ADDRESS_GROUP &&
		         a->ad_data.ad_group)
			add_mailbox_list(cm, a->ad_data.ad_group->grp_mb_list);
	}
}

static void set_from(struct contrib_mail *cm, const struct mailimf_from *f)
{
	const struct mailimf_mailbox *mb;

	if (*cm->from || !f || !f->frm_mb_list || !f->frm_mb_list->mb_list ||
	    !clist_begin(f->frm_mb_list->mb_list))
		return;
	mb = clist_content(clist_begin(f->frm_mb_list->mb_list));
	if (!mb || !mb->mb_addr_spec)
		return;
	free(cm->from);
	cm->from = decode_words(mb->mb_addr_spec);
	lower(cm->from);
	if (mb->mb_display_name) {
		free(cm->from_name);
		cm->from_name = decode_words(mb->mb_display_name);
	}
}

/* Whether a Message-ID (without <>) is printable ASCII with no spaces or
 * brackets: only such go into an answer's header. */
static int id_ok(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > 900)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '<' || id[i] == '>')
			return 0;
	return 1;
}

/* "<a> <b>" of a list of Message-IDs, onto out. */
static void add_ids(struct buf *out, const clist *ids)
{
	for (clistiter *it = ids ? clist_begin((clist *)ids) : NULL;
	     it && out->len < 4000; it = clist_next(it)) {
		const char *id = clist_content(it);

		if (id && id_ok(id))
			buf_addf(out, "%s<%s>", out->len ? " " : "", id);
	}
}

static void optional_field(struct contrib_mail *cm, const char *name,
                           const char *value)
{
	char **to = NULL;

	if (!strcasecmp(name, "Delivered-To") ||
	    !strcasecmp(name, "X-Original-To") ||
	    !strcasecmp(name, "Envelope-To")) {
		char *v = decode_words(value);
		size_t n = strlen(v);

		while (n && (v[n - 1] == ' ' || v[n - 1] == '>'))
			v[--n] = 0;
		add_rcpt(cm, v + strspn(v, " <"));
		free(v);
		return;
	}
	if (!strcasecmp(name, "Return-Path") &&
	    !strcmp(value + strspn(value, " "), "<>"))
		cm->null_sender = 1;
	if (!strcasecmp(name, "Auto-Submitted"))
		to = &cm->auto_submitted;
	else if (!strcasecmp(name, "Precedence"))
		to = &cm->precedence;
	else if (!strcasecmp(name, "List-Id") ||
	         !strcasecmp(name, "List-Post") ||
	         !strcasecmp(name, "List-Unsubscribe") ||
	         !strcasecmp(name, "Mailing-List"))
		cm->list = 1;
	else if (!strcasecmp(name, "X-Autoreply") ||
	         !strcasecmp(name, "X-Autorespond") ||
	         !strcasecmp(name, "X-Auto-Response-Suppress") ||
	         !strcasecmp(name, "X-Loop") ||
	         !strcasecmp(name, "X-Bulletin-Reply"))
		cm->robot = 1;
	if (to && !**to) {
		free(*to);
		*to = decode_words(value);
		lower(*to);
		/* "auto-replied; owner-email=..." is "auto-replied". */
		(*to)[strcspn(*to, " ;(\t")] = 0;
	}
}

static void header_field(struct contrib_mail *cm, struct buf *refs,
                         const struct mailimf_field *f)
{
	switch (f->fld_type) {
	case MAILIMF_FIELD_RETURN_PATH:
		if (f->fld_data.fld_return_path->ret_path &&
		    (!f->fld_data.fld_return_path->ret_path->pt_addr_spec ||
		     !*f->fld_data.fld_return_path->ret_path->pt_addr_spec))
			cm->null_sender = 1;
		break;
	case MAILIMF_FIELD_FROM:
		set_from(cm, f->fld_data.fld_from);
		break;
	case MAILIMF_FIELD_TO:
		add_address_list(cm, f->fld_data.fld_to->to_addr_list);
		break;
	case MAILIMF_FIELD_CC:
		add_address_list(cm, f->fld_data.fld_cc->cc_addr_list);
		break;
	case MAILIMF_FIELD_SUBJECT:
		if (!*cm->subject && f->fld_data.fld_subject->sbj_value) {
			free(cm->subject);
			cm->subject = decode_words(
			        f->fld_data.fld_subject->sbj_value);
		}
		break;
	case MAILIMF_FIELD_MESSAGE_ID: {
		const char *id = f->fld_data.fld_message_id->mid_value;

		if (!*cm->message_id && id && id_ok(id)) {
			struct buf b = BUF_INIT;

			free(cm->message_id);
			buf_addf(&b, "<%s>", id);
			cm->message_id = buf_detach(&b);
		}
		break;
	}
	case MAILIMF_FIELD_REFERENCES:
		if (!refs->len)
			add_ids(refs, f->fld_data.fld_references->mid_list);
		break;
	case MAILIMF_FIELD_OPTIONAL_FIELD:
		if (f->fld_data.fld_optional_field->fld_name &&
		    f->fld_data.fld_optional_field->fld_value)
			optional_field(
			        cm, f->fld_data.fld_optional_field->fld_name,
			        f->fld_data.fld_optional_field->fld_value);
		break;
	default:
		break;
	}
}

static void header(struct contrib_mail *cm, const struct mailimf_fields *fs)
{
	struct buf refs = BUF_INIT;
	const char *at;

	for (clistiter *it = fs && fs->fld_list ? clist_begin(fs->fld_list)
	                                        : NULL;
	     it; it = clist_next(it))
		header_field(cm, &refs, clist_content(it));
	if (*cm->message_id)
		buf_addf(&refs, "%s%s", refs.len ? " " : "", cm->message_id);
	free(cm->references);
	cm->references = buf_detach(&refs);
	at = strrchr(cm->from, '@');
	if (!strncmp(cm->from, "mailer-daemon@", 14) ||
	    !strncmp(cm->from, "postmaster@", 11) ||
	    (at && (!strncmp(cm->from, "noreply", 7) ||
	            !strncmp(cm->from, "no-reply", 8) ||
	            !strncmp(cm->from, "donotreply", 10))))
		cm->robot = 1;
}

/* ---- the parts ---- */

/* RFC 2231 "UTF-8''Caf%C3%A9.jpg" as UTF-8. */
static char *rfc2231(const char *v)
{
	const char *q = strchr(v, '\'');
	const char *r = q ? strchr(q + 1, '\'') : NULL;
	struct buf raw = BUF_INIT, out = BUF_INIT;
	char charset[40];
	int guessed = 0;

	if (!r || (size_t)(q - v) >= sizeof(charset))
		return decode_words(v);
	memcpy(charset, v, (size_t)(q - v));
	charset[q - v] = 0;
	if (buf_add_unpercent(&raw, r + 1, strlen(r + 1), 0) < 0)
		buf_adds(&raw, r + 1);
	contrib_mail_utf8(&out, raw.data, raw.len, charset, &guessed);
	buf_release(&raw);
	return buf_detach(&out);
}

/* A parameter of a list (Content-Type's or Content-Disposition's). */
static char *param(const clist *l, int disposition, const char *name)
{
	size_t n = strlen(name);

	for (clistiter *it = l ? clist_begin((clist *)l) : NULL; it;
	     it = clist_next(it)) {
		const struct mailmime_parameter *p;

		if (disposition) {
			const struct mailmime_disposition_parm *dp =
			        clist_content(it);

			if (dp->pa_type == MAILMIME_DISPOSITION_PARM_FILENAME &&
			    !strcmp(name, "filename") &&
			    dp->pa_data.pa_filename)
				return decode_words(dp->pa_data.pa_filename);
			if (dp->pa_type != MAILMIME_DISPOSITION_PARM_PARAMETER)
				continue;
			p = dp->pa_data.pa_parameter;
		} else {
			p = clist_content(it);
		}
		if (!p || !p->pa_name || !p->pa_value ||
		    strncasecmp(p->pa_name, name, n))
			continue;
		if (!p->pa_name[n])
			return decode_words(p->pa_value);
		if (!strcmp(p->pa_name + n, "*"))
			return rfc2231(p->pa_value);
	}
	return NULL;
}

static const struct mailmime_disposition *disposition(const struct mailmime *m)
{
	const struct mailmime_fields *fs = m->mm_mime_fields;

	for (clistiter *it = fs && fs->fld_list ? clist_begin(fs->fld_list)
	                                        : NULL;
	     it; it = clist_next(it)) {
		const struct mailmime_field *f = clist_content(it);

		if (f->fld_type == MAILMIME_FIELD_DISPOSITION)
			return f->fld_data.fld_disposition;
	}
	return NULL;
}

/* The part's file name (caller owns), or NULL. */
static char *file_name(const struct mailmime *m)
{
	const struct mailmime_disposition *d = disposition(m);
	char *name = d ? param(d->dsp_parms, 1, "filename") : NULL;

	if (!name && m->mm_content_type)
		name = param(m->mm_content_type->ct_parameters, 0, "name");
	if (name) {
		/* Only the last part of a path, and nothing unprintable. */
		const char *base = strrchr(name, '/');
		const char *bs = strrchr(base ? base : name, '\\');
		char *b = xstrdup(bs ? bs + 1 : base ? base + 1 : name);

		free(name);
		name = b;
	}
	return name;
}

static int is_attachment(const struct mailmime *m)
{
	const struct mailmime_disposition *d = disposition(m);

	return d && d->dsp_type &&
	       d->dsp_type->dsp_type == MAILMIME_DISPOSITION_TYPE_ATTACHMENT;
}

/*
 * The part's decoded bytes into out: 0, or -1 when they would be more
 * than max (out then holds nothing useful).
 */
static int decode(const struct mailmime *m, struct buf *out, size_t max)
{
	/* base64 is 4 characters for 3 bytes, with line ends. */
	size_t encoded_max = (max + max / 8 + 4096) / 3 * 4 + 3;

	buf_reset(out);
	if (bounce_mime_body(m, encoded_max, out))
		return -1;
	return out->len > max ? -1 : 0;
}

static void refuse(struct walk *w, enum contrib_refusal why, const char *fmt,
                   const char *name)
{
	struct contrib_mail *cm = w->cm;

	if (cm->refusal)
		return;
	cm->refusal = why;
	buf_addf(&cm->refusal_text, fmt, name);
}

static int ext_is(const char *name, const char *const *exts)
{
	const char *dot = strrchr(name, '.');

	for (; dot && *exts; exts++)
		if (!strcasecmp(dot + 1, *exts))
			return 1;
	return 0;
}

static const char *const archive_exts[] = {
        "zip", "rar", "7z", "tar", "gz",  "tgz", "bz2", "xz",  "cab",
        "iso", "arj", "lz", "lzh", "zst", "ace", "z",   "img", NULL};
static const char *const program_exts[] = {
        "exe",  "com",  "bat",  "cmd",  "scr", "pif", "msi", "msp",  "dll",
        "vbs",  "vbe",  "js",   "jse",  "wsf", "wsh", "ps1", "psm1", "jar",
        "sh",   "app",  "lnk",  "hta",  "cpl", "reg", "apk", "run",  "bin",
        "docm", "xlsm", "pptm", "dotm", "iqy", "slk", NULL};
static const char *const text_exts[] = {"md", "markdown", "txt", NULL};
static const char *const docx_exts[] = {"docx", NULL};
/* Office files are zip archives inside, and harmless to keep aside. */
static const char *const office_exts[] = {"docx", "xlsx", "pptx", "odt",
                                          "ods",  "odp",  NULL};

static int bytes_start(const struct buf *b, const char *magic, size_t n)
{
	return b->len >= n && !memcmp(b->data, magic, n);
}

/* The refusal an attachment deserves by its name, type or bytes. */
static enum contrib_refusal dangerous(const char *name,
                                      const struct mailmime_content *ct,
                                      const struct buf *b)
{
	const char *sub = ct && ct->ct_subtype ? ct->ct_subtype : "";

	if (!strcasecmp(name, "winmail.dat") || strcasestr(sub, "ms-tnef") ||
	    bytes_start(b, "\x78\x9f\x3e\x22", 4))
		return CONTRIB_TNEF;
	if (ext_is(name, program_exts) || strcasestr(sub, "msdownload") ||
	    strcasestr(sub, "executable") || strcasestr(sub, "msdos-program") ||
	    strcasestr(sub, "x-sh") || strcasestr(sub, "java-archive") ||
	    bytes_start(b, "MZ", 2) ||
	    bytes_start(b,
	                "\x7f"
	                "ELF",
	                4) ||
	    bytes_start(b, "#!", 2) || bytes_start(b, "\xca\xfe\xba\xbe", 4) ||
	    bytes_start(b, "\xcf\xfa\xed\xfe", 4))
		return CONTRIB_EXECUTABLE;
	if (ext_is(name, archive_exts) || strcasestr(sub, "zip") ||
	    strcasestr(sub, "compressed") || strcasestr(sub, "x-tar") ||
	    strcasestr(sub, "x-rar") || bytes_start(b, "Rar!", 4) ||
	    bytes_start(b, "7z\xbc\xaf", 4) || bytes_start(b, "\x1f\x8b", 2) ||
	    (bytes_start(b, "PK\x03\x04", 4) && !ext_is(name, office_exts)))
		return CONTRIB_ARCHIVE;
	return CONTRIB_ACCEPTED;
}

static void keep_file(struct contrib_file **files, size_t *n, const char *name,
                      struct buf *b, const struct image_info *info)
{
	struct contrib_file *f;

	*files = xrealloc(*files, (*n + 1) * sizeof(**files));
	f = &(*files)[(*n)++];
	f->name = xstrdup(name);
	f->len = b->len;
	f->data = buf_detach(b);
	if (info)
		f->image = *info;
	else
		memset(&f->image, 0, sizeof(f->image));
}

static void size_words(struct buf *out, size_t bytes)
{
	if (bytes >= (1u << 20))
		buf_addf(out, "%.1f MB", (double)bytes / (1u << 20));
	else
		buf_addf(out, "%zu KB", (bytes + 1023) / 1024);
}

static void refuse_dangerous(struct walk *w, enum contrib_refusal r,
                             const char *name)
{
	if (r == CONTRIB_TNEF)
		refuse(w, r,
		       "Your email arrived as a file called winmail.dat (%s), "
		       "which is what Outlook sends when it uses its own "
		       "rich-text format. We can't read that. Please turn off "
		       "rich-text formatting (in Outlook: File, Options, Mail, "
		       "\"Compose messages in\": choose HTML or Plain Text) "
		       "and "
		       "send your piece again.",
		       name);
	else if (r == CONTRIB_EXECUTABLE)
		refuse(w, r,
		       "The attachment %s is a program or a script. To keep "
		       "everyone safe we never open those. Please send your "
		       "piece as the text of the email, or as a Word (.docx) "
		       "or text file, with any photos attached as pictures.",
		       name);
	else
		refuse(w, r,
		       "The attachment %s is a compressed archive (like a .zip "
		       "file). To keep everyone safe we don't open archives. "
		       "Please attach the files themselves: the text or Word "
		       "document, and each photo.",
		       name);
}

static void too_big(struct walk *w, const char *name)
{
	struct buf t = BUF_INIT;

	buf_adds(&t, "The attachment %s is bigger than the limit of ");
	size_words(&t, w->attachment_max);
	buf_adds(&t, ". Please send a smaller file: for a photo, 1,200 "
	             "pixels wide is plenty (most phones offer \"medium\" "
	             "size when you attach it).");
	refuse(w, CONTRIB_TOO_BIG, t.data, name);
	buf_release(&t);
}

/* An attachment (or inline picture): kept, used, or noted. */
static void attachment(struct walk *w, const struct mailmime *m,
                       const char *name)
{
	struct contrib_mail *cm = w->cm;
	struct buf b = BUF_INIT;
	struct image_info info;
	struct err why = ERR_INIT;
	enum contrib_refusal r;

	if (decode(m, &b, w->attachment_max) < 0) {
		too_big(w, name);
		goto out;
	}
	r = dangerous(name, m->mm_content_type, &b);
	if (r) {
		refuse_dangerous(w, r, name);
	} else if (image_probe(b.data, b.len, &info, &why) == 0) {
		if (cm->nimages < IMAGES_MAX)
			keep_file(&cm->images, &cm->nimages, name, &b, &info);
		else
			buf_addf(&cm->notes,
			         "not used: %s (only %d pictures "
			         "are kept from one email)\n",
			         name, IMAGES_MAX);
	} else if (ext_is(name, text_exts) && !w->attached_name) {
		char *charset =
		        m->mm_content_type
		                ? param(m->mm_content_type->ct_parameters, 0,
		                        "charset")
		                : NULL;

		contrib_mail_utf8(&w->attached, b.data, b.len, charset,
		                  &w->guessed);
		w->attached_name = xstrdup(name);
		free(charset);
	} else if (ext_is(name, docx_exts) &&
	           bytes_start(&b, "PK\x03\x04", 4)) {
		keep_file(&cm->docx, &cm->ndocx, name, &b, NULL);
	} else if (bounce_mime_is(m->mm_content_type, "image", NULL) ||
	           image_type_of_name(name) != IMAGE_UNKNOWN) {
		buf_addf(&cm->notes, "not used: %s (%s)\n", name,
		         err_msg(&why));
	} else if (ext_is(name, text_exts)) {
		buf_addf(&cm->notes,
		         "not used: %s (the text was taken from "
		         "%s; send one text file per piece)\n",
		         name, w->attached_name);
	} else {
		buf_addf(&cm->notes,
		         "not used: %s (we can use the text of the email, a "
		         "Word .docx or a text file, and photos)\n",
		         name);
	}
out:
	err_release(&why);
	buf_release(&b);
}

/* A text part of the body (not an attachment): into plain or html. */
static void body_text(struct walk *w, const struct mailmime *m, int html)
{
	struct buf raw = BUF_INIT;
	struct buf *to = html ? &w->html : &w->plain;
	char *charset = param(m->mm_content_type->ct_parameters, 0, "charset");

	if (decode(m, &raw, w->message_max) < 0) {
		too_big(w, html ? "(the HTML text)" : "(the text)");
	} else {
		/* Apple Mail splits text around an inline picture. */
		if (to->len)
			buf_addch(to, '\n');
		contrib_mail_utf8(to, raw.data, raw.len, charset, &w->guessed);
	}
	free(charset);
	buf_release(&raw);
}

static void single(struct walk *w, const struct mailmime *m, int want_body)
{
	const struct mailmime_content *ct = m->mm_content_type;
	char *name = file_name(m);
	int text = !ct || bounce_mime_is(ct, "text", "plain"),
	    html = bounce_mime_is(ct, "text", "html");

	if (!name && !is_attachment(m) && (text || html)) {
		if (want_body)
			body_text(w, m, html);
	} else if (!name && (bounce_mime_is(ct, "text", NULL) ||
	                     bounce_mime_is(ct, "message", NULL))) {
		/* Calendar invitations, delivery reports: not the piece. */
	} else {
		char *shown = name ? name : xstrdup("(a file with no name)");

		attachment(w, m, shown);
		name = shown;
	}
	free(name);
}

static void walk(struct walk *w, const struct mailmime *m, int depth,
                 int want_body);

/*
 * multipart/alternative: the body from text/plain when there is one
 * (the piece as the partner typed it), else from the richest part; the
 * pictures from every part.
 */
static void alternative(struct walk *w, const clist *parts, int depth,
                        int want_body)
{
	const struct mailmime *plain = NULL, *last = NULL;

	for (clistiter *it = clist_begin((clist *)parts); it;
	     it = clist_next(it)) {
		const struct mailmime *c = clist_content(it);

		if (c->mm_type == MAILMIME_SINGLE &&
		    (!c->mm_content_type ||
		     bounce_mime_is(c->mm_content_type, "text", "plain")))
			plain = c;
		last = c;
	}
	for (clistiter *it = clist_begin((clist *)parts); it;
	     it = clist_next(it)) {
		const struct mailmime *c = clist_content(it);

		walk(w, c, depth + 1,
		     want_body && (plain ? c == plain : c == last));
	}
}

static void walk(struct walk *w, const struct mailmime *m, int depth,
                 int want_body)
{
	if (!m || w->cm->refusal)
		return;
	if (depth > DEPTH_MAX || ++w->parts > PARTS_MAX) {
		refuse(w, CONTRIB_BROKEN,
		       "Your email could not be read: %s. Please send the "
		       "piece "
		       "again in a new email.",
		       "it holds too many parts inside each other");
		return;
	}
	switch (m->mm_type) {
	case MAILMIME_MESSAGE:
		/* A forwarded message attached: its text is the piece. */
		walk(w, m->mm_data.mm_message.mm_msg_mime, depth + 1,
		     want_body && !w->plain.len && !w->html.len);
		break;
	case MAILMIME_MULTIPLE: {
		const clist *parts = m->mm_data.mm_multipart.mm_mp_list;

		if (!parts || !clist_begin((clist *)parts)) {
			refuse(w, CONTRIB_BROKEN,
			       "Your email could not be read: %s. Please send "
			       "the piece again in a new email.",
			       "one of its parts is empty or not closed");
			return;
		}
		if (bounce_mime_is(m->mm_content_type, "multipart",
		                   "alternative"))
			alternative(w, parts, depth, want_body);
		else
			for (clistiter *it = clist_begin((clist *)parts); it;
			     it = clist_next(it))
				walk(w, clist_content(it), depth + 1,
				     want_body);
		break;
	}
	case MAILMIME_SINGLE:
		single(w, m, want_body);
		break;
	default:
		break;
	}
}

/* A multipart with no boundary is one libetpan reads as one part. */
static int boundary_missing(const struct mailmime *m)
{
	const struct mailmime_content *ct;

	if (m->mm_type == MAILMIME_MESSAGE)
		m = m->mm_data.mm_message.mm_msg_mime;
	ct = m ? m->mm_content_type : NULL;
	return ct && bounce_mime_is(ct, "multipart", NULL) &&
	       !mailmime_content_param_get((struct mailmime_content *)ct,
	                                   "boundary");
}

/* The piece's text: a .md/.txt attachment, else text/plain, else HTML. */
static void choose_body(struct walk *w)
{
	struct contrib_mail *cm = w->cm;
	struct contrib_details mail;
	struct buf md = BUF_INIT, ignored = BUF_INIT;
	struct err why = ERR_INIT;
	int fwd = cm->subj.forward;

	if (w->attached_name) {
		/* The attachment's details first; the mail's fill gaps. */
		contrib_details_init(&mail);
		contrib_text_clean(&ignored, w->plain.data, w->plain.len, fwd,
		                   &mail, &cm->problems);
		contrib_text_clean(&cm->body, w->attached.data, w->attached.len,
		                   0, &cm->details, &cm->problems);
		contrib_details_merge(&cm->details, &mail);
		contrib_details_release(&mail);
		cm->body_from = "attachment";
	} else if (w->plain.len) {
		contrib_text_clean(&cm->body, w->plain.data, w->plain.len, fwd,
		                   &cm->details, &cm->problems);
		cm->body_from = "text/plain";
	} else if (w->html.len) {
		if (html_md_convert(&md, w->html.data, w->html.len, &why) < 0)
			buf_addf(&cm->problems,
			         "The formatted text of your "
			         "email could not be read; please "
			         "send it as plain text.\n");
		contrib_text_clean(&cm->body, md.data, md.len, fwd,
		                   &cm->details, &cm->problems);
		cm->body_from = "text/html";
	}
	if (w->guessed)
		buf_adds(&cm->notes, "Some of the text was saved in an older "
		                     "Windows format; it was converted.\n");
	buf_release(&md);
	buf_release(&ignored);
	err_release(&why);
}

static void walk_release(struct walk *w)
{
	buf_release(&w->plain);
	buf_release(&w->html);
	buf_release(&w->attached);
	free(w->attached_name);
}

void contrib_mail_parse(struct contrib_mail *cm, const char *msg, size_t len,
                        const struct contrib_limits *lim)
{
	struct walk w = {cm, 0, 0, BUF_INIT, BUF_INIT, BUF_INIT, NULL, 0, 0};
	struct mailmime *mime = NULL;
	size_t idx = 0, max = lim && lim->message_max ? lim->message_max
	                                              : MESSAGE_MAX_DEFAULT;
	int r;

	contrib_mail_release(cm);
	contrib_mail_init(cm);
	w.message_max = max;
	w.attachment_max = lim && lim->attachment_max ? lim->attachment_max
	                                              : ATTACHMENT_MAX_DEFAULT;
	if (len > 5 && !memcmp(msg, "From ", 5)) {
		const char *nl = memchr(msg, '\n', len);

		len -= nl ? (size_t)(nl + 1 - msg) : len;
		msg = nl ? nl + 1 : msg + len;
	}
	if (len > max) {
		refuse(&w, CONTRIB_TOO_BIG,
		       "Your email is bigger than the limit of %s. Please send "
		       "smaller photos, or fewer in one email.",
		       "what we can read");
		len = max;
	}
	r = mailmime_parse(msg, len, &idx, &mime);
	if (r != MAILIMF_NO_ERROR || !mime ||
	    mime->mm_type != MAILMIME_MESSAGE) {
		refuse(&w, CONTRIB_BROKEN,
		       "Your email could not be read: %s. Please send the "
		       "piece again in a new email.",
		       "its parts are not put together the way email should "
		       "be");
		goto out;
	}
	header(cm, mime->mm_data.mm_message.mm_fields);
	if (boundary_missing(mime))
		refuse(&w, CONTRIB_BROKEN,
		       "Your email could not be read: %s. Please send the "
		       "piece again in a new email.",
		       "it says it has several parts but not where they start");
	walk(&w, mime, 0, 1);
	contrib_subject_release(&cm->subj);
	contrib_subject_parse(&cm->subj, cm->subject);
	if (!cm->refusal)
		choose_body(&w);
out:
	if (mime)
		mailmime_free(mime);
	walk_release(&w);
}

char *contrib_mail_secret(const struct contrib_mail *cm, const char *prefix,
                          const char *domain)
{
	size_t k = strlen(prefix);

	for (size_t i = 0; i < cm->nrcpts; i++) {
		const char *a = cm->rcpts[i], *at = strrchr(a, '@');

		if (!at || strncasecmp(a, prefix, k) || at == a + k)
			continue;
		if (domain && strcasecmp(at + 1, domain))
			continue;
		return xstrndup(a + k, (size_t)(at - a - (ptrdiff_t)k));
	}
	return NULL;
}
