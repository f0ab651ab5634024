#include "newissue.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "file.h"
#include "issue.h"
#include "render.h"
#include "template.h"
#include "yamldoc.h"
#include "banned.h"

int newissue_valid_id(const char *id)
{
	if (!*id || strlen(id) > 64 || id[0] == '-' || id[0] == '_')
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
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
		config_path(cfg, &path, "issues/%s/CONTRIBUTING.md", id);
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

int newissue_make(const struct config *cfg, const char *id, const char *title,
                  const char *date, const char *deadline, struct err *err)
{
	struct buf yaml = BUF_INIT, path = BUF_INIT;
	struct stat st;
	int ret = -1;

	config_path(cfg, &path, "issues/%s", id);
	if (stat(path.data, &st) == 0) {
		err_set(err, "issues/%s already exists; nothing was changed",
		        id);
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
