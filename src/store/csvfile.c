#include "csvfile.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "text.h"
#include "store_topics.h"
#include "banned.h"

/*
 * Strict: a quote inside an unquoted field, or text after a closing
 * quote, is an error rather than a guess. REPALL_NL: every newline is
 * reported, blank lines included, so that line numbers can be counted.
 */
#define PARSER_OPTIONS (CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL)

enum column { COL_OTHER, COL_EMAIL, COL_NAME, COL_ORG, COL_TOPICS };

#define NCOLS 4 /* the columns read: email, name, organisation, topics */

struct reader {
	const char *name; /* for messages */
	struct csv_parser parser;
	int (*fn)(const struct csvfile_row *row, void *ctx);
	void *ctx;
	struct err *err;
	int stop;   /* fn's non-zero return, or -1 on a fatal error */
	long line;  /* the line being fed */
	long start; /* the line where the current record started */
	size_t record_bytes;
	int ended;     /* a record ended in the piece being fed */
	int skip_line; /* dropping input up to the next newline */

	int have_header;
	int ncols;
	int col[NCOLS]; /* index of each column read, -1: none */

	int nfields; /* of the current record */
	struct buf field[NCOLS];
	struct buf why; /* the first problem with the current record */
};

static const char *const column_names[] = {"", "email", "name", "organisation",
                                           "topics"};

/* Whether s[0..n) is UTF-8 (RFC 3629: no overlongs, surrogates). */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, min, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if (len > n - i)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* Control characters other than the white space that folds to ' '. */
static int has_control(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\r' &&
		     s[i] != '\n') ||
		    s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Names and organisations end up in message headers and on one line of a
 * page: runs of white space, line breaks included (spreadsheets allow them
 * in a cell), become one space, and none is left at either end.
 */
static void add_folded(struct buf *b, const unsigned char *s, size_t n)
{
	size_t i = 0;

	/* The usual field has nothing to fold: copy it whole. */
	while (i < n && s[i] > ' ')
		i++;
	while (i < n && s[i] == ' ' && i + 1 < n && s[i + 1] > ' ') {
		i++;
		while (i < n && s[i] > ' ')
			i++;
	}
	if (i == n && (!n || s[0] > ' ')) {
		buf_add(b, s, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\t' ||
		    s[i] == ' ') {
			if (b->len && b->data[b->len - 1] != ' ')
				buf_addch(b, ' ');
		} else {
			buf_addch(b, s[i]);
		}
	}
	while (b->len && b->data[b->len - 1] == ' ')
		buf_setlen(b, b->len - 1);
}

static enum column column_of(const char *s, size_t n)
{
	if (n == 5 && !strncasecmp(s, "email", 5))
		return COL_EMAIL;
	if (n == 4 && !strncasecmp(s, "name", 4))
		return COL_NAME;
	if (n == 12 && (!strncasecmp(s, "organisation", 12) ||
	                !strncasecmp(s, "organization", 12)))
		return COL_ORG;
	if (n == 6 && !strncasecmp(s, "topics", 6))
		return COL_TOPICS;
	return COL_OTHER;
}

static int fatal(struct reader *r, long line, const char *fmt, const char *what)
{
	struct buf msg = BUF_INIT;

	buf_addf(&msg, fmt, what);
	err_set(r->err, "%s:%ld: %s", r->name, line, msg.data);
	buf_release(&msg);
	r->stop = -1;
	return -1;
}

static void header_field(struct reader *r, int i, const char *s, size_t n)
{
	enum column c = column_of(s, n);

	if (c == COL_OTHER || r->stop)
		return;
	if (r->col[c - 1] >= 0) {
		fatal(r, r->start,
		      "the header names the %s column twice; keep one",
		      column_names[c]);
		return;
	}
	r->col[c - 1] = i;
}

static void reset_record(struct reader *r)
{
	r->nfields = 0;
	for (int i = 0; i < NCOLS; i++)
		buf_reset(&r->field[i]);
	buf_reset(&r->why);
}

static void describe_field(struct reader *r, int i)
{
	for (int c = 0; c < NCOLS; c++) {
		if (r->col[c] == i) {
			buf_addf(&r->why, "the %s field", column_names[c + 1]);
			return;
		}
	}
	buf_addf(&r->why, "field %d", i + 1);
}

