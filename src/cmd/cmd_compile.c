#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "diag.h"
#include "file.h"
#include "issue.h"
#include "lint.h"
#include "render.h"
#include "report.h"
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
	      "report.json)\n\n"
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

static int write_outputs(const struct issue *is, const struct config *cfg,
                         const struct buf *report, const struct buf *json,
                         struct err *err)
{
	struct render_output o = {BUF_INIT, BUF_INIT};
	struct buf p = BUF_INIT;
	int ret = -1;

	if (render_issue(is, cfg, &o, err) < 0)
		goto out;
#define OUT(fmt, b)                        \
	buf_reset(&p);                     \
	buf_addf(&p, fmt, is->id);         \
	if (write_out(p.data, b, err) < 0) \
		goto out;
	OUT("issues/%s/build/email.html", &o.email_html)
	OUT("issues/%s/build/email.txt", &o.email_txt)
	OUT("issues/%s/build/report.txt", report)
	OUT("issues/%s/build/report.json", json)
#undef OUT
	ret = 0;
out:
	render_output_release(&o);
	buf_release(&p);
	return ret;
}

int cmd_compile(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"strict", no_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct config cfg;
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf report = BUF_INIT, json = BUF_INIT, msgs = BUF_INIT;
	char *prefix = NULL, *id = NULL;
	int strict = 0, as_json = 0, c, ret = EXIT_FAIL;
	size_t errors, warnings;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			strict = 1;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cmd_workspace(&cfg, &prefix) < 0)
		return EXIT_FAIL;
	id = cmd_issue_id(argv[optind], prefix);
	if (!id)
		goto out_cfg;
	if (issue_load(&is, &cfg, id, &d, &err) < 0) {
		cmd_fail(&err);
		goto out_issue;
	}
	lint_issue(&is, &cfg, &d);
	diags_sort(&d);
	errors = diags_count(&d, DIAG_ERROR);
	warnings = diags_count(&d, DIAG_WARNING);
	for (size_t i = 0; i < d.n; i++)
		diag_format(&d.v[i], strict, &msgs);
	fputs(msgs.data, stderr);
	report_text(&is, &cfg, &d, strict, &report);
	report_json(&is, &cfg, &d, strict, &json);
	if (as_json)
		fputs(json.data, stdout);
	if (errors || (strict && warnings)) {
		fprintf(stderr,
		        "bulletin: %s: %zu error%s, %zu warning%s%s; nothing "
		        "was written\n",
		        is.dir, errors + (strict ? warnings : 0),
		        errors + (strict ? warnings : 0) == 1 ? "" : "s",
		        strict ? 0 : warnings,
		        warnings == 1 && !strict ? "" : "s",
		        strict && warnings ? " (warnings count as errors "
		                             "with --strict)"
		                           : "");
		goto out_issue;
	}
	if (write_outputs(&is, &cfg, &report, &json, &err) < 0) {
		cmd_fail(&err);
		goto out_issue;
	}
	if (!as_json)
		printf("compiled %s: %zu contribution%s, %zu warning%s\n"
		       "  %s/build/email.html\n  %s/build/email.txt\n"
		       "  %s/build/report.txt\n",
		       is.dir, is.n, is.n == 1 ? "" : "s", warnings,
		       warnings == 1 ? "" : "s", is.dir, is.dir, is.dir);
	ret = EXIT_OK;
out_issue:
	issue_release(&is);
out_cfg:
	free(id);
	free(prefix);
	diags_release(&d);
	err_release(&err);
	buf_release(&report);
	buf_release(&json);
	buf_release(&msgs);
	config_release(&cfg);
	return ret;
}
