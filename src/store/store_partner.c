#include "store_partner.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "address.h"
#include "buf.h"
#include "text.h"
#include "json.h"
#include "sha256.h"
#include "store_impl.h"
#include "store_issue.h"
#include "token.h"
#include "banned.h"

#define PARTNER_COLS "id, name, slug, secret, created_at"

static const char base32[] = "abcdefghijklmnopqrstuvwxyz234567";

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

static sqlite3_stmt *prepare(struct store *st, const char *sql,
                             const char *what, struct err *err)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_fail(st, what, err);
		return NULL;
	}
	return s;
}

/* Steps a statement that returns no rows and finalizes it. */
static int finish(struct store *st, sqlite3_stmt *s, const char *what,
                  struct err *err)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_db_fail(st, what, err);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Finalizes s after the step that returned rc: 1 a row, 0 none, -1. */
static int row_end(struct store *st, sqlite3_stmt *s, int rc, const char *what,
                   struct err *err)
{
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_db_fail(st, what, err);
}

/*
 * Runs sql with id as its first parameter and text (unless NULL) as its
 * second; *changes (unless NULL) gets the rows touched.
 */
static int run_id(struct store *st, const char *sql, int64_t id,
                  const char *text, const char *what, int *changes,
                  struct err *err)
{
	sqlite3_stmt *s = prepare(st, sql, what, err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (text)
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	if (finish(st, s, what, err) < 0)
		return -1;
	if (changes)
		*changes = sqlite3_changes(st->db);
	return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
	sqlite3_bind_text(s, i, t ? t : "", -1, SQLITE_STATIC);
}

/* Secrets. */

int store_partner_secret_valid(const char *s)
{
	size_t i;

	for (i = 0; i < STORE_PARTNER_SECRET_LEN && s[i]; i++)
		if (!strchr(base32, s[i]))
			return 0;
	return i == STORE_PARTNER_SECRET_LEN && !s[i];
}

/* 16 random bytes as 26 base32 digits (the last 2 bits are zero). */
static int new_secret(char out[STORE_PARTNER_SECRET_LEN + 1], struct err *err)
{
	unsigned char bytes[TOKEN_BYTES];
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	if (token_random_bytes(bytes, sizeof(bytes), err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(bytes); i++) {
		acc = (acc << 8) | bytes[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = base32[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[n++] = base32[(acc << (5 - bits)) & 31];
	out[n] = '\0';
	memset(bytes, 0, sizeof(bytes));
	return 0;
}

static void secret_hash(const char *secret, unsigned char out[SHA256_LEN])
{
	sha256_digest(secret, STORE_PARTNER_SECRET_LEN, out);
}

/* Compares two secrets in time that does not depend on where they differ. */
static int same_secret(const char *a, const char *b)
{
	unsigned diff = 0;

	for (int i = 0; i < STORE_PARTNER_SECRET_LEN; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

int store_partner_owns(const struct store_partner *p, const char *field)
{
	size_t n;

	if (!field)
		return 0;
	while (*field == ' ' || *field == '\t')
		field++;
	n = strlen(field);
	while (n && (field[n - 1] == ' ' || field[n - 1] == '\t'))
		n--;
	return (strlen(p->name) == n && !strncasecmp(p->name, field, n)) ||
	       (strlen(p->slug) == n && !strncmp(p->slug, field, n));
}

void store_partner_link(const char *base_url, const char *secret,
                        struct buf *out)
{
	buf_addf(out, "%s/contribute/%s", base_url, secret);
}

void store_partner_address(const char *domain, const char *secret,
                           struct buf *out)
{
	buf_addf(out, "contribute+%s@%s", secret, domain);
}

/* Names and slugs. */

void store_partner_slugify(const char *name, struct buf *out)
{
	int dash = 0;

	buf_reset(out);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (isalnum(*p) && *p < 0x80) {
			if (dash && out->len)
				buf_addch(out, '-');
			dash = 0;
			if (out->len >= STORE_PARTNER_SLUG_MAX)
				break;
			buf_addch(out, (char)tolower(*p));
		} else {
			dash = 1;
		}
	}
	while (out->len > STORE_PARTNER_SLUG_MAX ||
	       (out->len && out->data[out->len - 1] == '-'))
		buf_setlen(out, out->len - 1);
	if (!out->len)
		buf_adds(out, "partner");
}

int store_partner_check_slug(const char *slug, struct err *err)
{
	size_t n = strlen(slug);

	if (!n || n > STORE_PARTNER_SLUG_MAX)
		return err_set(err,
		               "the short name '%s' must be 1 to %d characters",
		               slug, STORE_PARTNER_SLUG_MAX);
	if (strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") != n ||
	    slug[0] == '-' || slug[n - 1] == '-')
		return err_set(
		        err,
		        "the short name '%s' may hold only small letters "
		        "a-z, digits and '-' (not first or last), e.g. "
		        "'luton-council'",
		        slug);
	return 0;
}

/* Reading partners. */

void store_partner_release(struct store_partner *p)
{
	free(p->name);
	free(p->slug);
	free(p->secret);
	for (size_t i = 0; i < p->ncontacts; i++)
		free(p->contacts[i]);
	free(p->contacts);
	memset(p, 0, sizeof(*p));
}

static char *col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

static void read_partner(sqlite3_stmt *s, struct store_partner *p)
{
	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(s, 0);
	p->name = col(s, 1);
	p->slug = col(s, 2);
	p->secret = col(s, 3);
	p->created = sqlite3_column_int64(s, 4);
}

static int read_contacts(struct store *st, struct store_partner *p,
                         struct err *err)
{
	sqlite3_stmt *s = prepare(st,
	                          "SELECT email FROM partner_contacts WHERE "
	                          "partner_id = ? ORDER BY id",
	                          "cannot read a partner's contacts", err);
	size_t cap = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, p->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (p->ncontacts == cap) {
			cap = cap ? 2 * cap : 4;
			p->contacts = xrealloc(p->contacts,
			                       cap * sizeof(*p->contacts));
		}
		p->contacts[p->ncontacts++] = col(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read a partner's contacts",
		                     err);
	return 0;
}

/*
 * Runs a query for one partner (its parameter a text, or a blob of len
 * bytes when len > 0) and fills *out with it and its contacts.
 */
static int find_one(struct store *st, const char *sql, const void *key, int len,
                    struct store_partner *out, struct err *err)
{
	sqlite3_stmt *s = prepare(st, sql, "cannot look a partner up", err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	if (len > 0)
		sqlite3_bind_blob(s, 1, key, len, SQLITE_STATIC);
	else
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		read_partner(s, out);
	rc = row_end(st, s, rc, "cannot look a partner up", err);
	if (rc <= 0)
		return rc;
	if (read_contacts(st, out, err) < 0) {
		store_partner_release(out);
		return -1;
	}
	return 1;
}

int store_partner_find(struct store *st, const char *name_or_slug,
                       struct store_partner *out, struct err *err)
{
	return find_one(st,
	                "SELECT " PARTNER_COLS " FROM partners WHERE name = ? "
	                "OR slug = lower(?1) ORDER BY name <> ?1 LIMIT 1",
	                name_or_slug, 0, out, err);
}

int store_partner_find_secret(struct store *st, const char *secret,
                              struct store_partner *out, struct err *err)
{
	char lower[STORE_PARTNER_SECRET_LEN + 1];
	unsigned char hash[SHA256_LEN];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < STORE_PARTNER_SECRET_LEN && secret[i]; i++)
		lower[i] = (char)tolower((unsigned char)secret[i]);
	lower[i] = '\0';
	if (secret[i] || !store_partner_secret_valid(lower))
		return 0;
	secret_hash(lower, hash);
	r = find_one(st,
	             "SELECT " PARTNER_COLS " FROM partners WHERE "
	             "secret_hash = ?",
	             hash, SHA256_LEN, out, err);
	if (r == 1 && (strlen(out->secret) != STORE_PARTNER_SECRET_LEN ||
	               !same_secret(out->secret, lower))) {
		store_partner_release(out);
		r = 0;
	}
	memset(lower, 0, sizeof(lower));
	return r;
}

void store_partners_release(struct store_partners *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		store_partner_release(&ps->v[i]);
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

int store_partner_list(struct store *st, struct store_partners *out,
                       struct err *err)
{
	sqlite3_stmt *s = prepare(st,
	                          "SELECT " PARTNER_COLS " FROM partners "
	                          "ORDER BY name, id",
	                          "cannot list the partners", err);
	size_t cap = 0;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? 2 * cap : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		read_partner(s, &out->v[out->n++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_partners_release(out);
		return store_db_fail(st, "cannot list the partners", err);
	}
	for (size_t i = 0; i < out->n; i++) {
		if (read_contacts(st, &out->v[i], err) < 0) {
			store_partners_release(out);
			return -1;
		}
	}
	return 0;
}

char **store_partner_names(struct store *st, size_t *n, struct err *err)
{
	struct store_partners ps;
	char **names;

	*n = 0;
	if (store_partner_list(st, &ps, err) < 0)
		return NULL;
	names = xcalloc(ps.n ? 2 * ps.n : 1, sizeof(*names));
	for (size_t i = 0; i < ps.n; i++) {
		names[(*n)++] = xstrdup(ps.v[i].name);
		names[(*n)++] = xstrdup(ps.v[i].slug);
	}
	store_partners_release(&ps);
	return names;
}

void store_partner_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Events. */

static int add_event(struct store *st, int64_t id, const char *partner,
                     const char *what, const char *who, const char *detail,
                     struct err *err)
{
	sqlite3_stmt *s = prepare(
	        st,
	        "INSERT INTO partner_events (at, partner_id, partner, what, "
	        "who, detail) VALUES (?, ?, coalesce(?, (SELECT name FROM "
	        "partners WHERE id = ?2), ''), ?, ?, ?)",
	        "cannot record a partner's event", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, now());
	sqlite3_bind_int64(s, 2, id);
	if (partner)
		sqlite3_bind_text(s, 3, partner, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	bind_text(s, 4, what);
	bind_text(s, 5, who ? who : "unknown");
	bind_text(s, 6, detail);
	return finish(st, s, "cannot record a partner's event", err);
}

int store_partner_event(struct store *st, int64_t id, const char *what,
                        const char *who, const char *detail, struct err *err)
{
	return add_event(st, id, NULL, what, who, detail, err);
}

int store_partner_each_event(struct store *st, int64_t id,
                             int (*fn)(const struct store_partner_ev *ev,
                                       void *ctx),
                             void *ctx, struct err *err)
{
	sqlite3_stmt *s =
	        prepare(st,
	                "SELECT id, at, partner_id, partner, what, "
	                "who, detail FROM partner_events WHERE ?1 = 0 "
	                "OR partner_id = ?1 ORDER BY id",
	                "cannot read the partners' events", err);
	int rc, ret = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_partner_ev ev = {
		        .id = sqlite3_column_int64(s, 0),
		        .at = sqlite3_column_int64(s, 1),
		        .partner_id = sqlite3_column_int64(s, 2),
		        .partner = (const char *)sqlite3_column_text(s, 3),
		        .what = (const char *)sqlite3_column_text(s, 4),
		        .who = (const char *)sqlite3_column_text(s, 5),
		        .detail = (const char *)sqlite3_column_text(s, 6),
		};
		ret = fn(&ev, ctx);
	}
	sqlite3_finalize(s);
	if (!ret && rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the partners' events",
		                     err);
	return ret;
}

/* Adding, removing, changing. */

/*
 * 1 (with err saying so, and *field which) when a partner has this name
 * or slug already.
 */
static int taken(struct store *st, const char *name, const char *slug,
                 enum store_partner_field *field, struct err *err)
{
	sqlite3_stmt *s = prepare(st,
	                          "SELECT name, name = ?1 FROM partners WHERE "
	                          "name = ?1 OR slug = ?2 ORDER BY name = ?1 "
	                          "DESC LIMIT 1",
	                          "cannot look a partner up", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_int(s, 1)) {
		err_set(err, "there is already a partner called '%s'",
		        (const char *)sqlite3_column_text(s, 0));
		*field = STORE_PARTNER_FIELD_NAME;
	} else if (rc == SQLITE_ROW) {
		err_set(err,
		        "the short name '%s' is already used by '%s': give "
		        "another",
		        slug, (const char *)sqlite3_column_text(s, 0));
		*field = STORE_PARTNER_FIELD_SLUG;
	}
	return row_end(st, s, rc, "cannot look a partner up", err);
}

static int insert_contact(struct store *st, int64_t id, const char *addr,
                          int *added, struct err *err)
{
	int changes = 0;

	if (run_id(st,
	           "INSERT INTO partner_contacts (partner_id, email) VALUES "
	           "(?, ?) ON CONFLICT DO NOTHING",
	           id, addr, "cannot add a contact", &changes, err) < 0)
		return -1;
	*added = changes > 0;
	return 0;
}

static int insert_partner(struct store *st, const char *name, const char *slug,
                          const char *secret, int64_t *id, struct err *err)
{
	unsigned char hash[SHA256_LEN];
	sqlite3_stmt *s =
	        prepare(st,
	                "INSERT INTO partners (name, slug, secret, "
	                "secret_hash, created_at) VALUES (?, ?, ?, ?, "
	                "?)",
	                "cannot add the partner", err);

	if (!s)
		return -1;
	secret_hash(secret, hash);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, secret, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, hash, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now());
	if (finish(st, s, "cannot add the partner", err) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* -1 with err when a name could mislead or break a line where shown. */
static int check_name_text(const char *name, size_t len, struct err *err)
{
	unsigned bidi;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return err_set(
			        err,
			        "the name holds a control character (a "
			        "line break or tab): write it on one line");
	if (!text_utf8_valid(name, len))
		return err_set(err, "the name is not UTF-8 text: type it "
		                    "again in a UTF-8 terminal");
	bidi = text_bidi_control(name, len);
	if (bidi)
		return err_set(err,
		               "the name has a hidden character that changes "
		               "the direction of the text (U+%04X): type it "
		               "again without it",
		               bidi);
	return 0;
}

/* The name trimmed into out; -1 with err when empty, too long or broken. */
static int clean_name(const char *name, struct buf *out, struct err *err)
{
	const char *end;

	buf_reset(out);
	while (*name == ' ' || *name == '\t')
		name++;
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	buf_add(out, name, (size_t)(end - name));
	if (!out->len)
		return err_set(err, "a partner needs a name");
	if (check_name_text(out->data, out->len, err) < 0)
		return -1;
	if (out->len > STORE_PARTNER_NAME_MAX)
		return err_set(err,
		               "the name '%s' is longer than %d characters",
		               out->data, STORE_PARTNER_NAME_MAX);
	return 0;
}

/* Normalises every contact into addrs (a NUL-separated list). */
static int clean_contacts(const struct store_partner_new *p, struct buf *addrs,
                          struct err *err)
{
	struct buf one = BUF_INIT;
	int ret = 0;

	if (!p->ncontacts)
		ret = err_set(err,
		              "a partner needs at least one contact address");
	else if (p->ncontacts > STORE_PARTNER_CONTACTS_MAX)
		ret = err_set(err,
		              "a partner has at most %d contact addresses: "
		              "keep those who send pieces",
		              STORE_PARTNER_CONTACTS_MAX);
	for (size_t i = 0; !ret && i < p->ncontacts; i++) {
		ret = address_normalise(p->contacts[i], strlen(p->contacts[i]),
		                        &one, err);
		buf_add(addrs, one.data, one.len + 1);
	}
	buf_release(&one);
	return ret;
}

/* A new partner's details cleaned: the name trimmed, the slug, the
 * addresses normalised (a NUL-separated list); -1 with err and *field. */
struct cleaned {
	struct buf name, slug, addrs;
};

static void cleaned_release(struct cleaned *c)
{
	buf_release(&c->name);
	buf_release(&c->slug);
	buf_release(&c->addrs);
}

static int clean_new(const struct store_partner_new *p, struct cleaned *c,
                     enum store_partner_field *field, struct err *err)
{
	buf_init(&c->name);
	buf_init(&c->slug);
	buf_init(&c->addrs);
	*field = STORE_PARTNER_FIELD_NAME;
	if (clean_name(p->name ? p->name : "", &c->name, err) < 0)
		return -1;
	*field = STORE_PARTNER_FIELD_SLUG;
	if (p->slug && *p->slug)
		buf_adds(&c->slug, p->slug);
	else
		store_partner_slugify(c->name.data, &c->slug);
	if (store_partner_check_slug(c->slug.data, err) < 0)
		return -1;
	*field = STORE_PARTNER_FIELD_CONTACTS;
	if (clean_contacts(p, &c->addrs, err) < 0)
		return -1;
	*field = STORE_PARTNER_FIELD_NONE;
	return 0;
}

int store_partner_check_new(struct store *st, const struct store_partner_new *p,
                            enum store_partner_field *field, struct err *err)
{
	enum store_partner_field which = STORE_PARTNER_FIELD_NONE;
	struct cleaned c;
	int ret = clean_new(p, &c, &which, err);

	if (ret == 0 && st &&
	    taken(st, c.name.data, c.slug.data, &which, err) != 0)
		ret = -1;
	if (field)
		*field = ret < 0 ? which : STORE_PARTNER_FIELD_NONE;
	cleaned_release(&c);
	return ret;
}

static int add_rows(struct store *st, const char *name, const char *slug,
                    const struct buf *addrs, const char *who, int64_t *id,
                    struct err *err)
{
	char secret[STORE_PARTNER_SECRET_LEN + 1];
	enum store_partner_field field;
	int ret = -1, added;

	if (taken(st, name, slug, &field, err) != 0 ||
	    new_secret(secret, err) < 0)
		return -1;
	if (insert_partner(st, name, slug, secret, id, err) < 0)
		goto out;
	for (size_t off = 0; off < addrs->len;) {
		const char *a = addrs->data + off;

		if (insert_contact(st, *id, a, &added, err) < 0)
			goto out;
		off += strlen(a) + 1;
	}
	ret = add_event(st, *id, NULL, "added", who, slug, err);
out:
	memset(secret, 0, sizeof(secret));
	return ret;
}

int store_partner_add(struct store *st, const struct store_partner_new *p,
                      struct store_partner *out, struct err *err)
{
	enum store_partner_field field;
	struct cleaned c;
	int64_t id = 0;
	int ret = -1;

	if (out)
		memset(out, 0, sizeof(*out));
	if (clean_new(p, &c, &field, err) < 0 || store_write_begin(st, err) < 0)
		goto out;
	ret = store_write_end(st,
	                      add_rows(st, c.name.data, c.slug.data, &c.addrs,
	                               p->who, &id, err),
	                      err);
	if (ret == 0 && out &&
	    find_one(st, "SELECT " PARTNER_COLS " FROM partners WHERE slug = ?",
	             c.slug.data, 0, out, err) < 0)
		ret = -1;
out:
	cleaned_release(&c);
	return ret;
}

/* The name of partner id into name: 1, 0 no such partner, -1. */
static int name_of(struct store *st, int64_t id, struct buf *name,
                   struct err *err)
{
	sqlite3_stmt *s = prepare(st, "SELECT name FROM partners WHERE id = ?",
	                          "cannot look a partner up", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		buf_adds(name, (const char *)sqlite3_column_text(s, 0));
	return row_end(st, s, rc, "cannot look a partner up", err);
}

static int remove_rows(struct store *st, int64_t id, const char *who,
                       struct err *err)
{
	struct buf name = BUF_INIT;
	int r = name_of(st, id, &name, err);

	if (r == 1 &&
	    (add_event(st, id, name.data, "removed", who, NULL, err) < 0 ||
	     run_id(st, "DELETE FROM partners WHERE id = ?", id, NULL,
	            "cannot remove the partner", NULL, err) < 0))
		r = -1;
	buf_release(&name);
	return r;
}

int store_partner_remove(struct store *st, int64_t id, const char *who,
                         struct err *err)
{
	if (store_write_begin(st, err) < 0)
		return -1;
	return store_write_end(st, remove_rows(st, id, who, err), err);
}

static int rotate_rows(struct store *st, int64_t id, const char *who,
                       const char *secret, struct err *err)
{
	unsigned char hash[SHA256_LEN];
	sqlite3_stmt *s = prepare(st,
	                          "UPDATE partners SET secret = ?, secret_hash "
	                          "= ? WHERE id = ?",
	                          "cannot give the partner a new link", err);
	int changes;

	if (!s)
		return -1;
	secret_hash(secret, hash);
	sqlite3_bind_text(s, 1, secret, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, hash, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	if (finish(st, s, "cannot give the partner a new link", err) < 0)
		return -1;
	changes = sqlite3_changes(st->db);
	if (!changes)
		return 0;
	if (add_event(st, id, NULL, "rotated", who,
	              "a new link; the old one no longer works", err) < 0)
		return -1;
	return 1;
}

int store_partner_rotate(struct store *st, int64_t id, const char *who,
                         char new_secret_out[STORE_PARTNER_SECRET_LEN + 1],
                         struct err *err)
{
	char secret[STORE_PARTNER_SECRET_LEN + 1];
	int r;

	if (new_secret(secret, err) < 0 || store_write_begin(st, err) < 0)
		return -1;
	r = store_write_end(st, rotate_rows(st, id, who, secret, err), err);
	if (r == 1 && new_secret_out)
		memcpy(new_secret_out, secret, sizeof(secret));
	memset(secret, 0, sizeof(secret));
	return r;
}

/* How many contacts partner id has (*all), and whether addr is one. */
static int count_contacts(struct store *st, int64_t id, const char *addr,
                          int *all, int *here, struct err *err)
{
	sqlite3_stmt *s = prepare(st,
	                          "SELECT count(*), count(*) FILTER (WHERE "
	                          "email = ?2) FROM partner_contacts WHERE "
	                          "partner_id = ?1",
	                          "cannot read a partner's contacts", err);
	int rc;

	*all = *here = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*all = sqlite3_column_int(s, 0);
		*here = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_db_fail(st, "cannot read a partner's contacts",
		                     err);
	return 0;
}

/* Deletes addr from partner id's contacts unless it is the last one. */
static int delete_contact(struct store *st, int64_t id, const char *name,
                          const char *addr, int *changed, struct err *err)
{
	int all, here;

	if (count_contacts(st, id, addr, &all, &here, err) < 0)
		return -1;
	*changed = 0;
	if (!here)
		return 0;
	if (all == 1)
		return err_set(err,
		               "%s is the only contact of '%s': add another "
		               "before removing it",
		               addr, name);
	*changed = 1;
	return run_id(st,
	              "DELETE FROM partner_contacts WHERE partner_id = ? AND "
	              "email = ?",
	              id, addr, "cannot remove a contact", NULL, err);
}

/* Adds addr to partner id's contacts unless it has as many as it may. */
static int add_contact_row(struct store *st, int64_t id, const char *name,
                           const char *addr, int *added, struct err *err)
{
	int all, here;

	if (count_contacts(st, id, addr, &all, &here, err) < 0)
		return -1;
	*added = 0;
	if (here)
		return 0;
	if (all >= STORE_PARTNER_CONTACTS_MAX)
		return err_set(err,
		               "'%s' has %d contact addresses, the most a "
		               "partner may have: remove one first",
		               name, all);
	return insert_contact(st, id, addr, added, err);
}

static int contact_rows(struct store *st, int64_t id, const char *addr, int add,
                        const char *who, struct err *err)
{
	struct buf name = BUF_INIT;
	int r = name_of(st, id, &name, err), changed = 0;

	if (r == 0)
		r = err_set(err, "no partner has the number %lld",
		            (long long)id);
	if (r < 0)
		goto out;
	if (add)
		r = add_contact_row(st, id, name.data, addr, &changed, err);
	else
		r = delete_contact(st, id, name.data, addr, &changed, err);
	if (r == 0 && changed)
		r = add_event(st, id, NULL,
		              add ? "contact-added" : "contact-removed", who,
		              addr, err);
	if (r == 0)
		r = changed;
out:
	buf_release(&name);
	return r;
}

static int change_contact(struct store *st, int64_t id, const char *addr,
                          int add, const char *who, struct err *err)
{
	struct buf norm = BUF_INIT;
	int r = -1;

	if (address_normalise(addr, strlen(addr), &norm, err) < 0 ||
	    store_write_begin(st, err) < 0)
		goto out;
	r = store_write_end(st, contact_rows(st, id, norm.data, add, who, err),
	                    err);
out:
	buf_release(&norm);
	return r;
}

int store_partner_add_contact(struct store *st, int64_t id, const char *addr,
                              const char *who, struct err *err)
{
	return change_contact(st, id, addr, 1, who, err);
}

int store_partner_remove_contact(struct store *st, int64_t id, const char *addr,
                                 const char *who, struct err *err)
{
	return change_contact(st, id, addr, 0, who, err);
}

/* Calls for contributions. */

static sqlite3_stmt *call_stmt(struct store *st, const char *sql, int64_t id,
                               const char *issue, const char *kind,
                               const char *day, struct err *err)
{
	sqlite3_stmt *s = prepare(st, sql, "cannot use the call log", err);

	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, issue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	if (day)
		sqlite3_bind_text(s, 4, day, -1, SQLITE_STATIC);
	return s;
}

int store_partner_call_claim(struct store *st, int64_t id, const char *issue,
                             const char *kind, const char *day, struct err *err)
{
	sqlite3_stmt *s = call_stmt(st,
	                            "INSERT INTO call_log (partner_id, issue, "
	                            "kind, day, at) VALUES (?, ?, ?, ?, ?) "
	                            "ON CONFLICT DO NOTHING",
	                            id, issue, kind, day, err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 5, now());
	if (finish(st, s, "cannot use the call log", err) < 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int store_partner_call_unclaim(struct store *st, int64_t id, const char *issue,
                               const char *kind, const char *day,
                               struct err *err)
{
	sqlite3_stmt *s = call_stmt(st,
	                            "DELETE FROM call_log WHERE partner_id = ? "
	                            "AND issue = ? AND kind = ? AND day = ?",
	                            id, issue, kind, day, err);

	return s ? finish(st, s, "cannot use the call log", err) : -1;
}

int store_partner_call_on(struct store *st, int64_t id, const char *issue,
                          const char *kind, const char *day, struct err *err)
{
	sqlite3_stmt *s =
	        call_stmt(st,
	                  "SELECT 1 FROM call_log WHERE partner_id = ? "
	                  "AND issue = ? AND kind = ? AND day = ?",
	                  id, issue, kind, day, err);

	return s ? row_end(st, s, sqlite3_step(s), "cannot use the call log",
	                   err)
	         : -1;
}

int store_partner_call_last(struct store *st, int64_t id, const char *issue,
                            const char *kind, int64_t *at, struct err *err)
{
	sqlite3_stmt *s = call_stmt(st,
	                            "SELECT max(at) FROM call_log WHERE "
	                            "partner_id = ? AND issue = ? AND kind = ?",
	                            id, issue, kind, NULL, err);
	int rc, found = 0;

	*at = 0;
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*at = sqlite3_column_int64(s, 0);
		found = 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return store_db_fail(st, "cannot use the call log", err);
	return found;
}

int store_partner_call_counts(struct store *st, const char *issue,
                              const char *kind, struct store_partner_calls *c,
                              struct err *err)
{
	sqlite3_stmt *s = prepare(st,
	                          "SELECT count(DISTINCT partner_id), count("
	                          "DISTINCT day), coalesce(max(at), 0) FROM "
	                          "call_log WHERE issue = ? AND kind = ?",
	                          "cannot use the call log", err);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->partners = (long)sqlite3_column_int64(s, 0);
		c->days = (long)sqlite3_column_int64(s, 1);
		c->last = sqlite3_column_int64(s, 2);
	}
	return row_end(st, s, rc, "cannot use the call log", err) < 0 ? -1 : 0;
}

/* Reopening. */

static int reopen_rows(struct store *st, const char *issue, int64_t until,
                       const char *who, const char *detail, struct err *err)
{
	sqlite3_stmt *s =
	        prepare(st,
	                "INSERT INTO issue_reopened (issue, until_at, "
	                "by, at) VALUES (?, ?, ?, ?) ON CONFLICT "
	                "(issue) DO UPDATE SET until_at = "
	                "excluded.until_at, by = excluded.by, at = "
	                "excluded.at",
	                "cannot reopen the issue", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, until);
	bind_text(s, 3, who);
	sqlite3_bind_int64(s, 4, now());
	if (finish(st, s, "cannot reopen the issue", err) < 0)
		return -1;
	return store_issue_event(st, issue, "reopened", who ? who : "unknown",
	                         detail, err);
}

int store_partner_reopen(struct store *st, const char *issue, int64_t until,
                         const char *who, const char *detail, struct err *err)
{
	if (store_write_begin(st, err) < 0)
		return -1;
	return store_write_end(
	        st, reopen_rows(st, issue, until, who, detail, err), err);
}

int store_partner_reopened_until(struct store *st, const char *issue,
                                 int64_t *until, struct err *err)
{
	sqlite3_stmt *s =
	        prepare(st,
	                "SELECT until_at FROM issue_reopened WHERE "
	                "issue = ?",
	                "cannot read whether the issue was reopened", err);
	int rc;

	*until = 0;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, issue, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*until = sqlite3_column_int64(s, 0);
	return row_end(st, s, rc, "cannot read whether the issue was reopened",
	               err);
}

int store_partner_data_json(struct store *st, const char *email,
                            struct buf *out, struct err *err)
{
	sqlite3_stmt *s = prepare(st,
	                          "SELECT p.name FROM partner_contacts c JOIN "
	                          "partners p ON p.id = c.partner_id WHERE "
	                          "c.email = ? ORDER BY p.name",
	                          "cannot read the partners' contacts", err);
	int rc, n = 0;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	buf_adds(out, ",\n  \"partner_contact_of\": [");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		buf_adds(out, n++ ? ", " : "");
		json_add_string(out, (const char *)sqlite3_column_text(s, 0));
	}
	buf_adds(out, "]");
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_db_fail(st, "cannot read the partners' contacts",
		                     err);
	return 0;
}
