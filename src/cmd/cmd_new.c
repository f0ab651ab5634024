#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "file.h"
#include "issue.h"
#include "render.h"
#include "template.h"
#include "yamldoc.h"
#include "banned.h"

const char cmd_new_summary[] = "start a new issue and its partners' guide";

static void usage(FILE *f)
{
	fputs("usage: bulletin new ID [--title T] [--date YYYY-MM-DD] "
	      "[--deadline YYYY-MM-DD]\n\n"
	      "Creates issues/ID/issue.yaml and issues/ID/CONTRIBUTING.md, "
	      "the guide\nfor partners on writing and dropping a "
	      "contribution. ID may use\nletters, digits, '-' and '_' "
	      "(e.g. 2027-01).\n",
	      f);
}

static int valid_id(const char *id)
{
	if (!*id || strlen(id) > 64 || id[0] == '-' || id[0] == '_')
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

static int check_date(const char *what, const char *s)
{
	struct tm tm;
	int has_time;

	if (issue_parse_datetime(s, &tm, &has_time) == 0 && !has_time)
		return 0;
	cmd_error("--%s '%s' is not a date: write it as YYYY-MM-DD, e.g. "
	          "2027-01-15",
	          what, s);
	return -1;
}

static int write_guide(const struct config *cfg, const char *id,
                       const char *title, const char *deadline, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct tmpl_value *root = tmpl_map(d);
	struct buf out = BUF_INIT, path = BUF_INIT, n = BUF_INIT;
	char *when = deadline ? issue_format_date(deadline) : NULL;
	int ret;

	tmpl_map_str(d, root, "newsletter_name", cfg->name);
	tmpl_map_str(d, root, "issue_id", id);
	tmpl_map_str(d, root, "issue_title", title);
	if (when)
		tmpl_map_str(d, root, "deadline", when);
	buf_addf(&n, "%ld", cfg->word_limit);
	tmpl_map_set(root, "word_limit", tmpl_number(d, n.data));
	buf_reset(&n);
	buf_addf(&n, "%ld", cfg->image_max_kb);
	tmpl_map_set(root, "image_max_kb", tmpl_number(d, n.data));
	tmpl_map_set(root, "sections", render_sections(cfg, d));
	ret = render_template(cfg, "contributing.md", root, 0, &out, err);
	if (!ret) {
		buf_addf(&path, "issues/%s/CONTRIBUTING.md", id);
		ret = file_create_new(path.data, out.data, out.len, 0644, err);
	}
	free(when);
	tmpl_data_free(d);
	buf_release(&out);
	buf_release(&path);
	buf_release(&n);
	return ret;
}

/* issues/ID/issue.yaml's text. */
static void issue_yaml(struct buf *yaml, const char *id, const char *title,
                       const char *date, const char *deadline)
{
	char today[16];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	buf_adds(yaml, "# One issue of the newsletter. Contributions (*.md) "
	               "and images go in\n# this folder; CONTRIBUTING.md "
	               "tells partners how.\ntitle: ");
	yamldoc_add_quoted(yaml, title ? title : id);
	buf_addf(yaml, "\ndate: %s\n", date ? date : today);
	if (deadline)
		buf_addf(yaml, "deadline: %s\n", deadline);
	buf_adds(yaml, "# preheader: one line shown in the inbox "
	               "before the email is opened\n"
	               "# intro: |\n#   A few words from the editor.\n");
}

/* issues/ID with its issue.yaml and CONTRIBUTING.md; never overwrites. */
static int make_issue(const struct config *cfg, const char *id,
                      const char *title, const char *date, const char *deadline,
                      struct err *err)
{
	struct buf yaml = BUF_INIT, path = BUF_INIT;
	struct stat st;
	int ret = -1;

	buf_addf(&path, "issues/%s", id);
	if (stat(path.data, &st) == 0) {
		err_set(err, "%s already exists; nothing was changed",
		        path.data);
		goto out;
	}
	issue_yaml(&yaml, id, title, date, deadline);
	if (file_mkdirs(path.data, err) < 0)
		goto out;
	buf_adds(&path, "/issue.yaml");
	if (file_create_new(path.data, yaml.data, yaml.len, 0644, err) < 0 ||
	    write_guide(cfg, id, title ? title : id, deadline, err) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&yaml);
	buf_release(&path);
	return ret;
}

int cmd_new(int argc, char **argv)
{
	const char *title = NULL, *date = NULL, *deadline = NULL, *id;
	const struct cmd_opt opts[] = {
	        {"title", 1, &title, 0},
	        {"date", 1, &date, 0},
	        {"deadline", 1, &deadline, 0},
	        {NULL, 0, NULL, 0},
	};
	struct cmd_run run;
	struct err err = ERR_INIT;
	int ret;

	ret = cmd_begin(&run, argc, argv, opts, 1, CMD_NO_WORKSPACE, usage);
	if (ret >= 0)
		return ret;
	id = run.args[0];
	if (!valid_id(id)) {
		cmd_error("'%s' cannot be an issue ID: use letters, digits, "
		          "'-' and '_' (e.g. 2027-01)",
		          id);
		return cmd_end(&run, EXIT_USAGE);
	}
	if ((date && check_date("date", date) < 0) ||
	    (deadline && check_date("deadline", deadline) < 0))
		return cmd_end(&run, EXIT_USAGE);
	if (cmd_workspace(&run.cfg, NULL) < 0)
		return cmd_end(&run, EXIT_FAIL);
	if (make_issue(&run.cfg, id, title, date, deadline, &err) < 0) {
		ret = cmd_fail(&err);
	} else {
		printf("made issues/%s: share issues/%s/CONTRIBUTING.md with "
		       "partners\n",
		       id, id);
		ret = EXIT_OK;
	}
	err_release(&err);
	return cmd_end(&run, ret);
}