static void on_field(void *data, size_t n, void *ctx)
{
	struct reader *r = ctx;
	const unsigned char *s = data ? data : (const unsigned char *)"";
	int i = r->nfields++;
	unsigned bidi;

	if (r->stop)
		return;
	if (!r->have_header) {
		header_field(r, i, (const char *)s, n);
		return;
	}
	if (r->why.len)
		return;
	if (n > CSVFILE_FIELD_MAX) {
		describe_field(r, i);
		buf_addf(&r->why, " is longer than %d bytes",
		         CSVFILE_FIELD_MAX);
	} else if (!utf8_ok(s, n)) {
		describe_field(r, i);
		buf_adds(&r->why, " is not valid UTF-8 (save the file as "
		                  "CSV UTF-8)");
	}
	for (int c = 0; c < NCOLS && !r->why.len; c++) {
		if (r->col[c] != i)
			continue;
		if (c == 0) {
			/* the address check names what is wrong with it */
			buf_add(&r->field[c], s, n);
		} else if (has_control(s, n)) {
			describe_field(r, i);
			buf_adds(&r->why, " contains a control character");
		} else if ((bidi = text_bidi_control((const char *)s, n))) {
			describe_field(r, i);
			buf_addf(&r->why,
			         " contains a hidden character that changes "
			         "the direction of the text (U+%04X); delete "
			         "it and type the text again",
			         bidi);
		} else {
			add_folded(&r->field[c], s, n);
		}
	}
}

static void header_done(struct reader *r, long start)
{
	r->have_header = 1;
	r->ncols = r->nfields;
	if (r->col[0] < 0 && !r->stop)
		fatal(r, start,
		      "the header has no '%s' column (the first line "
		      "names the columns: email,name,organisation)",
		      "email");
}

static void on_record(int c, void *ctx)
{
	struct reader *r = ctx;
	struct csvfile_row row;
	long start = r->start;

	(void)c;
	r->start = r->line + 1;
	r->ended = 1;
	if (r->stop || r->nfields == 0) {
		reset_record(r);
		return;
	}
	if (!r->have_header) {
		header_done(r, start);
		reset_record(r);
		return;
	}
	if (!r->why.len && r->nfields != r->ncols)
		buf_addf(&r->why, "%d field%s where the header has %d",
		         r->nfields, r->nfields == 1 ? "" : "s", r->ncols);
	row = (struct csvfile_row){
	        .line = start,
	        .error = r->why.len ? r->why.data : NULL,
	        .email = r->field[0].data,
	        .name = r->field[1].data,
	        .organisation = r->field[2].data,
	        .topics = r->field[3].data,
	};
	r->stop = r->fn(&row, r->ctx);
	reset_record(r);
}

/* Reports the current record as bad and starts afresh at the next line. */
static void bad_record(struct reader *r, const char *why)
{
	struct csvfile_row row = {.line = r->start, .error = why};

	if (!r->have_header) {
		fatal(r, r->start, "the header cannot be read: %s", why);
		return;
	}
	r->stop = r->fn(&row, r->ctx);
	csv_free(&r->parser);
	csv_init(&r->parser, PARSER_OPTIONS);
	reset_record(r);
	r->record_bytes = 0;
	r->skip_line = 1;
}

static void parse_piece(struct reader *r, const char *s, size_t n)
{
	size_t used;

	r->ended = 0;
	used = csv_parse(&r->parser, s, n, on_field, on_record, r);
	if (r->stop)
		return;
	if (used < n) {
		bad_record(r, "malformed quoting (a quote inside an unquoted "
		              "field, or text after a closing quote)");
		return;
	}
	r->record_bytes = r->ended ? 0 : r->record_bytes + n;
	if (r->record_bytes > CSVFILE_RECORD_MAX)
		bad_record(r, "record longer than 65536 bytes (is a quote "
		              "left open?)");
}

/* Feeds text to the parser a line at a time, to know the line numbers. */
static void feed(struct reader *r, const char *s, size_t n)
{
	while (n && !r->stop) {
		const char *nl = memchr(s, '\n', n);
		size_t piece = nl ? (size_t)(nl - s) + 1 : n;

		if (!r->skip_line)
			parse_piece(r, s, piece);
		if (nl) {
			r->line++;
			if (r->skip_line) {
				r->skip_line = 0;
				r->start = r->line;
			}
		}
		s += piece;
		n -= piece;
	}
}

