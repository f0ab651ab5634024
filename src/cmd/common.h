#ifndef CMD_COMMON_H
#define CMD_COMMON_H

#include <signal.h>
#include <stdio.h>

#include "config.h"
#include "err.h"

/*
 * Finds the workspace (the nearest directory at or above the current one
 * holding bulletin.yaml), makes it the current directory and loads its
 * configuration into cfg. Prints what went wrong and returns -1 on
 * failure. If prefix is not NULL it receives the path of the original
 * current directory relative to the workspace ("" at the root; caller
 * owns), so arguments given as paths can be resolved.
 */
int cmd_workspace(struct config *cfg, char **prefix);

/*
 * Resolves an ISSUE argument to an issue id: "2026-12", "issues/2026-12"
 * or a path to the folder from wherever the user stood. Prints and returns
 * NULL when it does not name a folder under issues/. Caller owns.
 */
char *cmd_issue_id(const char *arg, const char *prefix);

/*
 * The one way a command reports a problem: "bulletin: " + the formatted
 * message + a newline, to stderr.
 */
void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reports err's message as cmd_error does and returns EXIT_FAIL. */
int cmd_fail(const struct err *err);

/*
 * One option of a command, for cmd_begin. A flag (takes_value 0) sets
 * *(int *)out to 1; an option with a value sets *(const char **)out to it
 * (borrowed from argv; the last one given wins). The list ends with a
 * NULL name. --help (-h) is always understood.
 */
struct cmd_opt {
	const char *name;
	int takes_value;
	void *out;
	char short_name; /* -X as well as --name; 0: none */
};

/* What a command runs in, filled by cmd_begin. */
struct cmd_run {
	struct config cfg; /* bulletin.yaml, loaded */
	char *prefix;      /* where the user stood, relative to the root */
	char *issue;       /* the ISSUE operand resolved, with CMD_ISSUE */
	char **args;       /* the operands (borrowed from argv) */
	int nargs;
};

enum {
	CMD_ANY = -1,         /* operands: any number */
	CMD_ISSUE = 1,        /* flags: the first operand names an issue */
	CMD_NO_WORKSPACE = 2, /* flags: only parse, find no workspace */
};

/*
 * The start every command shares: parses argv against opts, checks the
 * number of operands (exactly `operands`, or CMD_ANY), finds the
 * workspace and loads its bulletin.yaml (cmd_workspace), and with
 * CMD_ISSUE resolves the first operand (cmd_issue_id). usage is printed
 * to stdout for --help and to stderr for a mistake. Returns -1 when the
 * command goes on (release run with cmd_end), or the exit code to return
 * at once: EXIT_OK after --help, EXIT_USAGE, or EXIT_FAIL with the
 * problem printed; run then needs no release.
 */
int cmd_begin(struct cmd_run *run, int argc, char **argv,
              const struct cmd_opt *opts, int operands, int flags,
              void (*usage)(FILE *));

/* Frees what cmd_begin filled; returns ret, for "return cmd_end(...)". */
int cmd_end(struct cmd_run *run, int ret);

enum {
	CMD_SUB_END = -1,  /* no more options */
	CMD_SUB_HELP = -2, /* --help: usage printed to stdout */
	CMD_SUB_BAD = -3,  /* a mistake: said, and usage printed to stderr */
};

struct option;
/*
 * For commands with subcommands (subscribers, partners): the next option
 * of subcommand argv[0] by getopt_long(shortopts, opts), refusing any
 * whose short name is not in allowed ("partners list does not take
 * --slug"). Returns the option's short name (optarg holds its value),
 * or CMD_SUB_END, CMD_SUB_HELP, CMD_SUB_BAD. Set optind = 1 first.
 */
int cmd_sub_option(int argc, char **argv, const char *shortopts,
                   const struct option *opts, const char *allowed,
                   const char *command, void (*usage)(FILE *));

struct store;
/*
 * store_open for a command: prints the error, or the store's notice (a
 * file made private) once. Returns 0, or -1 after printing.
 */
int cmd_store_open(struct store *st, const char *path);

/*
 * The login name of whoever runs the command (for the issue's events and
 * approvals): getlogin(3), else the account's name, else "unknown".
 * Caller owns.
 */
char *cmd_login_name(void);

/*
 * Loads and checks issue id as compile does, and prints its problems
 * (only the errors when errors_only). Returns how many errors it has, or
 * -1 (printed) when it cannot be read at all.
 */
long cmd_issue_errors(const struct config *cfg, const char *id,
                      int errors_only);

/*
 * The one flag a long command (send, inbox --watch) stops on:
 * cmd_catch_stop makes SIGINT and SIGTERM set it instead of ending the
 * process, so the command finishes what it holds first.
 */
volatile sig_atomic_t *cmd_stop_flag(void);
void cmd_catch_stop(void);

#endif
