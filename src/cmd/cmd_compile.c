#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "diag.h"
#include "file.h"
#include "inputs.h"
#include "issue.h"
#include "lint.h"
#include "preview.h"
#include "render.h"
#include "report.h"
#include "store.h"
#include "store_issue.h"
#include "banned.h"

const char cmd_compile_summary[] =
        "check an issue's contributions and build the newsletter";

static void usage(FILE *f)
{
	fputs("usage: bulletin compile ISSUE [--strict] [--json]\n\n"
	      "Checks every contribution in issues/ISSUE and, when there are\n"
	      "no errors, writes:\n"
	      "  issues/ISSUE/build/email.html   the HTML newsletter\n"
	      "  issues/ISSUE/build/email.txt    its plain-text version\n"
	      "  issues/ISSUE/build/report.txt   the report (and "
	      "report.json)\n"
	      "  issues/ISSUE/build/preview.html the email as a reader sees "
	      "it,\n"
	      "                                  to open in a browser\n"
	      "  issues/ISSUE/build/inputs       the SHA-256 of everything it "
	      "was\n"
	      "                                  made from (for approve and "
	      "send)\n\n"
	      "Nothing else is written: the public site shows an issue only\n"
	      "once it is sent or published ('bulletin publish ISSUE').\n\n"
	      "  --strict   treat warnings as errors\n"
	      "  --json     print the report as JSON on stdout\n",
	      f);
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

/*
 * The last step: build/inputs says what the build was made from (read
 * before the issue was, so a change during the compile shows as one
 * after it). Then the store records who compiled it: a note when it
 * cannot, since compiling needs no subscriber store.
 */
static int record_compile(const struct config *cfg, const char *id,
                          const struct inputs *in)
{
	struct store st;
	struct err err = ERR_INIT;
	char digest[SHA256_LEN * 2 + 1];
	char *who;

	if (inputs_write(in, cfg, id, &err) < 0) {
		cmd_fail(&err);
		err_release(&err);
		return -1;
	}
	who = cmd_login_name();
	inputs_digest(in, digest);
	if (store_open(&st, cfg->store, &err) == 0) {
		if (st.notice)
			cmd_error("%s", st.notice);
		store_issue_event(&st, id, "compiled", who, digest, &err);
		store_close(&st);
	}
	if (err.set)
		cmd_error("note: the compile is not recorded in the store, so "
		          "'bulletin issues' cannot say who compiled it: %s",
		          err_msg(&err));
	free(who);
	err_release(&err);
	return 0;
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

/* Prints the problems found; 1 when they stop the build (said). */
static int judge(const struct issue *is, struct diags *d, int strict,
                 size_t *warnings)
{
	struct buf msgs = BUF_INIT;
	size_t errors, counted;

	diags_sort(d);
	errors = diags_count(d, DIAG_ERROR);
	*warnings = diags_count(d, DIAG_WARNING);
	for (size_t i = 0; i < d->n; i++)
		diag_format(&d->v[i], strict, &msgs);
	fputs(msgs.data, stderr);
	buf_release(&msgs);
	if (!errors && !(strict && *warnings))
		return 0;
	counted = errors + (strict ? *warnings : 0);
	cmd_error("%s: %zu error%s, %zu warning%s%s; nothing was written",
	          is->dir, counted, counted == 1 ? "" : "s",
	          strict ? 0 : *warnings, *warnings == 1 && !strict ? "" : "s",
	          strict && *warnings ? " (warnings count as errors with "
	                                "--strict)"
	                              : "");
	return 1;
}

/* Checks the loaded issue, reports, and builds it when nothing stops
 * it. Returns the exit code. */
static int check_and_build(const struct config *cfg, struct issue *is,
                           const struct inputs *in, struct diags *d, int strict,
                           int as_json)
{
	struct buf report = BUF_INIT, json = BUF_INIT;
	struct err err = ERR_INIT;
	size_t warnings;
	int ret = EXIT_FAIL, stop;

	lint_issue(is, cfg, d);
	stop = judge(is, d, strict, &warnings);
	report_text(is, cfg, d, strict, &report);
	report_json(is, cfg, d, strict, &json);
	if (as_json)
		fputs(json.data, stdout);
	if (stop) {
		/* said */
	} else if (write_outputs(is, cfg, &report, &json, &err) < 0) {
		cmd_fail(&err);
	} else if (record_compile(cfg, is->id, in) == 0) {
		if (!as_json)
			printf("compiled %s: %zu contribution%s, %zu "
			       "warning%s\n"
			       "  %s/build/email.html\n  %s/build/email.txt\n"
			       "  %s/build/report.txt\n  "
			       "%s/build/preview.html\n",
			       is->dir, is->n, is->n == 1 ? "" : "s", warnings,
			       warnings == 1 ? "" : "s", is->dir, is->dir,
			       is->dir, is->dir);
		ret = EXIT_OK;
	}
	buf_release(&report);
	buf_release(&json);
	err_release(&err);
	return ret;
}

int cmd_compile(int argc, char **argv)
{
	int strict = 0, as_json = 0, ret;
	const struct cmd_opt opts[] = {
	        {"strict", 0, &strict, 0},
	        {"json", 0, &as_json, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct issue is;
	struct inputs in;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (inputs_collect(&in, &run.cfg, run.issue, &err) < 0) {
		ret = cmd_fail(&err);
	} else {
		if (issue_load(&is, &run.cfg, run.issue, &d, &err) < 0)
			ret = cmd_fail(&err);
		else
			ret = check_and_build(&run.cfg, &is, &in, &d, strict,
			                      as_json);
		issue_release(&is);
		inputs_release(&in);
	}
	diags_release(&d);
	err_release(&err);
	return cmd_end(&run, ret);
}