static void reader_init(struct reader *r, const char *name,
                        int (*fn)(const struct csvfile_row *, void *),
                        void *ctx, struct err *err)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->fn = fn;
	r->ctx = ctx;
	r->err = err;
	r->line = r->start = 1;
	for (int i = 0; i < NCOLS; i++) {
		r->col[i] = -1;
		buf_init(&r->field[i]);
	}
	buf_init(&r->why);
	csv_init(&r->parser, PARSER_OPTIONS);
}

static int reader_finish(struct reader *r)
{
	if (!r->stop && !r->skip_line &&
	    csv_fini(&r->parser, on_field, on_record, r) != 0 && !r->stop)
		bad_record(r, "a quoted field is not closed before the end "
		              "of the file");
	if (!r->stop && !r->have_header)
		fatal(r, 1, "%s", "the file is empty (no header line)");
	csv_free(&r->parser);
	for (int i = 0; i < NCOLS; i++)
		buf_release(&r->field[i]);
	buf_release(&r->why);
	return r->stop;
}

static size_t skip_bom(const char *s, size_t n)
{
	return n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3) ? 3 : 0;
}

int csvfile_parse(const char *text, size_t len, const char *name,
                  int (*fn)(const struct csvfile_row *row, void *ctx),
                  void *ctx, struct err *err)
{
	struct reader r;
	size_t bom = skip_bom(text, len);

	reader_init(&r, name, fn, ctx, err);
	feed(&r, text + bom, len - bom);
	return reader_finish(&r);
}

int csvfile_read(const char *path, const char *name,
                 int (*fn)(const struct csvfile_row *row, void *ctx), void *ctx,
                 struct err *err)
{
	char chunk[65536];
	struct reader r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), first = 1;

	if (fd < 0)
		return err_errno(err, "cannot open %s", name);
	reader_init(&r, name, fn, ctx, err);
	while (!r.stop) {
		ssize_t got = read(fd, chunk, sizeof(chunk));
		size_t bom = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err_errno(err, "cannot read %s", name);
			r.stop = -1;
			break;
		}
		if (got == 0)
			break;
		if (first)
			bom = skip_bom(chunk, (size_t)got);
		first = 0;
		feed(&r, chunk + bom, (size_t)got - bom);
	}
	close(fd);
	return reader_finish(&r);
}

void csvfile_add_field(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (!n || (!strpbrk(s, ",\"\r\n") && s[0] != ' ' && s[n - 1] != ' ' &&
	           s[0] != '\t' && s[n - 1] != '\t')) {
		buf_add(b, s, n);
		return;
	}
	buf_addch(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_addch(b, '"');
		buf_addch(b, s[i]);
	}
	buf_addch(b, '"');
}

void csvfile_subscriber_header(struct buf *b)
{
	buf_adds(b, "email,name,organisation,status,source,created,"
	            "confirmed,left,consent_text,consent_at,topics\r\n");
}

/* ",YYYY-MM-DDTHH:MM:SSZ", or "," for never. */
static void add_time(struct buf *b, int64_t t)
{
	char text[32];
	time_t tt = (time_t)t;
	struct tm tm;

	buf_addch(b, ',');
	if (t && gmtime_r(&tt, &tm)) {
		strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
		buf_adds(b, text);
	}
}

void csvfile_subscriber_row(struct buf *b, const struct store_subscriber *s,
                            const struct store_topics *topics,
                            struct buf *scratch)
{
	csvfile_add_field(b, s->email);
	buf_addch(b, ',');
	csvfile_add_field(b, s->name);
	buf_addch(b, ',');
	csvfile_add_field(b, s->organisation);
	buf_addf(b, ",%s,%s", store_status_name(s->status), s->source);
	add_time(b, s->created);
	add_time(b, s->confirmed);
	add_time(b, s->left);
	buf_addch(b, ',');
	csvfile_add_field(b, s->consent_text ? s->consent_text : "");
	add_time(b, s->consent_at);
	buf_addch(b, ',');
	if (topics) {
		buf_reset(scratch);
		store_topics_keys(topics, s->topics, ", ", scratch);
		csvfile_add_field(b, scratch->data);
	}
	buf_adds(b, "\r\n");
}
