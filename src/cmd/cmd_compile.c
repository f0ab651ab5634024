#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "defaults.h"
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
	      "  issues/ISSUE/build/report.txt   the report (and report.json)\n"
	      "  public/ISSUE/index.html         the web archive page\n"
	      "  public/index.html, public/feed.xml\n\n"
	      "  --strict   treat warnings as errors\n"
	      "  --json     print the report as JSON on stdout\n",
	      f);
}

static int write_out(const char *path, const struct buf *b, struct err *err)
{
	/* Compile outputs are rebuilt from their sources: no fsync needed. */
	return file_write_atomic(path, b->data, b->len, 0644, 0, err);
}

/*
 * Publishes the images the issue uses in its archive folder: the bytes
 * issue_load read through a checked descriptor and recognised as
 * pictures, never a fresh read of the path.
 */
static int copy_images(const struct issue *is, struct err *err)
{
	struct buf dst = BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < is->nimages && !ret; i++) {
		const struct issue_image *im = &is->images[i];

		if (!im->ok)
			continue;
		buf_reset(&dst);
		buf_addf(&dst, "public/%s/%s", is->id, im->name);
		ret = file_publish(dst.data, im->data, im->len, err);
	}
	buf_release(&dst);
	return ret;
}

/*
 * Removes from public/ID/ every file this compile did not write: a
 * picture no longer used, or one an older version published without the
 * checks (a link, the store...), must not stay public. Folders are left.
 */
static int prune_archive(const struct issue *is, struct err *err)
{
	struct buf dir = BUF_INIT;
	struct dirent *de;
	DIR *dh;
	int dfd, ret = 0;

	buf_addf(&dir, "public/%s", is->id);
	dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		ret = err_errno(err, "cannot open %s", dir.data);
		goto out;
	}
	dh = fdopendir(dfd);
	if (!dh) {
		close(dfd);
		ret = err_errno(err, "cannot open %s", dir.data);
		goto out;
	}
	while ((de = readdir(dh))) {
		const struct issue_image *im;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "index.html"))
			continue;
		im = issue_image_find(is, de->d_name);
		if (im && im->ok)
			continue;
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
		            0 ||
		    S_ISDIR(st.st_mode))
			continue;
		if (unlinkat(dirfd(dh), de->d_name, 0) < 0 && errno != ENOENT) {
			ret = err_errno(err, "cannot remove %s/%s", dir.data,
			                de->d_name);
			break;
		}
	}
	closedir(dh);
out:
	buf_release(&dir);
	return ret;
}

static int cmp_issue(const void *a, const void *b)
{
	const struct issue *x = a, *y = b;
	int c = strcmp(y->date ? y->date : "", x->date ? x->date : "");

	return c ? c : strcmp(y->id, x->id);
}

/* public/index.html and feed.xml list every issue compiled so far. */
static int write_archive(const struct config *cfg, struct err *err)
{
	struct issue *v = NULL;
	struct render_entry *e;
	struct buf index = BUF_INIT, feed = BUF_INIT, p = BUF_INIT;
	size_t n = 0;
	struct dirent *de;
	DIR *dh = opendir("issues");
	int ret = -1;

	while (dh && (de = readdir(dh))) {
		struct diags d = DIAGS_INIT;
		struct err e2 = ERR_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(&p);
		buf_addf(&p, "public/%s/index.html", de->d_name);
		if (stat(p.data, &st) < 0)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		if (issue_load_meta(&v[n], de->d_name, &d, &e2) == 0 &&
		    v[n].title && v[n].date)
			n++;
		else
			issue_release(&v[n]);
		diags_release(&d);
		err_release(&e2);
	}
	if (dh)
		closedir(dh);
	if (n)
		qsort(v, n, sizeof(*v), cmp_issue);
	e = xcalloc(n ? n : 1, sizeof(*e));
	for (size_t i = 0; i < n; i++)
		e[i] = (struct render_entry){v[i].id, v[i].title, v[i].date,
		                             v[i].preheader};
	if (render_archive(cfg, e, n, &index, &feed, err) < 0 ||
	    write_out("public/index.html", &index, err) < 0 ||
	    write_out("public/feed.xml", &feed, err) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		issue_release(&v[i]);
	free(v);
	free(e);
	buf_release(&index);
	buf_release(&feed);
	buf_release(&p);
	return ret;
}

static int write_style(struct err *err)
{
	struct buf css = BUF_INIT;
	int ret;

	if (buf_read_file(&css, "templates/style.css", 1 << 20) < 0) {
		const struct default_file *f =
		        defaults_find("templates/style.css");

		buf_reset(&css);
		if (f)
			buf_add(&css, f->data, f->len);
	}
	ret = write_out("public/style.css", &css, err);
	buf_release(&css);
	return ret;
}

static int write_outputs(const struct issue *is, const struct config *cfg,
                         const struct buf *report, const struct buf *json,
                         struct err *err)
{
	struct render_output o = {BUF_INIT, BUF_INIT, BUF_INIT};
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
	OUT("public/%s/index.html", &o.archive_html)
#undef OUT
	if (copy_images(is, err) < 0 || prune_archive(is, err) < 0 ||
	    write_style(err) < 0 || write_archive(cfg, err) < 0)
		goto out;
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
		       "  %s/build/report.txt\n  public/%s/index.html\n",
		       is.dir, is.n, is.n == 1 ? "" : "s", warnings,
		       warnings == 1 ? "" : "s", is.dir, is.dir, is.dir, is.id);
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
