#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "defaults.h"
#include "markdown.h"
#include "template.h"
#include "banned.h"

#define TEXT_WIDTH 72

void render_output_release(struct render_output *o)
{
	buf_release(&o->email_html);
	buf_release(&o->email_txt);
	linktable_release(&o->links);
}

/* Where the links of one piece go, with tracking.clicks. */
struct track {
	const struct config *cfg;
	const char *id;
	struct linktable *links;
	const char *piece, *partner;
};

void render_click_url(const struct config *cfg, const char *id, size_t n,
                      struct buf *out)
{
	buf_addf(out, "%s/r/%s/%zu", cfg->base_url, id, n);
}

/* A web link becomes its number's address; mailto: and tel: stay. */
static void track_link(const void *ctx, struct buf *url)
{
	const struct track *tr = ctx;
	size_t n;

	if (!linktable_url_ok(url->data))
		return;
	n = linktable_add(tr->links, url->data, tr->piece, tr->partner);
	buf_reset(url);
	render_click_url(tr->cfg, tr->id, n, url);
}

/* Template sources read during one render, so partials stay valid. */
struct sources {
	const struct config *cfg; /* whose workspace's templates/ */
	struct buf *v;
	size_t n;
};

static const char *load_source(struct sources *s, const char *name, size_t *len)
{
	struct buf text = BUF_INIT;

	if (defaults_read_template(s->cfg, name, &text) < 0) {
		buf_release(&text);
		return NULL;
	}
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n] = text;
	*len = text.len;
	return s->v[s->n++].data;
}

static const char *partial_lookup(void *ctx, const char *name, size_t *len)
{
	/* Partials are plain names; nothing may climb out of templates/. */
	if (strstr(name, "..") || name[0] == '/')
		return NULL;
	return load_source(ctx, name, len);
}

static void sources_release(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++)
		buf_release(&s->v[i]);
	free(s->v);
}

int render_template(const struct config *cfg, const char *name,
                    const struct tmpl_value *data, int html, struct buf *out,
                    struct err *err)
{
	struct sources src = {cfg, NULL, 0};
	struct tmpl_partials partials = {partial_lookup, &src};
	struct buf label = BUF_INIT;
	struct tmpl *t = NULL;
	const char *text;
	size_t len;
	int ret = -1;

	buf_addf(&label, "templates/%s.mustache", name);
	text = load_source(&src, name, &len);
	if (!text) {
		err_set(err, "%s: no such template (and no built-in default)",
		        label.data);
		goto out;
	}
	t = tmpl_parse(text, len, label.data, err);
	if (!t)
		goto out;
	ret = tmpl_render(t, data, &partials,
	                  html ? TMPL_ESCAPE_HTML : TMPL_ESCAPE_NONE, out, err);
out:
	tmpl_free(t);
	sources_release(&src);
	buf_release(&label);
	return ret;
}

