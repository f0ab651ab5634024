#include "report.h"

#include <string.h>

#include "json.h"
#include "banned.h"

static size_t count_for(const struct diags *d, const char *path,
                        enum diag_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].level == level && !strcmp(d->v[i].file, path);
	return n;
}

static size_t section_count(const struct issue *is, const char *key)
{
	size_t n = 0;

	for (size_t i = 0; i < is->n; i++)
		n += is->v[i].section && !strcmp(is->v[i].section, key);
	return n;
}

/* Pads or cuts s to w code points, so the table's columns line up. */
static void cell(struct buf *out, const char *s, size_t w)
{
	size_t cols = 0;

	for (const char *p = s ? s : ""; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80) {
			if (cols == w)
				break;
			cols++;
		}
		buf_addch(out, *p);
	}
	for (; cols < w; cols++)
		buf_addch(out, ' ');
	buf_addch(out, ' ');
}

/* Thousands separated, as people read sizes: 20,038. */
static void add_count(struct buf *out, unsigned long long n)
{
	if (n >= 1000) {
		add_count(out, n / 1000);
		buf_addf(out, ",%03llu", n % 1000);
	} else {
		buf_addf(out, "%llu", n);
	}
}

/* Each picture the issue uses, with its pixel size and file size. */
static void images_text(const struct issue *is, struct buf *out)
{
	int any = 0;

	buf_adds(out, "\nImages:\n");
	for (size_t i = 0; i < is->nimages; i++) {
		const struct issue_image *im = &is->images[i];

		if (!im->ok)
			continue;
		buf_addf(out, "  %s: %s, ", im->name,
		         image_type_name(im->info.type));
		add_count(out, im->info.width);
		buf_adds(out, " × ");
		add_count(out, im->info.height);
		buf_adds(out, " pixels, ");
		add_count(out, im->len);
		buf_addf(out, " bytes%s\n",
		         im->info.width > ISSUE_IMAGE_WIDE
		                 ? " (wider than needed)"
		                 : "");
		any = 1;
	}
	if (!any)
		buf_adds(out, "  (none)\n");
}

void report_text(const struct issue *is, const struct config *cfg,
                 const struct diags *d, int strict, struct buf *out)
{
	size_t words = 0, errors = diags_count(d, DIAG_ERROR);
	size_t warnings = diags_count(d, DIAG_WARNING);
	int empty = 0;

	buf_addf(out, "Compile report: %s — %s (%s)\n\n", is->id,
	         is->title ? is->title : "(no title)",
	         is->date ? is->date : "no date");
	cell(out, "Partner", 28);
	cell(out, "Title", 34);
	cell(out, "Section", 16);
	cell(out, "Type", 11);
	buf_adds(out, "Words  Ease  Warnings\n");
	for (size_t i = 0; i < is->n; i++) {
		const struct contribution *c = &is->v[i];

		cell(out, c->partner, 28);
		cell(out, c->title ? c->title : c->slug, 34);
		cell(out, c->section, 16);
		cell(out, c->type, 11);
		buf_addf(out, "%5zu  %4.0f  %zu%s\n", c->words, c->reading_ease,
		         count_for(d, c->path, DIAG_WARNING),
		         c->ok ? "" : "  (has errors)");
		words += c->words;
	}
	buf_adds(out, "\nSections with no contribution:\n");
	for (size_t s = 0; s < cfg->nsections; s++)
		if (!section_count(is, cfg->sections[s].key)) {
			buf_addf(out, "  - %s (%s)\n", cfg->sections[s].title,
			         cfg->sections[s].key);
			empty = 1;
		}
	if (!empty)
		buf_adds(out, "  (none: every section has something)\n");
	if (is->nwithdrawn) {
		buf_adds(out, "\nWithdrawn (in no email and on no page):\n");
		for (size_t i = 0; i < is->nwithdrawn; i++)
			buf_addf(out, "  - %s%s%s\n", is->withdrawn[i].path,
			         is->withdrawn[i].withdrawn_reason ? ": " : "",
			         is->withdrawn[i].withdrawn_reason
			                 ? is->withdrawn[i].withdrawn_reason
			                 : "");
	}
	images_text(is, out);
	buf_addf(out,
	         "\nTotals: %zu contributions, %zu words, %zu error%s, %zu "
	         "warning%s%s\n",
	         is->n, words, errors, errors == 1 ? "" : "s", warnings,
	         warnings == 1 ? "" : "s",
	         strict && warnings ? " (errors under --strict)" : "");
	if (d->n) {
		buf_adds(out, "\nProblems:\n");
		for (size_t i = 0; i < d->n; i++)
			diag_format(&d->v[i], strict, out);
	}
}

