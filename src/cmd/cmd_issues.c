#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "common.h"
#include "diag.h"
#include "issue.h"
#include "json.h"
#include "lifecycle.h"
#include "sendsched.h"
#include "store.h"
#include "banned.h"

const char cmd_issues_summary[] =
        "list every issue with where it stands (draft ... sent)";

static void usage(FILE *f)
{
	fputs("usage: bulletin issues [--json]\n\n"
	      "Lists every folder under issues/ with its state (draft,\n"
	      "compiled, approved, sending, sent), its deadline, how many\n"
	      "pieces it has, when it was last compiled, who approved it and\n"
	      "when it is scheduled to be sent.\n"
	      "An issue changed since it was compiled is a draft again.\n\n"
	      "  --json   the same as a JSON array, for scripts\n",
	      f);
}

/* One issue's line, every field text. */
struct row {
	char *id, *state, *deadline, *pieces, *compiled, *approver, *site,
	        *scheduled, *note;
};

static void row_release(struct row *r)
{
	free(r->id);
	free(r->state);
	free(r->deadline);
	free(r->pieces);
	free(r->compiled);
	free(r->approver);
	free(r->site);
	free(r->scheduled);
	free(r->note);
}

static char *when_text(int64_t t)
{
	struct buf b = BUF_INIT;

	if (!t)
		return xstrdup("-");
	lifecycle_when(t, &b);
	/* "on YYYY-MM-DD HH:MM" without "on " */
	memmove(b.data, b.data + 3, b.len - 2);
	return buf_detach(&b);
}

/* The deadline and number of pieces, from the issue's own files. */
static void fill_issue(struct row *r, const struct config *cfg)
{
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf n = BUF_INIT;

	if (issue_load(&is, cfg, r->id, &d, &err) == 0) {
		r->deadline = xstrdup(is.deadline && *is.deadline ? is.deadline
		                                                  : "-");
		buf_addf(&n, "%zu", is.n);
		r->pieces = buf_detach(&n);
	} else {
		r->deadline = xstrdup("?");
		r->pieces = xstrdup("?");
	}
	issue_release(&is);
	diags_release(&d);
	err_release(&err);
	buf_release(&n);
}

static int fill_row(struct row *r, const struct config *cfg, struct store *st,
                    struct err *err)
{
	struct lifecycle lc;
	struct buf when = BUF_INIT;

	if (cmd_schedule_check(cfg, st, r->id) < 0)
		return err_set(err, "the schedule of %s cannot be checked",
		               r->id);
	if (lifecycle_load(&lc, cfg, st, r->id, err) < 0)
		return -1;
	if (lc.has_schedule)
		schedule_describe(cfg, &lc.schedule, 1, &when);
	r->scheduled = when.len ? buf_detach(&when) : xstrdup("-");
	r->state = xstrdup(lifecycle_state_name(lc.state));
	r->compiled = lc.compiled ? when_text(lc.compiled_at) : xstrdup("-");
	r->approver = xstrdup(lc.approved ? lc.approval.by : "-");
	r->site = xstrdup(lc.published ? "published" : "-");
	r->note = xstrdup(lc.has_schedule && lc.schedule.state == SCHEDULE_HELD
	                          ? "scheduled send missed: see 'bulletin "
	                            "status'"
	                  : lc.stale ? "changed since compiled"
	                  : lc.approved && !lc.approval_holds &&
	                                  lc.state < LIFECYCLE_SENDING
	                          ? "changed since approved"
	                          : "");
	lifecycle_release(&lc);
	fill_issue(r, cfg);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->id, ((const struct row *)b)->id);
}

/* Every folder under issues/, by name. */
static struct row *list_issues(const struct config *cfg, size_t *n)
{
	struct buf p = BUF_INIT;
	struct row *v = NULL;
	struct dirent *de;
	DIR *d;

