#include "build.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "docx.h"
#include "file.h"
#include "inputs.h"
#include "issue.h"
#include "linktable.h"
#include "lint.h"
#include "preview.h"
#include "render.h"
#include "report.h"
#include "banned.h"

void build_result_release(struct build_result *r)
{
	buf_release(&r->json);
	memset(r, 0, sizeof(*r));
}

static int write_out(const char *path, const struct buf *b, struct err *err)
{
	/* Compile outputs are rebuilt from their sources: no fsync needed. */
	return file_write_atomic(path, b->data, b->len, 0644, 0, err);
}

/* build/preview.html: the email as a sample reader sees it. */
static int write_preview(const struct issue *is, const struct config *cfg,
                         const struct buf *html, struct err *err)
{
	const struct preview_reader r = {PREVIEW_SAMPLE_NAME,
	                                 PREVIEW_SAMPLE_EMAIL};
	struct buf page = BUF_INIT, p = BUF_INIT;
	int ret;

	preview_html(cfg, is->id, html->data, html->len, &r, "../", &page);
	config_path(cfg, &p, "issues/%s/build/preview.html", is->id);
	ret = write_out(p.data, &page, err);
	buf_release(&page);
	buf_release(&p);
	return ret;
}

/* build/links with tracking.clicks; none without (an old one goes). */
static int write_links(const struct config *cfg, const char *id,
                       const struct linktable *links, struct err *err)
{
	struct buf p = BUF_INIT, text = BUF_INIT;
	int ret = 0;

	config_path(cfg, &p, "issues/%s/build/links", id);
	if (cfg->track_clicks) {
		linktable_format(links, &text);
		ret = write_out(p.data, &text, err);
	} else if (unlink(p.data) < 0 && errno != ENOENT) {
		ret = err_errno(err, "cannot remove %s", p.data);
	}
	buf_release(&p);
	buf_release(&text);
	return ret;
}

static int write_outputs(const struct issue *is, const struct config *cfg,
                         const struct buf *report, const struct buf *json,
                         struct err *err)
{
	struct render_output o = {BUF_INIT, BUF_INIT, LINKTABLE_INIT};
	struct buf p = BUF_INIT;
	int ret = -1;

	if (render_issue(is, cfg, &o, err) < 0)
		goto out;
#define OUT(fmt, b)                        \
	buf_reset(&p);                     \
	config_path(cfg, &p, fmt, is->id); \
	if (write_out(p.data, b, err) < 0) \
		goto out;
	OUT("issues/%s/build/email.html", &o.email_html)
	OUT("issues/%s/build/email.txt", &o.email_txt)
	OUT("issues/%s/build/report.txt", report)
	OUT("issues/%s/build/report.json", json)
#undef OUT
	if (write_links(cfg, is->id, &o.links, err) < 0)
		goto out;
	if (write_preview(is, cfg, &o.email_html, err) < 0)
		goto out;
	ret = 0;
out:
	render_output_release(&o);
	buf_release(&p);
	return ret;
}

/* Checks the loaded issue, reports, and writes it when nothing stops it. */
static int check_and_write(const struct config *cfg, struct issue *is,
                           const struct inputs *in, struct diags *d, int strict,
                           struct build_result *r, struct err *err)
{
	struct buf report = BUF_INIT;
	int ret = 0;

	lint_issue(is, cfg, d);
	diags_sort(d);
	r->pieces = is->n;
	r->errors = diags_count(d, DIAG_ERROR);
	r->warnings = diags_count(d, DIAG_WARNING);
	report_text(is, cfg, d, strict, &report);
	report_json(is, cfg, d, strict, &r->json);
	if (!r->errors && !(strict && r->warnings)) {
		/* build/inputs last: it says the rest is complete. */
		ret = write_outputs(is, cfg, &report, &r->json, err) < 0 ||
		                      inputs_write(in, cfg, is->id, err) < 0
		              ? -1
		              : 0;
		r->written = ret == 0;
		inputs_digest(in, r->digest);
	}
	buf_release(&report);
	return ret;
}

int build_issue(const struct config *cfg, const char *id, int strict,
                struct diags *d, struct build_result *r, struct err *err)
{
	struct issue is;
	struct inputs in;
	int ret;

	memset(r, 0, sizeof(*r));
	buf_init(&r->json);
	/* Word files become pieces first, so the inputs include them; then
	 * the inputs before the issue is read: a change meanwhile shows as
	 * one after. */
	if (docx_convert_issue(cfg, id, d, err) < 0 ||
	    inputs_collect(&in, cfg, id, err) < 0)
		return -1;
	ret = issue_load(&is, cfg, id, d, err);
	if (ret == 0)
		ret = check_and_write(cfg, &is, &in, d, strict, r, err);
	issue_release(&is);
	inputs_release(&in);
	return ret;
}