/* Display width in code points (a fair measure for European text). */
static size_t width_of(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

void render_wrap(const char *s, int width, const char *first,
                 const char *indent, struct buf *out)
{
	size_t col = 0;
	int line_open = 0, lines = 0;

	for (;;) {
		size_t n = 0, w;

		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		while (s[n] && !strchr(" \n\t\r", s[n]))
			n++;
		w = width_of(s, n);
		if (line_open && col + 1 + w > (size_t)width) {
			buf_addch(out, '\n');
			line_open = 0;
		}
		if (!line_open) {
			const char *p = lines++ ? indent : first;

			buf_adds(out, p);
			col = width_of(p, strlen(p));
			line_open = 1;
		} else {
			buf_addch(out, ' ');
			col++;
		}
		buf_add(out, s, n);
		col += w;
		s += n;
	}
	if (line_open)
		buf_addch(out, '\n');
}

/* s wrapped at the text width, without the final newline, into key. */
static void add_wrapped(struct tmpl_data *d, struct tmpl_value *m,
                        const char *key, const char *s, const char *first,
                        const char *indent)
{
	struct buf b = BUF_INIT;

	render_wrap(s, TEXT_WIDTH, first, indent, &b);
	if (b.len)
		buf_setlen(&b, b.len - 1);
	tmpl_map_str(d, m, key, b.data);
	buf_release(&b);
}

void render_issue_url(const struct config *cfg, const char *id, struct buf *out)
{
	buf_addf(out, "%s/issues/%s/", cfg->base_url, id);
}

static const char *type_label(const char *type)
{
	if (!strcmp(type, "case-study"))
		return "Case study";
	if (!strcmp(type, "event"))
		return "Event";
	if (!strcmp(type, "opportunity"))
		return "Opportunity";
	return "News";
}

/* A row of '=' as wide as the longest line of a wrapped title. */
static void add_wrapped_title(struct tmpl_data *d, struct tmpl_value *m,
                              const char *key, const char *title, int rule_char)
{
	struct buf wrapped = BUF_INIT, rule = BUF_INIT, name = BUF_INIT;
	size_t longest = 0, line_start = 0;

	render_wrap(title, TEXT_WIDTH, "", "", &wrapped);
	for (size_t i = 0; i < wrapped.len; i++)
		if (wrapped.data[i] == '\n') {
			size_t w = width_of(wrapped.data + line_start,
			                    i - line_start);
			if (w > longest)
				longest = w;
			line_start = i + 1;
		}
	if (wrapped.len)
		buf_setlen(&wrapped, wrapped.len - 1);
	for (size_t i = 0; i < longest; i++)
		buf_addch(&rule, rule_char);
	buf_addf(&name, "%s_text", key);
	tmpl_map_str(d, m, name.data, wrapped.data);
	buf_reset(&name);
	buf_addf(&name, "%s_rule", key);
	tmpl_map_str(d, m, name.data, rule.data);
	buf_release(&wrapped);
	buf_release(&rule);
	buf_release(&name);
}

/* tr: where links go with tracking.clicks (tr->links NULL: as written). */
static void add_markdown(struct tmpl_data *d, struct tmpl_value *m,
                         const char *key, cmark_node *doc, int heading_offset,
                         const char *base_url, int for_email,
                         const struct track *tr)
{
	struct markdown_opts o = {
	        .heading_offset = heading_offset,
	        .base_url = base_url,
	        .width = TEXT_WIDTH,
	        .inline_styles = for_email,
	        .link_url = tr->links ? track_link : NULL,
	        .link_ctx = tr,
	};
	struct buf b = BUF_INIT, name = BUF_INIT;

	markdown_html(doc, &o, &b);
	buf_addf(&name, "%s_html", key);
	tmpl_map_str(d, m, name.data, b.data);
	/* Only the email has a text part: a web page skips the work (a
	 * tenth of a one-piece site rebuild, scripts/bench site). */
	if (for_email) {
		buf_reset(&b);
		markdown_text(doc, &o, &b);
		while (b.len && b.data[b.len - 1] == '\n')
			buf_setlen(&b, b.len - 1);
		buf_reset(&name);
		buf_addf(&name, "%s_text", key);
		tmpl_map_str(d, m, name.data, b.data);
	}
	buf_release(&b);
	buf_release(&name);
}

static struct tmpl_value *article(struct tmpl_data *d,
                                  const struct contribution *c,
                                  const struct config *cfg, const char *id,
                                  int for_email, struct linktable *links)
{
	struct tmpl_value *a = tmpl_map(d);
	struct buf url = BUF_INIT, b = BUF_INIT;

	tmpl_map_str(d, a, "slug", c->slug);
	tmpl_map_str(d, a, "title", c->title);
	add_wrapped_title(d, a, "title", c->title, '-');
	tmpl_map_str(d, a, "partner", c->partner);
	if (c->author && *c->author)
		tmpl_map_str(d, a, "author", c->author);
	tmpl_map_str(d, a, "type", c->type);
	tmpl_map_str(d, a, "type_label", type_label(c->type));
	tmpl_map_bool(d, a, "is_event", !strcmp(c->type, "event"));
	if (c->summary && *c->summary) {
		tmpl_map_str(d, a, "summary", c->summary);
		add_wrapped(d, a, "summary_text", c->summary, "", "");
	}
	buf_addf(&b, "%s from %s", type_label(c->type), c->partner);
	if (c->author && *c->author)
		buf_addf(&b, ", written by %s", c->author);
	tmpl_map_str(d, a, "byline", b.data);
	add_wrapped(d, a, "byline_text", b.data, "", "");
	buf_reset(&b);
	buf_addf(&b, "- %s (%s)", c->title, c->partner);
	add_wrapped(d, a, "contents_text", b.data, "", "  ");
	buf_reset(&b);
	if (c->start) {
		char *start = issue_format_date(c->start);

		buf_adds(&b, start);
		free(start);
		if (c->end) {
			char *end = issue_format_date(c->end);
			/* Same day: show only the finishing time. */
			if (!strncmp(c->start, c->end, 10) && strlen(end) > 7)
				buf_addf(&b, " to %s", end + strlen(end) - 5);
			else
				buf_addf(&b, " to %s", end);
			free(end);
		}
		tmpl_map_str(d, a, "when", b.data);
		add_wrapped(d, a, "when_text", b.data, "When:  ", "       ");
		buf_reset(&b);
	}
	if (c->location && *c->location) {
		tmpl_map_str(d, a, "location", c->location);
		add_wrapped(d, a, "location_text", c->location,
		            "Where: ", "       ");
	}
	render_issue_url(cfg, id, &url);
	if (!strcmp(c->type, "event") && c->start) {
		/* The event's calendar file, beside the issue's page. */
		buf_addf(&b, "%s%s.ics", for_email ? url.data : "", c->slug);
		tmpl_map_str(d, a, "ics_url", b.data);
		buf_reset(&b);
	}
	if (c->image) {
		if (for_email)
			buf_addf(&b, "%s%s", url.data, c->image);
		else
			buf_adds(&b, c->image);
		tmpl_map_str(d, a, "image_url", b.data);
		tmpl_map_str(d, a, "image_alt", c->image_alt);
		buf_reset(&b);
		buf_addf(&b, "[Image: %s]", c->image_alt);
		add_wrapped(d, a, "image_text", b.data, "", "");
		buf_reset(&b);
	}
	/* Article headings sit below the section (h2) and title (h3). */
	add_markdown(d, a, "body", c->doc, 2, for_email ? url.data : NULL,
	             for_email,
	             &(struct track){cfg, id, links, c->slug, c->partner});
	buf_release(&url);
	buf_release(&b);
	return a;
}

struct tmpl_value *render_article(struct tmpl_data *d,
                                  const struct contribution *c,
                                  const struct config *cfg, const char *id,
                                  int for_email)
{
	return article(d, c, cfg, id, for_email, NULL);
}

/* The editor's intro, its links counted as the piece "intro". */
static void add_intro(struct tmpl_data *d, struct tmpl_value *iss,
                      const struct issue *is, const struct config *cfg,
                      int for_email, struct linktable *links)
{
	struct track tr = {cfg, is->id, links, "intro", ""};
	cmark_node *doc;

	if (!is->intro || !*is->intro)
		return;
	doc = markdown_parse(is->intro, strlen(is->intro));
	add_markdown(d, iss, "intro", doc, 2, NULL, for_email, &tr);
	cmark_node_free(doc);
}

/* links: the email's numbered links with tracking.clicks, else NULL. */
static struct tmpl_value *context(struct tmpl_data *d, const struct issue *is,
                                  const struct config *cfg, int for_email,
                                  struct linktable *links)
{
	struct tmpl_value *root = tmpl_map(d), *nl = tmpl_map(d);
	struct tmpl_value *iss = tmpl_map(d), *sub = tmpl_map(d);
	struct tmpl_value *sections = tmpl_list(d), *empty = tmpl_list(d);
	struct buf b = BUF_INIT;
	char *date;

	tmpl_map_str(d, nl, "name", cfg->name);
	add_wrapped_title(d, nl, "name", cfg->name, '=');
	tmpl_map_str(d, nl, "base_url", cfg->base_url);
	tmpl_map_str(d, nl, "language", cfg->language);
	tmpl_map_str(d, nl, "list_id", cfg->list_id);
	tmpl_map_str(d, nl, "from_name", cfg->from_name);
	if (*cfg->footer) {
		tmpl_map_str(d, nl, "footer", cfg->footer);
		add_wrapped(d, nl, "footer_text", cfg->footer, "", "");
	}
	buf_addf(&b, "%s/subscribe", cfg->base_url);
	tmpl_map_str(d, nl, "subscribe_url", b.data);
	buf_reset(&b);
	tmpl_map_set(root, "newsletter", nl);

	tmpl_map_str(d, iss, "id", is->id);
	tmpl_map_str(d, iss, "title", is->title);
	add_wrapped_title(d, iss, "title", is->title, '=');
	tmpl_map_str(d, iss, "date", is->date);
	date = issue_format_date(is->date);
	tmpl_map_str(d, iss, "date_long", date);
	free(date);
	tmpl_map_str(d, iss, "preheader", is->preheader ? is->preheader : "");
	tmpl_map_bool(d, iss, "sample", is->sample);
	render_issue_url(cfg, is->id, &b);
	tmpl_map_str(d, iss, "web_url", b.data);
	buf_reset(&b);
	add_intro(d, iss, is, cfg, for_email, links);
	tmpl_map_set(root, "issue", iss);

	for (size_t s = 0; s < cfg->nsections; s++) {
		const struct config_section *sec = &cfg->sections[s];
		struct tmpl_value *sv = tmpl_map(d), *arts = tmpl_list(d);
		size_t count = 0;

		for (size_t i = 0; i < is->n; i++) {
			if (strcmp(is->v[i].section, sec->key))
				continue;
			tmpl_list_add(arts, article(d, &is->v[i], cfg, is->id,
			                            for_email, links));
			count++;
		}
		tmpl_map_str(d, sv, "key", sec->key);
		tmpl_map_str(d, sv, "title", sec->title);
		add_wrapped_title(d, sv, "title", sec->title, '=');
		tmpl_map_set(sv, "articles", arts);
		if (count)
			tmpl_list_add(sections, sv);
		else
			tmpl_list_add(empty, sv);
	}
	tmpl_map_set(root, "sections", sections);
	tmpl_map_set(root, "empty_sections", empty);

	tmpl_map_str(d, sub, "name", RENDER_MARK_NAME);
	tmpl_map_str(d, sub, "email", RENDER_MARK_EMAIL);
	tmpl_map_str(d, sub, "unsubscribe_url", RENDER_MARK_UNSUBSCRIBE);
	tmpl_map_str(d, sub, "greeting", RENDER_MARK_GREETING);
	tmpl_map_str(d, sub, "preferences_url", RENDER_MARK_PREFERENCES);
	if (for_email)
		tmpl_map_set(root, "subscriber", sub);
	buf_release(&b);
	return root;
}

int render_issue(const struct issue *is, const struct config *cfg,
                 struct render_output *out, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *email =
	        context(d, is, cfg, 1, cfg->track_clicks ? &out->links : NULL);
	int ret = -1;

	if (render_template(cfg, "email.html", email, 1, &out->email_html,
	                    err) < 0 ||
	    render_template(cfg, "email.txt", email, 0, &out->email_txt, err) <
	            0)
		goto out;
	ret = 0;
out:
	tmpl_data_free(d);
	return ret;
}

int render_issue_page(const struct issue *is, const struct config *cfg,
                      const char *name, const char *root, struct buf *out,
                      struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *web = context(d, is, cfg, 0, NULL);
	int ret;

	tmpl_map_str(d, web, "root", root);
	ret = render_template(cfg, name, web, 1, out, err);
	tmpl_data_free(d);
	return ret;
}

static const char *const marks[] = {
        RENDER_MARK_NAME,     RENDER_MARK_EMAIL,       RENDER_MARK_UNSUBSCRIBE,
        RENDER_MARK_GREETING, RENDER_MARK_PREFERENCES,
};
#define NMARKS (sizeof(marks) / sizeof(marks[0]))

void render_split_init(struct render_split *s, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t cap = 8;

	s->v = xmalloc(cap * sizeof(*s->v));
	s->n = 0;
	for (;;) {
		const char *hit = NULL;
		int field = -1;

		/* Every marker starts "[[bulletin:"; find the next one. */
		for (const char *q = p; q < end;) {
			const char *m =
			        memmem(q, (size_t)(end - q), "[[bulletin:", 11);

			if (!m)
				break;
			for (size_t i = 0; i < NMARKS; i++) {
				size_t ml = strlen(marks[i]);

				if ((size_t)(end - m) >= ml &&
				    !memcmp(m, marks[i], ml)) {
					hit = m;
					field = (int)i;
					break;
				}
			}
			if (hit)
				break;
			q = m + 11;
		}
		if (s->n == cap) {
			cap *= 2;
			s->v = xrealloc(s->v, cap * sizeof(*s->v));
		}
		s->v[s->n++] = (struct render_piece){
		        p, (size_t)((hit ? hit : end) - p), field};
		if (!hit)
			break;
		p = hit + strlen(marks[field]);
	}
}

void render_split_release(struct render_split *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void add_value(struct buf *out, const char *v, int html)
{
	if (html)
		buf_add_html(out, v, strlen(v));
	else
		buf_adds(out, v);
}

void render_field(const struct render_fields *f, int field, int html,
                  struct buf *out)
{
	switch (field) {
	case 0:
		add_value(out, *f->name ? f->name : f->email, html);
		break;
	case 1:
		add_value(out, f->email, html);
		break;
	case 2:
		add_value(out, f->unsubscribe_url, html);
		break;
	case 3:
		if (*f->name) {
			buf_adds(out, "Hello ");
			add_value(out, f->name, html);
			buf_addch(out, ',');
		} else {
			buf_adds(out, "Hello,");
		}
		break;
	case 4:
		add_value(out, f->preferences_url, html);
		break;
	}
}

void render_personalise(const struct render_split *s,
                        const struct render_fields *f, int html,
                        struct buf *out)
{
	for (size_t i = 0; i < s->n; i++) {
		buf_add(out, s->v[i].text, s->v[i].len);
		render_field(f, s->v[i].field, html, out);
	}
}

struct tmpl_value *render_sections(const struct config *cfg,
                                   struct tmpl_data *d)
{
	struct tmpl_value *list = tmpl_list(d);

	for (size_t i = 0; i < cfg->nsections; i++) {
		struct tmpl_value *s = tmpl_map(d);

		tmpl_map_str(d, s, "key", cfg->sections[i].key);
		tmpl_map_str(d, s, "title", cfg->sections[i].title);
		tmpl_list_add(list, s);
	}
	return list;
}
