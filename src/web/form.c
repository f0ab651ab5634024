#include "form.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Header lines one multipart part may have (browsers send one or two). */
#define MAX_PART_HEADERS 8

void form_init(struct form *f)
{
	f->fields = NULL;
	f->n = 0;
}

void form_release(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->fields[i].name);
		free(f->fields[i].value);
		free(f->fields[i].filename);
	}
	free(f->fields);
	form_init(f);
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!f->fields[i].filename && !strcmp(f->fields[i].name, name))
			return f->fields[i].value;
	return NULL;
}

const struct form_field *form_file(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fields[i].filename && !strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

int form_percent_decode(const char *s, size_t n, struct buf *out)
{
	return buf_add_unpercent(out, s, n, 0);
}

static int too_many(struct err *err)
{
	err_set(err, "form has more than %d fields", FORM_MAX_FIELDS);
	return FORM_MALFORMED;
}

/* Appends a field (checked: no NUL, valid UTF-8); takes both buffers. */
static int add_field(struct form *f, struct buf *name, struct buf *value,
                     struct err *err)
{
	struct form_field *fl;

	if (memchr(name->data, 0, name->len) ||
	    memchr(value->data, 0, value->len)) {
		err_set(err, "form field holds a NUL byte");
		return FORM_MALFORMED;
	}
	if (!text_utf8_valid(name->data, name->len) ||
	    !text_utf8_valid(value->data, value->len)) {
		err_set(err, "form field is not valid UTF-8");
		return FORM_MALFORMED;
	}
	if (f->n >= FORM_MAX_FIELDS)
		return too_many(err);
	f->fields = xrealloc(f->fields, (f->n + 1) * sizeof(*f->fields));
	fl = &f->fields[f->n++];
	fl->filename = NULL;
	fl->value_len = value->len;
	fl->name = buf_detach(name);
	fl->value = buf_detach(value);
	return FORM_OK;
}

/* Appends a file: a checked name, any bytes; takes the buffers. */
static int add_file(struct form *f, struct buf *name, struct buf *value,
                    struct buf *filename, struct err *err)
{
	struct form_field *fl;
	size_t files = 0;

	for (size_t i = 0; i < f->n; i++)
		files += f->fields[i].filename != NULL;
	if (files >= FORM_MAX_FILES) {
		err_set(err, "form has more than %d file(s)", FORM_MAX_FILES);
		return FORM_MALFORMED;
	}
	if (memchr(name->data, 0, name->len) ||
	    !text_utf8_valid(name->data, name->len)) {
		err_set(err, "form field name is not valid UTF-8");
		return FORM_MALFORMED;
	}
	if (f->n >= FORM_MAX_FIELDS)
		return too_many(err);
	/* The name is only shown back: one that will not read is dropped. */
	if (memchr(filename->data, 0, filename->len) ||
	    !text_utf8_valid(filename->data, filename->len))
		buf_reset(filename);
	f->fields = xrealloc(f->fields, (f->n + 1) * sizeof(*f->fields));
	fl = &f->fields[f->n++];
	fl->value_len = value->len;
	fl->name = buf_detach(name);
	fl->value = buf_detach(value);
	fl->filename = buf_detach(filename);
	return FORM_OK;
}

int form_parse_urlencoded(struct form *f, const char *body, size_t len,
                          struct err *err)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct buf name = BUF_INIT, value = BUF_INIT;
		int r;

		/* "a=1&&b=2": empty pieces are skipped, as browsers do. */
		if (stop > p) {
			const char *name_end = eq ? eq : stop;

			if (buf_add_unpercent(&name, p, (size_t)(name_end - p),
			                      1) < 0 ||
			    (eq && buf_add_unpercent(&value, eq + 1,
			                             (size_t)(stop - eq - 1),
			                             1) < 0)) {
				buf_release(&name);
				buf_release(&value);
				err_set(err,
				        "form field has a bad percent "
				        "escape (expected %%XX with two hex "
				        "digits, not %%00)");
				return FORM_MALFORMED;
			}
			r = add_field(f, &name, &value, err);
			buf_release(&name);
			buf_release(&value);
			if (r < 0)
				return r;
		}
		p = stop + 1;
	}
	return FORM_OK;
}

/* Multipart. */

static int is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Reads a parameter value (a token or a quoted-string) at *pp into out,
 * advancing *pp. Returns 0, or -1 when there is none or a quote is open.
 */
static int param_value(const char **pp, const char *end, struct buf *out)
{
	const char *p = *pp;

	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (*p == '\r' || *p == '\n')
				return -1;
			buf_addch(out, *p);
		}
		if (p >= end)
			return -1;
		*pp = p + 1;
		return 0;
	}
	while (p < end && is_tchar((unsigned char)*p))
		buf_addch(out, *p++);
	if (p == *pp)
		return -1;
	*pp = p;
	return 0;
}

