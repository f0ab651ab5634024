#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "issuelist.h"
#include "json.h"
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

static void print_json(const struct issuelist_row *v, size_t n)
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
static void cells(const struct issuelist_row *r, const char *f[NCOLS])
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

static void print_table(const struct issuelist_row *v, size_t n)
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
	struct issuelist_row *v = NULL;
	size_t n = 0;
	int ret;

	ret = cmd_begin(&run, argc, argv, opts, 0, 0, usage);
	if (ret >= 0)
		return ret;
	if (cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	ret = issuelist_load(&run.cfg, &st, &v, &n, &err) < 0 ? cmd_fail(&err)
	                                                      : EXIT_OK;
	store_close(&st);
	/* A schedule cancelled on the way is said, as every command does. */
	for (size_t i = 0; i < n; i++)
		if (v[i].cancelled && *v[i].cancelled)
			cmd_error("%s", v[i].cancelled);
	if (ret == EXIT_OK && as_json)
		print_json(v, n);
	else if (ret == EXIT_OK && n)
		print_table(v, n);
	else if (ret == EXIT_OK)
		printf("no issues yet: 'bulletin new ID' starts one\n");
	issuelist_free(v, n);
	err_release(&err);
	return cmd_end(&run, ret);
}
