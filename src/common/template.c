#include "template.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/*
 * Arena: values of one struct tmpl_data, and everything a parsed template
 * points to, share a lifetime, so they are bump-allocated from chunks and
 * freed at once.
 */

#define ARENA_CHUNK 8192

struct chunk {
	struct chunk *next;
	size_t used, cap;
	_Alignas(max_align_t) unsigned char mem[];
};

struct arena {
	struct chunk *head;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = _Alignof(max_align_t);
	struct chunk *c = a->head;
	void *p;

	if (n > SIZE_MAX / 2)
		abort(); /* no sane caller asks; the buf.h rule is to abort */
	n = (n + align - 1) & ~(align - 1);
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		/* A big block goes behind the head so its free room stays. */
		if (a->head && n > ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->mem + c->used;
	c->used += n;
	return p;
}

static char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void arena_release(struct arena *a)
{
	struct chunk *c = a->head;

	while (c) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
	a->head = NULL;
}

/* FNV-1a: keys are short, and the template hashes its names at parse. */
static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Finds needle in hay (memmem is a GNU extension). */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
	const char *end = hay + n;

	if (m == 0 || m > n)
		return NULL;
	while ((size_t)(end - hay) >= m) {
		const char *p =
		        memchr(hay, needle[0], (size_t)(end - hay) - m + 1);

		if (!p)
			return NULL;
		if (!memcmp(p, needle, m))
			return p;
		hay = p + 1;
	}
	return NULL;
}

/* Values */

/* Maps up to this size are searched linearly; larger ones get an index. */
#define MAP_INDEX_MIN 16
#define NOT_FOUND     SIZE_MAX

struct entry {
	const char *key;
	size_t klen;
	uint32_t hash;
	struct tmpl_value *v;
};

struct tmpl_data {
	struct arena arena;
};

struct list {
	struct tmpl_data *d;
	struct tmpl_value **items;
	size_t n, cap;
};

struct map {
	struct tmpl_data *d;
	struct entry *e;
	size_t n, cap;
	uint32_t *index; /* open addressing, entry number + 1, 0 empty */
	size_t mask;
};

struct tmpl_value {
	enum tmpl_type type;
	union {
		int b;
		struct {
			const char *s;
			size_t n;
		} text;
		struct list list;
		struct map map;
	} u;
};

struct tmpl_data *tmpl_data_new(void)
{
	return xcalloc(1, sizeof(struct tmpl_data));
}

void tmpl_data_free(struct tmpl_data *d)
{
	if (!d)
		return;
	arena_release(&d->arena);
	free(d);
}

static struct tmpl_value *value_new(struct tmpl_data *d, enum tmpl_type type)
{
	struct tmpl_value *v = arena_alloc(&d->arena, sizeof(*v));

	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

struct tmpl_value *tmpl_null(struct tmpl_data *d)
{
	return value_new(d, TMPL_NULL);
}

struct tmpl_value *tmpl_bool(struct tmpl_data *d, int b)
{
	struct tmpl_value *v = value_new(d, TMPL_BOOL);

	v->u.b = !!b;
	return v;
}

static struct tmpl_value *text_new(struct tmpl_data *d, enum tmpl_type type,
                                   const char *s, size_t n)
{
	struct tmpl_value *v = value_new(d, type);

	v->u.text.s = arena_strndup(&d->arena, s ? s : "", s ? n : 0);
	v->u.text.n = s ? n : 0;
	return v;
}

struct tmpl_value *tmpl_number(struct tmpl_data *d, const char *text)
{
	return text_new(d, TMPL_NUMBER, text, text ? strlen(text) : 0);
}

struct tmpl_value *tmpl_str(struct tmpl_data *d, const char *s)
{
	return text_new(d, TMPL_STRING, s, s ? strlen(s) : 0);
}

struct tmpl_value *tmpl_strn(struct tmpl_data *d, const char *s, size_t n)
{
	return text_new(d, TMPL_STRING, s, n);
}

struct tmpl_value *tmpl_list(struct tmpl_data *d)
{
	struct tmpl_value *v = value_new(d, TMPL_LIST);

	v->u.list.d = d;
	return v;
}

struct tmpl_value *tmpl_map(struct tmpl_data *d)
{
	struct tmpl_value *v = value_new(d, TMPL_MAP);

