#ifndef CMD_COMMON_H
#define CMD_COMMON_H

#include "config.h"

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

/* Prints "bulletin: " + msg to stderr. */
void cmd_error(const char *msg);

struct store;
/*
 * store_open for a command: prints the error, or the store's notice (a
 * file made private) once. Returns 0, or -1 after printing.
 */
int cmd_store_open(struct store *st, const char *path);

#endif