static void field(struct buf *out, const char *key, const char *value,
                  int comma)
{
	buf_addf(out, "\"%s\": ", key);
	json_add_string(out, value);
	if (comma)
		buf_adds(out, ", ");
}

void report_json(const struct issue *is, const struct config *cfg,
                 const struct diags *d, int strict, struct buf *out)
{
	size_t words = 0;
	int first = 1;

	buf_adds(out, "{\n  ");
	field(out, "issue", is->id, 1);
	field(out, "title", is->title, 1);
	field(out, "date", is->date, 0);
	buf_adds(out, ",\n  \"contributions\": [");
	for (size_t i = 0; i < is->n; i++) {
		const struct contribution *c = &is->v[i];

		buf_adds(out, i ? ",\n    {" : "\n    {");
		field(out, "file", c->path, 1);
		field(out, "partner", c->partner, 1);
		field(out, "title", c->title, 1);
		field(out, "section", c->section, 1);
		field(out, "type", c->type, 1);
		buf_addf(out,
		         "\"words\": %zu, \"reading_ease\": %.1f, "
		         "\"warnings\": %zu, \"errors\": %zu}",
		         c->words, c->reading_ease,
		         count_for(d, c->path, DIAG_WARNING),
		         count_for(d, c->path, DIAG_ERROR));
		words += c->words;
	}
	buf_adds(out, "\n  ],\n  \"empty_sections\": [");
	for (size_t s = 0; s < cfg->nsections; s++)
		if (!section_count(is, cfg->sections[s].key)) {
			if (!first)
				buf_adds(out, ", ");
			json_add_string(out, cfg->sections[s].key);
			first = 0;
		}
	buf_adds(out, "],\n  \"images\": [");
	first = 1;
	for (size_t i = 0; i < is->nimages; i++) {
		const struct issue_image *im = &is->images[i];

		if (!im->ok)
			continue;
		buf_adds(out, first ? "\n    {" : ",\n    {");
		field(out, "file", im->path, 1);
		field(out, "type", image_type_name(im->info.type), 0);
		buf_addf(out,
		         ", \"width\": %lu, \"height\": %lu, \"bytes\": "
		         "%zu}",
		         im->info.width, im->info.height, im->len);
		first = 0;
	}
	buf_adds(out, first ? "],\n  \"diagnostics\": ["
	                    : "\n  ],\n  \"diagnostics\": [");
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];

		buf_adds(out, i ? ",\n    {" : "\n    {");
		field(out, "file", g->file, 0);
		buf_addf(out, ", \"line\": %d, \"column\": %d, ", g->line,
		         g->col);
		field(out, "severity", diag_level_name(g, strict), 1);
		field(out, "code", g->code, 1);
		field(out, "message", g->msg, 0);
		buf_addch(out, '}');
	}
	buf_addf(out,
	         "\n  ],\n  \"totals\": {\"contributions\": %zu, \"words\": "
	         "%zu, \"errors\": %zu, \"warnings\": %zu}\n}\n",
	         is->n, words, diags_count(d, DIAG_ERROR),
	         diags_count(d, DIAG_WARNING));
}