	v->u.map.d = d;
	return v;
}

/* Grows an arena array by doubling; the old copy is left in the arena. */
static void *grow(struct arena *a, void *old, size_t n, size_t *cap,
                  size_t size)
{
	size_t newcap = *cap ? *cap * 2 : 8;
	void *p = arena_alloc(a, newcap * size);

	if (n)
		memcpy(p, old, n * size);
	*cap = newcap;
	return p;
}

void tmpl_list_add(struct tmpl_value *list, struct tmpl_value *v)
{
	struct list *l;

	if (!list || list->type != TMPL_LIST || !v)
		return;
	l = &list->u.list;
	if (l->n == l->cap)
		/* items is an array of pointers: sizeof one pointer. */
		l->items = grow(
		        &l->d->arena, l->items, l->n, &l->cap,
		        sizeof(*l->items)); // NOLINT(bugprone-sizeof-expression)
	l->items[l->n++] = v;
}

/*
 * Hash and length already match, so the key nearly always does: a loop
 * the compiler inlines beats a call to memcmp for these short keys.
 */
static int key_is(const struct entry *e, const char *k, size_t n, uint32_t h)
{
	if (e->hash != h || e->klen != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (e->key[i] != k[i])
			return 0;
	}
	return 1;
}

static size_t map_find(const struct map *m, const char *k, size_t n, uint32_t h)
{
	if (m->index) {
		for (size_t s = h & m->mask;; s = (s + 1) & m->mask) {
			uint32_t i = m->index[s];
			const struct entry *e;

			if (!i)
				return NOT_FOUND;
			e = &m->e[i - 1];
			if (key_is(e, k, n, h))
				return i - 1;
		}
	}
	for (size_t i = 0; i < m->n; i++) {
		if (key_is(&m->e[i], k, n, h))
			return i;
	}
	return NOT_FOUND;
}

static void index_put(struct map *m, size_t i)
{
	size_t s = m->e[i].hash & m->mask;

	while (m->index[s])
		s = (s + 1) & m->mask;
	m->index[s] = (uint32_t)(i + 1);
}

/* Keeps the index at most half full so probes stay short. */
static void map_reindex(struct map *m)
{
	size_t size = 64;

	while (size < m->n * 2)
		size *= 2;
	m->index = arena_alloc(&m->d->arena, size * sizeof(*m->index));
	memset(m->index, 0, size * sizeof(*m->index));
	m->mask = size - 1;
	for (size_t i = 0; i < m->n; i++)
		index_put(m, i);
}

void tmpl_map_set(struct tmpl_value *map, const char *key, struct tmpl_value *v)
{
	struct map *m;
	struct entry *e;
	size_t n, i;
	uint32_t h;

	if (!map || map->type != TMPL_MAP || !key || !v)
		return;
	m = &map->u.map;
	n = strlen(key);
	h = hash_bytes(key, n);
	i = map_find(m, key, n, h);
	if (i != NOT_FOUND) {
		m->e[i].v = v;
		return;
	}
	if (m->n == m->cap)
		m->e = grow(&m->d->arena, m->e, m->n, &m->cap, sizeof(*m->e));
	e = &m->e[m->n++];
	e->key = arena_strndup(&m->d->arena, key, n);
	e->klen = n;
	e->hash = h;
	e->v = v;
	if (m->index && m->n * 2 <= m->mask + 1)
		index_put(m, m->n - 1);
	else if (m->index || m->n > MAP_INDEX_MIN)
		map_reindex(m);
}

void tmpl_map_str(struct tmpl_data *d, struct tmpl_value *map, const char *key,
                  const char *s)
{
	tmpl_map_set(map, key, s ? tmpl_str(d, s) : tmpl_null(d));
}

void tmpl_map_bool(struct tmpl_data *d, struct tmpl_value *map, const char *key,
                   int b)
{
	tmpl_map_set(map, key, tmpl_bool(d, b));
}

enum tmpl_type tmpl_type_of(const struct tmpl_value *v)
{
	return v ? v->type : TMPL_NULL;
}

const struct tmpl_value *tmpl_map_get(const struct tmpl_value *v,
                                      const char *key)
{
	size_t n, i;

	if (!v || v->type != TMPL_MAP || !key)
		return NULL;
	n = strlen(key);
	i = map_find(&v->u.map, key, n, hash_bytes(key, n));
	return i == NOT_FOUND ? NULL : v->u.map.e[i].v;
}

size_t tmpl_count(const struct tmpl_value *v)
{
	if (!v)
		return 0;
	if (v->type == TMPL_LIST)
		return v->u.list.n;
	if (v->type == TMPL_MAP)
		return v->u.map.n;
	return 0;
}

const struct tmpl_value *tmpl_at(const struct tmpl_value *v, size_t i,
                                 const char **key)
{
	if (key)
		*key = NULL;
	if (i >= tmpl_count(v))
		return NULL;
	if (v->type == TMPL_LIST)
		return v->u.list.items[i];
	if (key)
		*key = v->u.map.e[i].key;
	return v->u.map.e[i].v;
}

const char *tmpl_text(const struct tmpl_value *v, size_t *len)
{
	if (!v || (v->type != TMPL_STRING && v->type != TMPL_NUMBER))
		return NULL;
	if (len)
		*len = v->u.text.n;
	return v->u.text.s;
}

/* Templates */

enum node_type {
	N_TEXT,
	N_VAR,      /* {{x}}: escaped in HTML mode */
	N_RAW,      /* {{{x}}} and {{&x}} */
	N_SECTION,  /* {{#x}} */
	N_INVERTED, /* {{^x}} */
	N_PARTIAL,  /* {{>x}} */
};

/* One part of a dotted name, hashed at parse so lookups only compare. */
struct part {
	const char *s;
	size_t n;
	uint32_t hash;
};

/*
 * The template is a flat array of nodes; a section's body is the nodes
 * after it up to skip, so rendering is a loop with recursion per section.
 */
struct node {
	unsigned char type;
	/*
	 * Starts a line of the source: where a standalone partial's
	 * indentation goes, as if prepended to each line of the partial.
	 */
	unsigned char bol;
	unsigned char standalone; /* partials: indent the partial's lines */
	unsigned line, col;
	const char *s; /* text, or the name (NUL-terminated for partials) */
	size_t n;
	const struct part *parts; /* names; nparts 0 means "." */
	size_t nparts;
	size_t skip;        /* sections: index just past the body */
	const char *indent; /* standalone partials: the line's indentation */
	size_t indent_len;
	uint32_t hash; /* partials: of the name */
};

struct cached;

/* Parsed partials, shared by the renders of one template. */
struct cache {
	pthread_mutex_t lock;
	struct cached *head;
};

struct tmpl {
	struct arena arena;
	const char *name;
	const char *src;
	size_t len;
	struct node *nodes;
	size_t nnodes;
	size_t max_output, max_steps;
	struct cache *cache; /* NULL in partials: the root's is used */
};

struct cached {
	struct cached *next;
	char *name;
	uint32_t hash;
	struct tmpl *t;
	unsigned refs; /* renders using t right now */
	int stale;     /* replaced by a newer source: free when unused */
};

#define DEFAULT_MAX_OUTPUT ((size_t)64 << 20)
#define DEFAULT_MAX_STEPS  ((size_t)16 << 20)

struct parser {
	struct tmpl *t;
	const char *src;
	size_t len;
	struct err *err;
	const char *otag, *ctag;
	size_t olen, clen;
	struct node *v;
	size_t n, cap;
	size_t open[TMPL_MAX_DEPTH]; /* open sections, as node indexes */
	size_t nopen;
	size_t text_start; /* where the text not yet emitted begins */
	unsigned text_line, text_col;
	size_t lc_pos; /* line and column of lc_pos, moving forward */
	unsigned lc_line, lc_col;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static void linecol(struct parser *p, size_t pos, unsigned *line, unsigned *col)
{
	for (; p->lc_pos < pos; p->lc_pos++) {
		if (p->src[p->lc_pos] == '\n') {
			p->lc_line++;
			p->lc_col = 1;
		} else {
			p->lc_col++;
		}
	}
	*line = p->lc_line;
	*col = p->lc_col;
}

static struct node *node_add(struct parser *p, enum node_type type)
{
	struct node *nd;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	nd = &p->v[p->n++];
	memset(nd, 0, sizeof(*nd));
	nd->type = (unsigned char)type;
	return nd;
}

static int at_bol(const struct parser *p, size_t pos)
{
	return pos == 0 || p->src[pos - 1] == '\n';
}

static void text_add(struct parser *p, size_t from, size_t to)
{
	struct node *nd;

	if (from >= to)
		return;
	nd = node_add(p, N_TEXT);
	nd->s = p->src + from;
	nd->n = to - from;
	nd->bol = (unsigned char)at_bol(p, from);
	nd->line = p->text_line;
	nd->col = p->text_col;
}

struct tag {
	size_t start, end; /* the whole tag, delimiters included */
	size_t cs, ce;     /* its content, trimmed */
	unsigned line, col;
	char type; /* '#', '^', '/', '!', '>', '=', '{', '&' or 0 */
};

/*
 * A tag that produces no node of its own but starts a line still marks
 * the place where an indented partial's indentation goes.
 */
static void bol_mark(struct parser *p, const struct tag *tg)
{
	struct node *nd = node_add(p, N_TEXT);

	nd->bol = 1;
	nd->line = tg->line;
	nd->col = tg->col;
}

/*
 * A standalone tag is alone on its line with only blanks around it; the
 * whole line, newline included, then leaves the output. Sets *ws to the
 * start of the line's blanks and *after to the start of the next line.
 */
static int standalone(const struct parser *p, size_t tag, size_t end,
                      size_t *ws, size_t *after)
{
	size_t b = tag, e = end;

	while (b > p->text_start && is_blank(p->src[b - 1]))
		b--;
	/* Before text_start lies another tag's closing delimiter or a newline
	 * a standalone tag left behind. */
	if (b > 0 && p->src[b - 1] != '\n')
		return 0;
	while (e < p->len && is_blank(p->src[e]))
		e++;
	if (e == p->len)
		*after = e;
	else if (p->src[e] == '\n')
		*after = e + 1;
	else if (p->src[e] == '\r' && e + 1 < p->len && p->src[e + 1] == '\n')
		*after = e + 2;
	else
		return 0;
	*ws = b;
	return 1;
}

/* Splits a name into its dotted parts, refusing spaces and empty parts. */
static int name_parse(struct parser *p, const struct tag *tg, struct node *nd)
{
	const char *s = p->src + tg->cs;
	size_t n = tg->ce - tg->cs, count = 1, k = 0;
	struct part *parts;

	nd->s = s;
	nd->n = n;
	if (n == 0)
		return err_set(p->err,
		               "%s:%u:%u: empty tag '%.*s': put a name in it",
		               p->t->name, tg->line, tg->col,
		               (int)(tg->end - tg->start), p->src + tg->start);
	if (n == 1 && s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (is_space(s[i]))
			goto bad;
		count += s[i] == '.';
	}
	parts = arena_alloc(&p->t->arena, count * sizeof(*parts));
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (i == start)
			goto bad;
		parts[k].s = s + start;
		parts[k].n = i - start;
		parts[k].hash = hash_bytes(s + start, i - start);
		k++;
		start = i + 1;
	}
	nd->parts = parts;
	nd->nparts = k;
	return 0;
bad:
	return err_set(p->err,
	               "%s:%u:%u: bad name '%.*s': use words joined by dots, "
	               "without spaces",
	               p->t->name, tg->line, tg->col, (int)n, s);
}

/* {{=<% %>=}}: the content is two delimiters separated by blanks. */
static int delimiters_set(struct parser *p, const struct tag *tg)
{
	const char *s = p->src;
	size_t a = tg->cs, b;

	while (a < tg->ce && !is_space(s[a]))
		a++;
	b = a;
	while (b < tg->ce && is_space(s[b]))
		b++;
	for (size_t i = b; i < tg->ce; i++) {
		if (is_space(s[i]))
			goto bad;
	}
	if (a == tg->cs || b == a || b == tg->ce)
		goto bad;
	p->otag = s + tg->cs;
	p->olen = a - tg->cs;
	p->ctag = s + b;
	p->clen = tg->ce - b;
	return 0;
bad:
	return err_set(
	        p->err,
	        "%s:%u:%u: bad set-delimiter tag '%.*s': give two "
	        "delimiters separated by a space, like %.*s=<%% %%>=%.*s",
	        p->t->name, tg->line, tg->col, (int)(tg->end - tg->start),
	        s + tg->start, (int)p->olen, p->otag, (int)p->clen, p->ctag);
}

static int section_open(struct parser *p, const struct tag *tg, int alone)
{
	struct node *nd;

	if (p->nopen == TMPL_MAX_DEPTH)
		return err_set(p->err,
		               "%s:%u:%u: sections nested deeper than %d",
		               p->t->name, tg->line, tg->col, TMPL_MAX_DEPTH);
	nd = node_add(p, tg->type == '#' ? N_SECTION : N_INVERTED);
	nd->line = tg->line;
	nd->col = tg->col;
	nd->bol = (unsigned char)(!alone && at_bol(p, tg->start));
	p->open[p->nopen++] = p->n - 1;
	return name_parse(p, tg, nd);
}

static int section_close(struct parser *p, const struct tag *tg, int alone)
{
	const char *name = p->src + tg->cs;
	size_t n = tg->ce - tg->cs;
	struct node *open;

	if (!p->nopen)
		return err_set(p->err,
		               "%s:%u:%u: closing tag '%.*s' without an open "
		               "section: remove it",
		               p->t->name, tg->line, tg->col, (int)n, name);
	open = &p->v[p->open[p->nopen - 1]];
	if (open->n != n || memcmp(open->s, name, n))
		return err_set(p->err,
		               "%s:%u:%u: closing tag '%.*s' does not match "
		               "section '%.*s' opened at %u:%u",
		               p->t->name, tg->line, tg->col, (int)n, name,
		               (int)open->n, open->s, open->line, open->col);
	if (!alone && at_bol(p, tg->start))
		bol_mark(p, tg); /* inside the body: shown only with it */
	/* bol_mark may have moved the array */
	p->v[p->open[--p->nopen]].skip = p->n;
	return 0;
}

static int partial_add(struct parser *p, const struct tag *tg, int alone,
                       size_t ws)
{
	struct node *nd = node_add(p, N_PARTIAL);
	size_t n = tg->ce - tg->cs;

	nd->line = tg->line;
	nd->col = tg->col;
	if (n == 0)
		return err_set(p->err,
		               "%s:%u:%u: empty tag '%.*s': put a name in it",
		               p->t->name, tg->line, tg->col,
		               (int)(tg->end - tg->start), p->src + tg->start);
	nd->s = arena_strndup(&p->t->arena, p->src + tg->cs, n);
	nd->n = n;
	nd->hash = hash_bytes(nd->s, n);
	nd->standalone = (unsigned char)alone;
	nd->bol = (unsigned char)(!alone && at_bol(p, tg->start));
	if (alone) {
		nd->indent = p->src + ws;
		nd->indent_len = tg->start - ws;
	}
	return 0;
}

static int var_add(struct parser *p, const struct tag *tg)
{
	struct node *nd = node_add(p, tg->type ? N_RAW : N_VAR);

	nd->line = tg->line;
	nd->col = tg->col;
	nd->bol = (unsigned char)at_bol(p, tg->start);
	return name_parse(p, tg, nd);
}

/* Reads the tag at start into tg: its type, content and end. */
static int tag_read(struct parser *p, size_t start, struct tag *tg)
{
	size_t q = start + p->olen, cs = q, ce;
	char closer;
	const char *hit;

	tg->start = start;
	linecol(p, start, &tg->line, &tg->col);
	tg->type = q < p->len ? p->src[q] : 0;
	switch (tg->type) {
	case '{':
	case '=':
	case '#':
	case '^':
	case '/':
	case '!':
	case '>':
	case '&':
		cs = q + 1;
		break;
	default:
		tg->type = 0;
		break;
	}
	/* {{{x}}} and {{=a b=}} end in a closer right before the delimiter. */
	closer = tg->type == '{' ? '}' : tg->type == '=' ? '=' : 0;
	for (size_t from = cs;;) {
		hit = find(p->src + from, p->len - from, p->ctag, p->clen);
		if (!hit || !closer)
			break;
		if ((size_t)(hit - p->src) > cs && hit[-1] == closer)
			break;
		from = (size_t)(hit - p->src) + 1;
	}
	if (!hit) {
		char head[2] = {closer == '}' ? '{' : closer, '\0'};
		char tail[2] = {closer, '\0'};

		return err_set(p->err,
		               "%s:%u:%u: unclosed tag: no '%s%.*s' after "
		               "this '%.*s%s'",
		               p->t->name, tg->line, tg->col, tail,
		               (int)p->clen, p->ctag, (int)p->olen, p->otag,
		               head);
	}
	ce = (size_t)(hit - p->src) - (closer ? 1 : 0);
	tg->end = (size_t)(hit - p->src) + p->clen;
	while (cs < ce && is_space(p->src[cs]))
		cs++;
	while (ce > cs && is_space(p->src[ce - 1]))
		ce--;
	tg->cs = cs;
	tg->ce = ce;
	return 0;
}

static int tag_parse(struct parser *p, size_t start)
{
	struct tag tg = {0};
	size_t ws = start, after;
	int alone = 0, ret = 0;

	/* Positions only move forward: the text's before the tag's. */
	linecol(p, p->text_start, &p->text_line, &p->text_col);
	if (tag_read(p, start, &tg) < 0)
		return -1;
	after = tg.end;
	if (tg.type && tg.type != '{' && tg.type != '&')
		alone = standalone(p, start, tg.end, &ws, &after);
	text_add(p, p->text_start, alone ? ws : start);
	switch (tg.type) {
	case '!':
	case '=':
		if (tg.type == '=')
			ret = delimiters_set(p, &tg);
		if (!alone && at_bol(p, start))
			bol_mark(p, &tg);
		break;
	case '#':
	case '^':
		ret = section_open(p, &tg, alone);
		break;
	case '/':
		ret = section_close(p, &tg, alone);
		break;
	case '>':
		ret = partial_add(p, &tg, alone, ws);
		break;
	default:
		ret = var_add(p, &tg);
		break;
	}
	p->text_start = alone ? after : tg.end;
	return ret;
}

static int parse(struct parser *p)
{
	while (p->text_start < p->len) {
		const char *hit =
		        find(p->src + p->text_start, p->len - p->text_start,
		             p->otag, p->olen);

		if (!hit)
			break;
		if (tag_parse(p, (size_t)(hit - p->src)) < 0)
			return -1;
	}
	linecol(p, p->text_start, &p->text_line, &p->text_col);
	text_add(p, p->text_start, p->len);
	if (p->nopen) {
		const struct node *open = &p->v[p->open[p->nopen - 1]];

		return err_set(p->err,
		               "%s:%u:%u: section '%.*s' is not closed: add "
		               "%.*s/%.*s%.*s",
		               p->t->name, open->line, open->col, (int)open->n,
		               open->s, (int)p->olen, p->otag, (int)open->n,
		               open->s, (int)p->clen, p->ctag);
	}
	return 0;
}

static struct tmpl *parse_template(const char *src, size_t len,
                                   const char *name, struct err *err)
{
	struct tmpl *t = xcalloc(1, sizeof(*t));
	struct parser p = {
	        .t = t,
	        .err = err,
	        .otag = "{{",
	        .ctag = "}}",
	        .olen = 2,
	        .clen = 2,
	        .lc_line = 1,
	        .lc_col = 1,
	};

	t->name = arena_strndup(&t->arena, name ? name : "template",
	                        name ? strlen(name) : 8);
	t->src = arena_strndup(&t->arena, src ? src : "", src ? len : 0);
	t->len = src ? len : 0;
	t->max_output = DEFAULT_MAX_OUTPUT;
	t->max_steps = DEFAULT_MAX_STEPS;
	p.src = t->src;
	p.len = t->len;
	if (parse(&p) < 0) {
		free(p.v);
		arena_release(&t->arena);
		free(t);
		return NULL;
	}
	t->nnodes = p.n;
	t->nodes = arena_alloc(&t->arena, p.n * sizeof(*t->nodes));
	if (p.n)
		memcpy(t->nodes, p.v, p.n * sizeof(*t->nodes));
	free(p.v);
	return t;
}

struct tmpl *tmpl_parse(const char *src, size_t len, const char *name,
                        struct err *err)
{
	struct tmpl *t = parse_template(src, len, name, err);

