#include <errno.h>
#include <getopt.h>
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

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	static const char *const dirs[] = {"issues", "subscribers"};
	struct err err = ERR_INIT;
	const char *dir;
	int c, clash = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dir = optind < argc ? argv[optind] : ".";
	if (file_mkdirs(dir, &err) < 0 || chdir(dir) < 0) {
		fprintf(stderr, "bulletin: cannot use %s: %s\n", dir,
		        err.set ? err_msg(&err) : strerror(errno));
		err_release(&err);
		return EXIT_FAIL;
	}
	/* Check everything first: a refusal must leave nothing half-made. */
	for (const struct default_file *f = defaults_files; f->name; f++)
		if (exists(f->name)) {
			fprintf(stderr, "bulletin: %s/%s already exists\n", dir,
			        f->name);
			clash = 1;
		}
	if (exists(".gitignore")) {
		fprintf(stderr, "bulletin: %s/.gitignore already exists\n",
		        dir);
		clash = 1;
	}
	if (clash) {
		fprintf(stderr, "bulletin: nothing was written; init makes a "
		                "new workspace in an empty folder\n");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (file_mkdirs(dirs[i], &err) < 0)
			goto fail;
	for (const struct default_file *f = defaults_files; f->name; f++)
		if (file_create_new(f->name, f->data, f->len, 0644, &err) < 0)
			goto fail;
	if (file_create_new(".gitignore", gitignore, strlen(gitignore), 0644,
	                    &err) < 0)
		goto fail;
	printf("made a bulletin workspace in %s\n"
	       "  edit bulletin.yaml (the newsletter's name, sender, "
	       "sections), then\n"
	       "  bulletin new 2027-01 --title \"January 2027\"\n",
	       dir);
	return EXIT_OK;
fail:
	cmd_fail(&err);
	err_release(&err);
	return EXIT_FAIL;
}
