#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "password.h"
#include "role.h"
#include "store.h"
#include "store_desk.h"
#include "banned.h"

const char cmd_users_summary[] = "the people who may use the desk";

static void usage(FILE *f)
{
	fputs("usage: bulletin users add NAME --role editor|approver|admin\n"
	      "       bulletin users passwd NAME\n"
	      "       bulletin users remove NAME\n"
	      "       bulletin users list\n\n"
	      "The people who may log in to the desk (/desk/ on 'bulletin\n"
	      "serve'). An editor compiles, previews and sends tests; an\n"
	      "approver also approves, sends and publishes; an admin also\n"
	      "manages users and imports, exports and erases subscribers.\n"
	      "The password is asked for (not shown), or read from\n"
	      "BULLETIN_PASSWORD; it is kept only as an Argon2id hash.\n\n"
	      "  --role ROLE   editor, approver or admin (for add)\n",
	      f);
}

/* A line from the terminal without echo; -1 at end of input. */
static int read_hidden(const char *prompt, struct buf *out)
{
	struct termios old, quiet;
	int tty = isatty(0) && tcgetattr(0, &old) == 0, c;

	fputs(prompt, stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	while ((c = getchar()) != EOF && c != '\n' && out->len <= PASSWORD_MAX)
		buf_addch(out, (char)c);
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return c == EOF && !out->len ? -1 : 0;
}

/* The new password, checked and hashed into phc. -1 when said. */
static int new_password(struct buf *phc)
{
	struct buf pw = BUF_INIT, again = BUF_INIT;
	struct err err = ERR_INIT;
	const char *env = getenv("BULLETIN_PASSWORD"), *weak;
	int ret = -1;

	if (env)
		buf_adds(&pw, env);
	else if (read_hidden("new password: ", &pw) < 0 ||
	         read_hidden("the same again: ", &again) < 0 ||
	         strcmp(pw.data, again.data)) {
		cmd_error("the two passwords differ (or none was given): "
		          "nothing was changed");
		goto out;
	}
	weak = password_weak(pw.data);
	if (weak)
		cmd_error("%s; nothing was changed", weak);
	else if (password_hash(pw.data, phc, &err) < 0)
		cmd_fail(&err);
	else
		ret = 0;
out:
	explicit_bzero(pw.data, pw.len);
	explicit_bzero(again.data, again.len);
	buf_release(&pw);
	buf_release(&again);
	err_release(&err);
	return ret;
}

static int list_users(struct store *st)
{
	struct store_desk_user *v;
	struct err err = ERR_INIT;
	size_t n;
	int ret = EXIT_OK;

	if (store_desk_users(st, &v, &n, &err) < 0)
		ret = cmd_fail(&err);
	else if (!n)
		printf("no users yet: 'bulletin users add NAME --role admin' "
		       "makes the first\n");
	for (size_t i = 0; i < n; i++) {
		printf("%-24s %s%s\n", v[i].name, role_name(v[i].role),
		       v[i].locked_until > time(NULL) ? "  locked for now "
		                                        "(failed logins)"
		                                      : "");
		store_desk_user_release(&v[i]);
	}
	free(v);
	err_release(&err);
	return ret;
}

/* add, passwd, remove: the store call for verb; -1 when said. */
static int change(struct store *st, const char *verb, const char *name,
                  const char *role_arg, const char *by, struct err *err)
{
	struct buf phc = BUF_INIT;
	enum role role = ROLE_EDITOR;
	int r = -1;

	if (!strcmp(verb, "remove")) {
		r = store_desk_user_remove(st, name, by, err);
	} else if (!strcmp(verb, "add") &&
	           (!role_arg || role_parse(role_arg, &role) < 0)) {
		cmd_error("--role: give editor, approver or admin");
		return -1;
	} else if (new_password(&phc) < 0) {
		return -1;
	} else if (!strcmp(verb, "add")) {
		r = store_desk_user_add(st, name, role, phc.data, by, err);
		r = r < 0 ? -1 : 1;
	} else {
		r = store_desk_user_passwd(st, name, phc.data, by, err);
	}
	buf_release(&phc);
	if (r == 0)
		err_set(err,
		        "there is no user called '%s' ('bulletin users "
		        "list' shows them)",
		        name);
	if (r > 0)
		return 0;
	cmd_fail(err);
	return -1;
}

static int said(const char *verb, const char *name)
{
	printf("%s %s\n",
	       !strcmp(verb, "add")      ? "added"
	       : !strcmp(verb, "remove") ? "removed"
	                                 : "new password for",
	       name);
	return EXIT_OK;
}

int cmd_users(int argc, char **argv)
{
	const char *role = NULL, *verb, *bad;
	const struct cmd_opt opts[] = {{"role", 1, &role, 0},
	                               {NULL, 0, NULL, 0}};
	struct cmd_run run;
	struct store st;
	struct err err = ERR_INIT;
	char *by;
	int ret = cmd_begin(&run, argc, argv, opts, CMD_ANY, 0, usage);

	if (ret >= 0)
		return ret;
	verb = run.nargs ? run.args[0] : "";
	if (!(run.nargs == 1 && !strcmp(verb, "list")) &&
	    !(run.nargs == 2 &&
	      (!strcmp(verb, "add") || !strcmp(verb, "passwd") ||
	       !strcmp(verb, "remove")))) {
		usage(stderr);
		return cmd_end(&run, EXIT_USAGE);
	}
	if (run.nargs == 2 && (bad = store_desk_bad_name(run.args[1]))) {
		cmd_error("'%s': %s", run.args[1], bad);
		return cmd_end(&run, EXIT_USAGE);
	}
	if (cmd_store_open(&st, run.cfg.store) < 0)
		return cmd_end(&run, EXIT_FAIL);
	by = cmd_login_name();
	if (run.nargs == 1)
		ret = list_users(&st);
	else if (change(&st, verb, run.args[1], role, by, &err) < 0)
		ret = EXIT_FAIL;
	else
		ret = said(verb, run.args[1]);
	free(by);
	store_close(&st);
	err_release(&err);
	return cmd_end(&run, ret);
}