/*
 * Walks "; name=value" parameters after a media type or disposition
 * type, calling found for each. Returns 0, or -1 when the syntax is bad.
 */
static int each_param(const char *p, const char *end,
                      void (*found)(void *ctx, const char *name, size_t n,
                                    struct buf *value),
                      void *ctx)
{
	for (;;) {
		struct buf value = BUF_INIT;
		const char *name;

		p = skip_ows(p, end);
		if (p == end)
			return 0;
		if (*p != ';')
			return -1;
		p = skip_ows(p + 1, end);
		if (p == end)
			return 0; /* a trailing ';' is harmless */
		name = p;
		while (p < end && is_tchar((unsigned char)*p))
			p++;
		if (p == name || p == end || *p != '=')
			return -1;
		const char *name_end = p++;
		if (param_value(&p, end, &value) < 0) {
			buf_release(&value);
			return -1;
		}
		found(ctx, name, (size_t)(name_end - name), &value);
		buf_release(&value);
	}
}

/* Matches a parameter name (ASCII case-insensitive) and keeps its value. */
struct wanted {
	const char *name;
	struct buf *value;
	int seen;
};

static void keep_param(void *ctx, const char *name, size_t n, struct buf *value)
{
	struct wanted *w = ctx;

	if (strlen(w->name) == n && !strncasecmp(name, w->name, n)) {
		buf_reset(w->value);
		buf_add(w->value, value->data, value->len);
		w->seen++;
	}
}

static void ignore_param(void *ctx, const char *name, size_t n,
                         struct buf *value)
{
}

/* A part's name and, for a file, its filename. */
struct disposition {
	struct wanted name, filename;
};

static void keep_disposition(void *ctx, const char *name, size_t n,
                             struct buf *value)
{
	struct disposition *dp = ctx;

	keep_param(&dp->name, name, n, value);
	keep_param(&dp->filename, name, n, value);
}

/*
 * Reads "form-data; name=...[; filename=...]" from a Content-Disposition
 * value; *is_file says whether a filename was there.
 */
static int disposition_name(const char *v, const char *end, struct buf *name,
                            struct buf *filename, int *is_file)
{
	struct disposition dp = {{"name", name, 0}, {"filename", filename, 0}};
	const char *p = skip_ows(v, end);

	if ((size_t)(end - p) < 9 || strncasecmp(p, "form-data", 9) != 0)
		return -1;
	p += 9;
	if (p < end && is_tchar((unsigned char)*p))
		return -1;
	if (each_param(p, end, keep_disposition, &dp) < 0 ||
	    dp.name.seen != 1 || dp.filename.seen > 1)
		return -1;
	*is_file = dp.filename.seen == 1;
	return 0;
}

/* Finds the end of a line (CRLF) at p; NULL when there is none. */
static const char *line_end(const char *p, const char *end)
{
	return memmem(p, (size_t)(end - p), "\r\n", 2);
}

/*
 * Reads a part's header lines at *pp up to the empty line, finding the
 * field name. Returns 0 and advances *pp to the content, or -1.
 */
static int part_headers(const char **pp, const char *end, struct buf *name,
                        struct buf *filename, int *is_file)
{
	const char *p = *pp;
	int lines = 0, named = 0;

	for (;;) {
		const char *eol = line_end(p, end), *colon;

		if (!eol)
			return -1;
		if (eol == p)
			break;
		if (++lines > MAX_PART_HEADERS)
			return -1;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return -1;
		for (const char *q = p; q < colon; q++)
			if (!is_tchar((unsigned char)*q))
				return -1;
		if (colon - p == 19 &&
		    !strncasecmp(p, "Content-Disposition", 19)) {
			if (named || disposition_name(colon + 1, eol, name,
			                              filename, is_file) < 0)
				return -1;
			named = 1;
		}
		p = eol + 2;
	}
	if (!named)
		return -1;
	*pp = p + 2;
	return 0;
}

static int bad_multipart(const char *why, struct err *err)
{
	err_set(err, "multipart/form-data body is malformed: %s", why);
	return FORM_MALFORMED;
}

/*
 * After a delimiter: "--" ends the body; otherwise optional transport
 * padding and CRLF begin the next part. Returns 1 at the end, 0 for
 * another part (advancing *pp past the CRLF), -1 when malformed.
 */