	if (!t)
		return NULL;
	t->cache = xcalloc(1, sizeof(*t->cache));
	pthread_mutex_init(&t->cache->lock, NULL);
	return t;
}

static void template_free(struct tmpl *t)
{
	arena_release(&t->arena);
	free(t);
}

static void cached_free(struct cached *c)
{
	template_free(c->t);
	free(c->name);
	free(c);
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	if (t->cache) {
		struct cached *c = t->cache->head;

		while (c) {
			struct cached *next = c->next;

			cached_free(c);
			c = next;
		}
		pthread_mutex_destroy(&t->cache->lock);
		free(t->cache);
	}
	template_free(t);
}

void tmpl_set_limits(struct tmpl *t, size_t max_output, size_t max_steps)
{
	t->max_output = max_output ? max_output : DEFAULT_MAX_OUTPUT;
	t->max_steps = max_steps ? max_steps : DEFAULT_MAX_STEPS;
}

/*
 * Finds the parse of a partial's source, parsing it on first use or when
 * the source changed since. The entry is held (refs) until released.
 */
static struct cached *cache_acquire(struct cache *cache, const char *name,
                                    uint32_t hash, const char *src, size_t len,
                                    struct err *err)
{
	struct cached **pp, *c;
	struct tmpl *t;

	pthread_mutex_lock(&cache->lock);
	for (pp = &cache->head; (c = *pp); pp = &c->next) {
		if (c->hash != hash || strcmp(c->name, name))
			continue;
		if (c->t->len == len && !memcmp(c->t->src, src, len)) {
			c->refs++;
			pthread_mutex_unlock(&cache->lock);
			return c;
		}
		*pp = c->next;
		c->stale = 1;
		if (!c->refs)
			cached_free(c);
		break;
	}
	t = parse_template(src, len, name, err);
	c = NULL;
	if (t) {
		c = xcalloc(1, sizeof(*c));
		c->name = xstrdup(name);
		c->hash = hash;
		c->t = t;
		c->refs = 1;
		c->next = cache->head;
		cache->head = c;
	}
	pthread_mutex_unlock(&cache->lock);
	return c;
}

static void cache_release(struct cache *cache, struct cached *c)
{
	pthread_mutex_lock(&cache->lock);
	if (!--c->refs && c->stale)
		cached_free(c);
	pthread_mutex_unlock(&cache->lock);
}

/* Rendering */

/* The context stack and the indentation chain live on the C stack. */
struct ctx {
	const struct tmpl_value *v;
	const struct ctx *up;
};

struct indent {
	const char *s;
	size_t n;
	const struct indent *up;
};

/* Partials looked up in this render (c NULL: no such partial). */
#define MEMO_SIZE 16

struct memo {
	const char *name;
	uint32_t hash;
	struct cached *c;
};

struct render {
	const struct tmpl_partials *partials;
	struct cache *cache;
	int escape_html;
	struct buf *out;
	struct err *err;
	size_t start, max_output, max_steps, steps;
	unsigned depth;
	struct memo memo[MEMO_SIZE];
	size_t nmemo;
};

static int truthy(const struct tmpl_value *v)
{
	if (!v)
		return 0;
	switch (v->type) {
	case TMPL_NULL:
		return 0;
	case TMPL_BOOL:
		return v->u.b;
	case TMPL_STRING:
		return v->u.text.n > 0;
	case TMPL_LIST:
		return v->u.list.n > 0;
	case TMPL_NUMBER:
	case TMPL_MAP:
		break;
	}
	return 1;
}

static const struct tmpl_value *member(const struct tmpl_value *v,
                                       const struct part *pt)
{
	size_t i;

	if (!v || v->type != TMPL_MAP)
		return NULL;
	i = map_find(&v->u.map, pt->s, pt->n, pt->hash);
	return i == NOT_FOUND ? NULL : v->u.map.e[i].v;
}

/*
 * The first part is looked up through the context stack; the rest only in
 * what the part before resolved to.
 */
static const struct tmpl_value *resolve(const struct ctx *c,
                                        const struct node *nd)
{
	const struct tmpl_value *v = NULL;

	if (!nd->nparts)
		return c ? c->v : NULL;
	for (; c && !v; c = c->up)
		v = member(c->v, &nd->parts[0]);
	for (size_t i = 1; v && i < nd->nparts; i++)
		v = member(v, &nd->parts[i]);
	return v;
}

/*
 * HTML-escapes a value's text. Value texts end in a NUL (arena_strndup),
 * which lets strcspn (vectorised in glibc) skip the runs needing no
 * escape; a byte-by-byte loop was most of the render time of templates
 * full of tags. A NUL inside the text is copied like any other byte.
 */
static void html_add(struct buf *out, const char *s, size_t n)
{
	const char *end = s + n;

	for (;;) {
		size_t run = strcspn(s, "&<>\"'");

		buf_add(out, s, run);
		s += run;
		if (s >= end)
			return;
		switch (*s) {
		case '&':
			buf_add(out, "&amp;", 5);
			break;
		case '<':
			buf_add(out, "&lt;", 4);
			break;
		case '>':
			buf_add(out, "&gt;", 4);
			break;
		case '"':
			buf_add(out, "&quot;", 6);
			break;
		case '\'':
			buf_add(out, "&#39;", 5);
			break;
		default:
			buf_add(out, s, 1);
			break;
		}
		s++;
	}
}

static void value_add(struct render *r, const struct tmpl_value *v, int escape)
{
	if (!v)
		return;
	switch (v->type) {
	case TMPL_STRING:
	case TMPL_NUMBER:
		if (escape)
			html_add(r->out, v->u.text.s, v->u.text.n);
		else
			buf_add(r->out, v->u.text.s, v->u.text.n);
		break;
	case TMPL_BOOL:
		buf_adds(r->out, v->u.b ? "true" : "false");
		break;
	case TMPL_NULL:
	case TMPL_LIST:
	case TMPL_MAP:
		break;
	}
}

static void indent_add(struct buf *out, const struct indent *ind)
{
	if (!ind)
		return;
	indent_add(out, ind->up);
	buf_add(out, ind->s, ind->n);
}

/* Text in an indented partial: each line it starts is indented. */
static void text_add_indented(struct buf *out, const char *s, size_t n,
                              const struct indent *ind)
{
	const char *end;

	if (!n)
		return; /* s may be NULL: an empty text left by a standalone tag
		         */
	end = s + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		/* A final newline's next line is another node's to indent. */
		if (!nl || nl + 1 == end) {
			buf_add(out, s, (size_t)(end - s));
			return;
		}
		buf_add(out, s, (size_t)(nl + 1 - s));
		indent_add(out, ind);
		s = nl + 1;
	}
}