	*n = 0;
	config_path(cfg, &p, "issues");
	d = opendir(p.data);
	while (d && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		config_path(cfg, &p, "issues/%s", de->d_name);
		if (stat(p.data, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		memset(&v[*n], 0, sizeof(*v));
		v[(*n)++].id = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	buf_release(&p);
	if (*n)
		qsort(v, *n, sizeof(*v), by_id);
	return v;
}

static void print_json(const struct row *v, size_t n)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "[");
	for (size_t i = 0; i < n; i++) {
		const char *const f[][2] = {
		        {"issue", v[i].id},
		        {"state", v[i].state},
		        {"deadline", v[i].deadline},
		        {"pieces", v[i].pieces},
		        {"last_compile", v[i].compiled},
		        {"approved_by", v[i].approver},
		        {"site", v[i].site},
		        {"scheduled", v[i].scheduled},
		        {"note", v[i].note},
		};

		buf_adds(&b, i ? ",\n {" : "\n {");
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			buf_addf(&b, "%s\"%s\": ", k ? ", " : "", f[k][0]);
			if (!strcmp(f[k][1], "-") || !strcmp(f[k][1], "?"))
				buf_adds(&b, "null");
			else if (!strcmp(f[k][0], "pieces"))
				buf_adds(&b, f[k][1]); /* a count: digits */
			else
				json_add_string(&b, f[k][1]);
		}
		buf_adds(&b, "}");
	}
	buf_adds(&b, n ? "\n]\n" : "]\n");
	fputs(b.data, stdout);
	buf_release(&b);
}

static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

#define NCOLS 9

static const char *const head[NCOLS] = {"ISSUE",  "STATE",     "DEADLINE",
                                        "PIECES", "COMPILED",  "APPROVED BY",
                                        "SITE",   "SCHEDULED", "NOTE"};

/* The cells of a row (r NULL: the headings). */
static void cells(const struct row *r, const char *f[NCOLS])
{
	if (!r) {
		memcpy(f, head, sizeof(head));
		return;
	}
	f[0] = r->id;
	f[1] = r->state;
	f[2] = r->deadline;
	f[3] = r->pieces;
	f[4] = r->compiled;
	f[5] = r->approver;
	f[6] = r->site;
	f[7] = r->scheduled;
	f[8] = r->note;
}

static void print_table(const struct row *v, size_t n)
{
	const char *f[NCOLS];
	size_t w[NCOLS] = {0};

	for (size_t i = 0; i <= n; i++) {
		cells(i ? &v[i - 1] : NULL, f);
		for (size_t k = 0; k < NCOLS; k++)
			if (width(f[k]) > w[k])
				w[k] = width(f[k]);
	}
	for (size_t i = 0; i <= n; i++) {
		struct buf line = BUF_INIT;

		cells(i ? &v[i - 1] : NULL, f);
		for (size_t k = 0; k < NCOLS; k++) {
			buf_adds(&line, f[k]);
			for (size_t s = width(f[k]);
			     k + 1 < NCOLS && s < w[k] + 2; s++)
				buf_addch(&line, ' ');
		}
		while (line.len && line.data[line.len - 1] == ' ')
			line.data[--line.len] = '\0';
		puts(line.data);
		buf_release(&line);
	}
}

int cmd_issues(int argc, char **argv)
{
	int as_json = 0;
	const struct cmd_opt opts[] = {
	        {"json", 0, &as_json, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct store st;
	struct err err = ERR_INIT;
	struct row *v;
	size_t n;
	int ret;

	ret = cmd_begin(&run, argc, argv, opts, 0, 0, usage);
	if (ret >= 0)
		return ret;
	if (cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	v = list_issues(&run.cfg, &n);
	ret = EXIT_OK;
	for (size_t i = 0; i < n && ret == EXIT_OK; i++)
		if (fill_row(&v[i], &run.cfg, &st, &err) < 0)
			ret = cmd_fail(&err);
	store_close(&st);
	if (ret == EXIT_OK && as_json)
		print_json(v, n);
	else if (ret == EXIT_OK && n)
		print_table(v, n);
	else if (ret == EXIT_OK)
		printf("no issues yet: 'bulletin new ID' starts one\n");
	for (size_t i = 0; i < n; i++)
		row_release(&v[i]);
	free(v);
	err_release(&err);
	return cmd_end(&run, ret);
}
