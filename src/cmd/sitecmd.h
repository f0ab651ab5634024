#ifndef CMD_SITECMD_H
#define CMD_SITECMD_H

#include <time.h>

#include "common.h"
#include "store.h"

/*
 * What the commands that change the public site share (publish,
 * unpublish, and a full send, which publishes at its end).
 */

/*
 * The build's "now": --now (a Unix time, or "YYYY-MM-DD[THH:MM[:SS]]" in
 * UTC, with or without a final Z) when given, else SOURCE_DATE_EPOCH when
 * set, else the clock. Prints and returns -1 when the value is not a time.
 */
int cmd_site_now(const char *opt, time_t *now);

/*
 * Rebuilds public/ (site_build) and prints what changed: the files
 * written and removed, pieces withdrawn or left out. Returns 0 or -1
 * (printed).
 */
int cmd_site_rebuild(const struct config *cfg, struct store *st, time_t now);

#endif