static int render_error(struct render *r, const struct tmpl *t,
                        const struct node *nd, const char *what)
{
	return err_set(r->err, "%s:%u:%u: %s", t->name, nd->line, nd->col,
	               what);
}

static int depth_enter(struct render *r, const struct tmpl *t,
                       const struct node *nd)
{
	if (r->depth >= TMPL_MAX_DEPTH)
		return err_set(r->err,
		               "%s:%u:%u: sections and partials nested deeper "
		               "than %d (does a partial include itself?)",
		               t->name, nd->line, nd->col, TMPL_MAX_DEPTH);
	r->depth++;
	return 0;
}

static int render_nodes(struct render *r, const struct tmpl *t, size_t i,
                        size_t end, const struct ctx *ctx,
                        const struct indent *ind);

static int render_section(struct render *r, const struct tmpl *t, size_t i,
                          const struct ctx *ctx, const struct indent *ind)
{
	const struct node *nd = &t->nodes[i];
	const struct tmpl_value *v = resolve(ctx, nd);
	int show = truthy(v), ret = 0;

	if (nd->type == N_INVERTED ? show : !show)
		return 0;
	if (depth_enter(r, t, nd) < 0)
		return -1;
	if (nd->type == N_INVERTED) {
		ret = render_nodes(r, t, i + 1, nd->skip, ctx, ind);
	} else if (v->type == TMPL_LIST) {
		for (size_t k = 0; k < v->u.list.n && ret == 0; k++) {
			struct ctx item = {v->u.list.items[k], ctx};

			if (++r->steps > r->max_steps)
				ret = render_error(r, t, nd,
				                   "render stopped: too many "
				                   "steps (a section repeats "
				                   "without end?)");
			else
				ret = render_nodes(r, t, i + 1, nd->skip, &item,
				                   ind);
		}
	} else {
		struct ctx top = {v, ctx};

		ret = render_nodes(r, t, i + 1, nd->skip, &top, ind);
	}
	r->depth--;
	return ret;
}

