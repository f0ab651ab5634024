#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "err.h"
#include "diag.h"
#include "lint.h"
#include "issue.h"
#include "store.h"
#include "banned.h"

void cmd_error(const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	buf_adds(&line, "bulletin: ");
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	buf_addch(&line, '\n');
	fputs(line.data, stderr);
	buf_release(&line);
}

int cmd_fail(const struct err *err)
{
	cmd_error("%s", err_msg(err));
	return EXIT_FAIL;
}

/* getopt_long's table for opts, with --help; *n gets the count. */
static struct option *long_options(const struct cmd_opt *opts, size_t *n)
{
	struct option *lo;
	size_t i;

	for (*n = 0; opts && opts[*n].name; (*n)++)
		;
	lo = calloc(*n + 2, sizeof(*lo));
	if (!lo)
		abort();
	for (i = 0; i < *n; i++)
		lo[i] = (struct option){opts[i].name,
		                        opts[i].takes_value ? required_argument
		                                            : no_argument,
		                        NULL, (int)(i + 1)};
	lo[i] = (struct option){"help", no_argument, NULL, 'h'};
	return lo;
}

/* getopt's short options for opts: "h" and each -X, with ':' for a value. */
static void short_options(const struct cmd_opt *opts, size_t n, struct buf *out)
{
	buf_addch(out, 'h');
	for (size_t i = 0; i < n; i++)
		if (opts[i].short_name) {
			buf_addch(out, opts[i].short_name);
			if (opts[i].takes_value)
				buf_addch(out, ':');
		}
}

/* The option getopt_long returned c for, or NULL for --help or a
 * mistake. */
