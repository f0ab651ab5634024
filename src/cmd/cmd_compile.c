#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "build.h"
#include "diag.h"
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
	      "Each Word file (.docx) without its piece is first made into\n"
	      "one, issues/ISSUE/SLUG.md (with pandoc), for its details to be\n"
	      "completed.\n\n"
	      "Nothing else is written: the public site shows an issue only\n"
	      "once it is sent or published ('bulletin publish ISSUE').\n\n"
	      "  --strict   treat warnings as errors\n"
	      "  --json     print the report as JSON on stdout\n",
	      f);
}

/*
 * Records who compiled it in the store: a note when it cannot, since
 * compiling needs no subscriber store.
 */
static void record_compile(const struct config *cfg, const char *id,
                           const char *digest)
{
	struct store st;
	struct err err = ERR_INIT;
	char *who = cmd_login_name();

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
}

/* Prints the problems found, and why nothing was written if so. */
static void judge(const char *id, const struct diags *d, int strict,
                  const struct build_result *r)
{
	struct buf msgs = BUF_INIT;
	size_t counted = r->errors + (strict ? r->warnings : 0);

	for (size_t i = 0; i < d->n; i++)
		diag_format(&d->v[i], strict, &msgs);
	fputs(msgs.data, stderr);
	buf_release(&msgs);
	if (r->written)
		return;
	cmd_error("issues/%s: %zu error%s, %zu warning%s%s; nothing was "
	          "written",
	          id, counted, counted == 1 ? "" : "s",
	          strict ? 0 : r->warnings,
	          r->warnings == 1 && !strict ? "" : "s",
	          strict && r->warnings ? " (warnings count as errors with "
	                                  "--strict)"
	                                : "");
}

static void said_compiled(const char *id, const struct build_result *r)
{
	printf("compiled issues/%s: %zu contribution%s, %zu warning%s\n"
	       "  issues/%s/build/email.html\n  issues/%s/build/email.txt\n"
	       "  issues/%s/build/report.txt\n  "
	       "issues/%s/build/preview.html\n",
	       id, r->pieces, r->pieces == 1 ? "" : "s", r->warnings,
	       r->warnings == 1 ? "" : "s", id, id, id, id);
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
	struct build_result r;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_ISSUE, usage);
	if (ret >= 0)
		return ret;
	if (build_issue(&run.cfg, run.issue, strict, &d, &r, &err) < 0) {
		ret = cmd_fail(&err);
	} else {
		judge(run.issue, &d, strict, &r);
		if (as_json)
			fputs(r.json.data, stdout);
		if (r.written) {
			record_compile(&run.cfg, run.issue, r.digest);
			if (!as_json)
				said_compiled(run.issue, &r);
		}
		ret = r.written ? EXIT_OK : EXIT_FAIL;
	}
	build_result_release(&r);
	diags_release(&d);
	err_release(&err);
	return cmd_end(&run, ret);
}