static int after_delimiter(const char **pp, const char *end)
{
	const char *p = *pp;

	if (end - p >= 2 && p[0] == '-' && p[1] == '-')
		return 1;
	p = skip_ows(p, end);
	if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
		return -1;
	*pp = p + 2;
	return 0;
}

/*
 * Reads the part at *pp (its headers, its content up to the next
 * delimiter) into f, advancing *pp past the delimiter. FORM_OK, or a
 * negative enum form_status with err set.
 */
static int read_part(struct form *f, const char **pp, const char *end,
                     const struct buf *delim, struct err *err)
{
	struct buf name = BUF_INIT, value = BUF_INIT, filename = BUF_INIT;
	const char *p = *pp, *stop = NULL;
	int is_file = 0, r;

	if (part_headers(&p, end, &name, &filename, &is_file) < 0)
		r = bad_multipart("a part's headers are bad or lack "
		                  "Content-Disposition: form-data; name=",
		                  err);
	else if (!(stop = memmem(p, (size_t)(end - p), delim->data,
	                         delim->len)))
		r = bad_multipart("a part is not closed by a boundary line",
		                  err);
	else {
		buf_add(&value, p, (size_t)(stop - p));
		r = is_file ? add_file(f, &name, &value, &filename, err)
		            : add_field(f, &name, &value, err);
		*pp = stop + delim->len;
	}
	buf_release(&name);
	buf_release(&value);
	buf_release(&filename);
	return r;
}

int form_parse_multipart(struct form *f, const char *boundary, const char *body,
                         size_t len, struct err *err)
{
	const char *end = body + len, *p;
	struct buf delim = BUF_INIT;
	size_t blen = strlen(boundary);
	int ret = FORM_MALFORMED, r;

	if (blen == 0 || blen > FORM_MAX_BOUNDARY)
		return bad_multipart("the boundary is empty or too long", err);
	/* The first delimiter may start the body, or follow a preamble. */
	buf_addf(&delim, "\r\n--%s", boundary);
	if (len >= delim.len - 2 &&
	    !memcmp(body, delim.data + 2, delim.len - 2))
		p = body + delim.len - 2;
	else if ((p = memmem(body, len, delim.data, delim.len)))
		p += delim.len;
	else {
		bad_multipart("no boundary line", err);
		goto out;
	}
	while ((r = after_delimiter(&p, end)) == 0) {
		r = read_part(f, &p, end, &delim, err);
		if (r < 0) {
			ret = r;
			goto out;
		}
	}
	if (r < 0) {
		bad_multipart("a boundary line is not followed by CRLF", err);
		goto out;
	}
	ret = FORM_OK;
out:
	buf_release(&delim);
	return ret;
}

/* Content-Type dispatch. */

int form_parse(struct form *f, const char *content_type, const char *body,
               size_t len, struct err *err)
{
	const char *p, *end, *slash;
	size_t tlen;

	if (!content_type || !*content_type) {
		if (len == 0)
			return FORM_OK;
		err_set(err, "a request body needs a Content-Type");
		return FORM_UNSUPPORTED;
	}
	end = content_type + strlen(content_type);
	p = skip_ows(content_type, end);
	slash = p;
	while (slash < end && is_tchar((unsigned char)*slash))
		slash++;
	if (slash == end || *slash != '/')
		goto unsupported;
	const char *sub = slash + 1, *sub_end = sub;
	while (sub_end < end && is_tchar((unsigned char)*sub_end))
		sub_end++;
	tlen = (size_t)(sub_end - p);
	if (tlen == 33 &&
	    !strncasecmp(p, "application/x-www-form-urlencoded", tlen)) {
		/* Parameters (a charset) change nothing: UTF-8 is checked. */
		if (each_param(sub_end, end, ignore_param, NULL) < 0) {
			err_set(err, "Content-Type has bad parameters");
			return FORM_MALFORMED;
		}
		return form_parse_urlencoded(f, body, len, err);
	}
	if (tlen == 19 && !strncasecmp(p, "multipart/form-data", tlen)) {
		struct buf boundary = BUF_INIT;
		struct wanted w = {"boundary", &boundary, 0};
		int ret;

		if (each_param(sub_end, end, keep_param, &w) < 0 ||
		    w.seen != 1) {
			buf_release(&boundary);
			err_set(err, "multipart/form-data needs one boundary "
			             "parameter");
			return FORM_MALFORMED;
		}
		ret = form_parse_multipart(f, boundary.data, body, len, err);
		buf_release(&boundary);
		return ret;
	}
unsupported:
	err_set(err,
	        "Content-Type '%.60s' is not a form: send "
	        "application/x-www-form-urlencoded or multipart/form-data",
	        content_type);
	return FORM_UNSUPPORTED;
}