/*
 * Looks the partial up once per render: returns 1 with *c set (*held when
 * the caller must release it), 0 when there is no such partial, -1 on a
 * parse error.
 */
static int partial_get(struct render *r, const struct node *nd,
                       struct cached **c, int *held)
{
	const char *src;
	size_t len = 0;

	*held = 0;
	for (size_t i = 0; i < r->nmemo; i++) {
		if (r->memo[i].hash == nd->hash &&
		    !strcmp(r->memo[i].name, nd->s)) {
			*c = r->memo[i].c;
			return *c ? 1 : 0;
		}
	}
	*c = NULL;
	if (r->partials && r->partials->lookup)
		src = r->partials->lookup(r->partials->ctx, nd->s, &len);
	else
		src = NULL;
	if (src) {
		*c = cache_acquire(r->cache, nd->s, nd->hash, src, len, r->err);
		if (!*c)
			return -1;
	}
	if (r->nmemo < MEMO_SIZE)
		r->memo[r->nmemo++] = (struct memo){nd->s, nd->hash, *c};
	else
		*held = *c != NULL;
	return *c ? 1 : 0;
}

static int render_partial(struct render *r, const struct tmpl *t,
                          const struct node *nd, const struct ctx *ctx,
                          const struct indent *ind)
{
	struct indent own = {nd->indent, nd->indent_len, ind};
	const struct indent *pind = NULL;
	struct cached *c;
	int held, ret;

	ret = partial_get(r, nd, &c, &held);
	if (ret <= 0)
		return ret;
	/* Only a standalone partial is indented; it adds to the indentation
	 * of the partial it sits in. */
	if (nd->standalone)
		pind = nd->indent_len ? &own : ind;
	ret = depth_enter(r, t, nd);
	if (ret == 0) {
		ret = render_nodes(r, c->t, 0, c->t->nnodes, ctx, pind);
		r->depth--;
	}
	if (held)
		cache_release(r->cache, c);
	return ret;
}

