#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "defaults.h"
#include "file.h"
#include "banned.h"

const char cmd_init_summary[] = "make a new workspace (settings, templates)";

static const char gitignore[] = "# written by bulletin init\n"
                                "/issues/*/build/\n"
                                "/public/\n"
                                "/outbox/\n"
                                "/subscribers/*.db\n"
                                "/subscribers/*.db-*\n";

static void usage(FILE *f)
{
	fputs("usage: bulletin init [DIR]\n\n"
	      "Makes a workspace in DIR (default: the current folder):\n"
	      "bulletin.yaml, issues/, subscribers/ and templates/ with the\n"
	      "default templates. Nothing that exists is overwritten.\n",
	      f);
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Whether anything init would write is there already (each said). */
static int clashes(const char *dir)
{
	int clash = 0;

	/* Check everything first: a refusal must leave nothing half-made. */
	for (const struct default_file *f = defaults_files; f->name; f++)
		if (exists(f->name)) {
			cmd_error("%s/%s already exists", dir, f->name);
			clash = 1;
		}
	if (exists(".gitignore")) {
		cmd_error("%s/.gitignore already exists", dir);
		clash = 1;
	}
	if (clash)
		cmd_error("nothing was written; init makes a new workspace in "
		          "an empty folder");
	return clash;
}

/* The folders, the default files and .gitignore; never overwriting. */
static int write_workspace(struct err *err)
{
	static const char *const dirs[] = {"issues", "subscribers"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (file_mkdirs(dirs[i], err) < 0)
			return -1;
	for (const struct default_file *f = defaults_files; f->name; f++)
		if (file_create_new(f->name, f->data, f->len, 0644, err) < 0)
			return -1;
	return file_create_new(".gitignore", gitignore, strlen(gitignore), 0644,
	                       err);
}

int cmd_init(int argc, char **argv)
{
	struct cmd_run run;
	struct err err = ERR_INIT;
	const char *dir;
	int ret;

	ret = cmd_begin(&run, argc, argv, NULL, CMD_ANY, CMD_NO_WORKSPACE,
	                usage);
	if (ret >= 0)
		return ret;
	if (run.nargs > 1) {
		usage(stderr);
		return cmd_end(&run, EXIT_USAGE);
	}
	dir = run.nargs ? run.args[0] : ".";
	if (file_mkdirs(dir, &err) < 0 || chdir(dir) < 0) {
		cmd_error("cannot use %s: %s", dir,
		          err.set ? err_msg(&err) : strerror(errno));
		ret = EXIT_FAIL;
	} else if (clashes(dir)) {
		ret = EXIT_FAIL;
	} else if (write_workspace(&err) < 0) {
		ret = cmd_fail(&err);
	} else {
		printf("made a bulletin workspace in %s\n"
		       "  edit bulletin.yaml (the newsletter's name, sender, "
		       "sections), then\n"
		       "  bulletin new 2027-01 --title \"January 2027\"\n",
		       dir);
		ret = EXIT_OK;
	}
	err_release(&err);
	return cmd_end(&run, ret);
}