static const struct cmd_opt *option_of(const struct cmd_opt *opts, size_t n,
                                       int c)
{
	if (c >= 1 && (size_t)c <= n)
		return &opts[c - 1];
	for (size_t i = 0; i < n && c != 'h'; i++)
		if (opts[i].short_name && opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

/* Parses the options; -1 to go on, or the exit code. */
static int parse_options(int argc, char **argv, const struct cmd_opt *opts,
                         void (*usage)(FILE *))
{
	size_t n;
	struct option *lo = long_options(opts, &n);
	struct buf shorts = BUF_INIT;
	int c, ret = -1;

	short_options(opts, n, &shorts);
	optind = 1;
	while (ret < 0 &&
	       (c = getopt_long(argc, argv, shorts.data, lo, NULL)) != -1) {
		const struct cmd_opt *o = option_of(opts, n, c);

		if (c == 'h') {
			usage(stdout);
			ret = EXIT_OK;
		} else if (!o) {
			usage(stderr);
			ret = EXIT_USAGE;
		} else if (o->takes_value) {
			*(const char **)o->out = optarg;
		} else {
			*(int *)o->out = 1;
		}
	}
	buf_release(&shorts);
	free(lo);
	return ret;
}

int cmd_begin(struct cmd_run *run, int argc, char **argv,
              const struct cmd_opt *opts, int operands, int flags,
              void (*usage)(FILE *))
{
	int ret;

	memset(run, 0, sizeof(*run));
	ret = parse_options(argc, argv, opts, usage);
	if (ret >= 0)
		return ret;
	run->args = argv + optind;
	run->nargs = argc - optind;
	if ((operands != CMD_ANY && run->nargs != operands) ||
	    ((flags & CMD_ISSUE) && run->nargs < 1)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (flags & CMD_NO_WORKSPACE)
		return -1;
	if (cmd_workspace(&run->cfg, &run->prefix) < 0)
		return EXIT_FAIL;
	if (flags & CMD_ISSUE) {
		run->issue = cmd_issue_id(run->args[0], run->prefix);
		if (!run->issue) {
			cmd_end(run, 0);
			return EXIT_FAIL;
		}
	}
	return -1;
}

int cmd_end(struct cmd_run *run, int ret)
{
	free(run->issue);
	free(run->prefix);
	config_release(&run->cfg);
	memset(run, 0, sizeof(*run));
	return ret;
}

int cmd_store_open(struct store *st, const char *path)
{
	struct err err = ERR_INIT;

	if (store_open(st, path, &err) < 0) {
		cmd_error("%s", err_msg(&err));
		err_release(&err);
		return -1;
	}
	if (st->notice)
		fprintf(stderr, "bulletin: %s\n", st->notice);
	return 0;
}

int cmd_workspace(struct config *cfg, char **prefix)
{
	char start[PATH_MAX], dir[PATH_MAX];
	struct err err = ERR_INIT;
	struct stat st;

	if (!getcwd(start, sizeof(start))) {
		perror("bulletin: cannot read the current directory");
		return -1;
	}
	memcpy(dir, start, sizeof(dir));
	for (;;) {
		struct buf p = BUF_INIT;
		int found;

		buf_addf(&p, "%s/bulletin.yaml", dir);
		found = stat(p.data, &st) == 0;
		buf_release(&p);
		if (found)
			break;
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			fprintf(stderr,
			        "bulletin: no bulletin.yaml here or in any "
			        "folder above %s\n"
			        "  run 'bulletin init' to make a workspace, "
			        "or use -C DIR\n",
			        start);
			return -1;
		}
		*slash = '\0';
	}
	if (chdir(dir) < 0) {
		fprintf(stderr, "bulletin: cannot enter %s: %s\n", dir,
		        strerror(errno));
		return -1;
	}
	if (prefix) {
		size_t n = strlen(dir);
		const char *rest = start + n;

		while (*rest == '/')
			rest++;
		*prefix = xstrdup(rest);
	}
	config_init(cfg);
	if (config_load(cfg, "bulletin.yaml", &err) < 0) {
		fprintf(stderr, "%s\n", err_msg(&err));
		err_release(&err);
		config_release(cfg);
		return -1;
	}
	cfg->root = xstrdup(dir);
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *cmd_issue_id(const char *arg, const char *prefix)
{
	struct buf path = BUF_INIT;
	const char *id = NULL;
	char *ret = NULL;
	size_t n;

	/* A path from where the user stood, then from the root, then an id. */
	if (prefix && *prefix && arg[0] != '/')
		buf_addf(&path, "%s/%s", prefix, arg);
	else
		buf_adds(&path, arg);
	n = path.len;
	while (n > 1 && path.data[n - 1] == '/')
		buf_setlen(&path, --n);
	if (!strncmp(path.data, "issues/", 7) && !strchr(path.data + 7, '/'))
		id = path.data + 7;
	else if (!strchr(arg, '/'))
		id = arg;
	if (id && *id && id[0] != '.') {
		struct buf d = BUF_INIT;

		buf_addf(&d, "issues/%s", id);
		if (is_dir(d.data))
			ret = xstrdup(id);
		buf_release(&d);
	}
	if (!ret)
		fprintf(stderr,
		        "bulletin: '%s' is not an issue: expected a folder "
		        "issues/ID in the workspace (create one with "
		        "'bulletin new ID')\n",
		        arg);
	buf_release(&path);
	return ret;
}

char *cmd_login_name(void)
{
	char name[256];
	struct passwd pw, *found = NULL;
	char scratch[4096];

	if (getlogin_r(name, sizeof(name)) == 0 && *name)
		return xstrdup(name);
	if (getpwuid_r(geteuid(), &pw, scratch, sizeof(scratch), &found) == 0 &&
	    found && *found->pw_name)
		return xstrdup(found->pw_name);
	return xstrdup("unknown");
}

long cmd_issue_errors(const struct config *cfg, const char *id, int errors_only)
{
	struct issue is;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf msgs = BUF_INIT;
	long errors = -1;

	if (issue_load(&is, cfg, id, &d, &err) < 0) {
		cmd_fail(&err);
	} else {
		lint_issue(&is, cfg, &d);
		diags_sort(&d);
		for (size_t i = 0; i < d.n; i++)
			if (!errors_only || d.v[i].level == DIAG_ERROR)
				diag_format(&d.v[i], 0, &msgs);
		fputs(msgs.data, stderr);
		errors = (long)diags_count(&d, DIAG_ERROR);
	}
	issue_release(&is);
	diags_release(&d);
	err_release(&err);
	buf_release(&msgs);
	return errors;
}

int cmd_sub_option(int argc, char **argv, const char *shortopts,
                   const struct option *opts, const char *allowed,
                   const char *command, void (*usage)(FILE *))
{
	int ch = getopt_long(argc, argv, shortopts, opts, NULL);

	if (ch == -1)
		return CMD_SUB_END;
	if (ch == 'h') {
		usage(stdout);
		return CMD_SUB_HELP;
	}
	if (ch == '?' || !strchr(allowed, ch)) {
		const struct option *o = opts;

		/* Named by its long name: argv[optind - 1] may be its value. */
		while (o->name && o->val != ch)
			o++;
		if (ch != '?')
			cmd_error("%s %s does not take --%s", command, argv[0],
			          o->name ? o->name : "that option");
		usage(stderr);
		return CMD_SUB_BAD;
	}
	return ch;
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

volatile sig_atomic_t *cmd_stop_flag(void)
{
	return &stop_requested;
}

void cmd_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
