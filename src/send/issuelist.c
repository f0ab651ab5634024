#include "issuelist.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"
#include "issue.h"
#include "lifecycle.h"
#include "lint.h"
#include "schedule.h"
#include "banned.h"

static void row_release(struct issuelist_row *r)
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
	free(r->cancelled);
}

void issuelist_when(long long t, struct buf *out)
{
	struct buf b = BUF_INIT;

	if (!t) {
		buf_adds(out, "-");
		return;
	}
	lifecycle_when(t, &b);
	/* "on YYYY-MM-DD HH:MM" without "on " */
	buf_adds(out, b.data + 3);
	buf_release(&b);
}

static char *when_text(long long t)
{
	struct buf b = BUF_INIT;

	issuelist_when(t, &b);
	return buf_detach(&b);
}

/* The deadline, pieces and problems, from the issue's own files. */
static void fill_issue(struct issuelist_row *r, const struct config *cfg)
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
		lint_issue(&is, cfg, &d);
		r->errors = diags_count(&d, DIAG_ERROR);
		r->warnings = diags_count(&d, DIAG_WARNING);
	} else {
		r->deadline = xstrdup("?");
		r->pieces = xstrdup("?");
	}
	issue_release(&is);
	diags_release(&d);
	err_release(&err);
	buf_release(&n);
}

static int fill_row(struct issuelist_row *r, const struct config *cfg,
                    struct store *st, struct err *err)
{
	struct lifecycle lc;
	struct buf said = BUF_INIT, when = BUF_INIT;

	if (schedule_check(cfg, st, r->id, &said, err) < 0) {
		buf_release(&said);
		return -1;
	}
	r->cancelled = buf_detach(&said);
	if (lifecycle_load(&lc, cfg, st, r->id, err) < 0)
		return -1;
	if (lc.has_schedule)
		schedule_describe(cfg, &lc.schedule, 1, &when);
	r->scheduled = when.len ? buf_detach(&when) : xstrdup("-");
	buf_release(&when);
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
	return strcmp(((const struct issuelist_row *)a)->id,
	              ((const struct issuelist_row *)b)->id);
}

/* Every folder under issues/, by name. */
static struct issuelist_row *list_issues(const struct config *cfg, size_t *n)
{
	struct buf p = BUF_INIT;
	struct issuelist_row *v = NULL;
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

int issuelist_load(const struct config *cfg, struct store *st,
                   struct issuelist_row **v, size_t *n, struct err *err)
{
	*v = list_issues(cfg, n);
	for (size_t i = 0; i < *n; i++) {
		if (fill_row(&(*v)[i], cfg, st, err) < 0) {
			issuelist_free(*v, *n);
			*v = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}

void issuelist_free(struct issuelist_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_release(&v[i]);
	free(v);
}