static int render_nodes(struct render *r, const struct tmpl *t, size_t i,
                        size_t end, const struct ctx *ctx,
                        const struct indent *ind)
{
	while (i < end) {
		const struct node *nd = &t->nodes[i];

		if (++r->steps > r->max_steps)
			return render_error(r, t, nd,
			                    "render stopped: too many steps "
			                    "(a section repeats without end?)");
		if (nd->bol && ind)
			indent_add(r->out, ind);
		switch ((enum node_type)nd->type) {
		case N_TEXT:
			if (ind)
				text_add_indented(r->out, nd->s, nd->n, ind);
			else
				buf_add(r->out, nd->s, nd->n);
			i++;
			break;
		case N_VAR:
		case N_RAW:
			value_add(r, resolve(ctx, nd),
			          nd->type == N_VAR && r->escape_html);
			i++;
			break;
		case N_SECTION:
		case N_INVERTED:
			if (render_section(r, t, i, ctx, ind) < 0)
				return -1;
			i = nd->skip;
			break;
		case N_PARTIAL:
			if (render_partial(r, t, nd, ctx, ind) < 0)
				return -1;
			i++;
			break;
		}
		if (r->out->len - r->start > r->max_output)
			return render_error(r, t, nd,
			                    "render stopped: output too large "
			                    "(a section repeats without end?)");
	}
	return 0;
}

int tmpl_render(const struct tmpl *t, const struct tmpl_value *data,
                const struct tmpl_partials *partials, enum tmpl_escape escape,
                struct buf *out, struct err *err)
{
	struct render r = {
	        .partials = partials,
	        .cache = t->cache,
	        .escape_html = escape == TMPL_ESCAPE_HTML,
	        .out = out,
	        .err = err,
	        .start = out->len,
	        .max_output = t->max_output,
	        .max_steps = t->max_steps,
	};
	struct ctx root = {data, NULL};
	int ret;

	ret = render_nodes(&r, t, 0, t->nnodes, data ? &root : NULL, NULL);
	for (size_t i = 0; i < r.nmemo; i++) {
		if (r.memo[i].c)
			cache_release(r.cache, r.memo[i].c);
	}
	if (ret < 0)
		buf_setlen(out, r.start);
	return ret;
}
