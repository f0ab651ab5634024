#ifndef NEWISSUE_H
#define NEWISSUE_H

#include "config.h"
#include "err.h"

/*
 * Starting an issue, whoever asks (`bulletin new`, the desk): its folder
 * with issue.yaml and CONTRIBUTING.md, the guide for partners.
 */

/* Whether id may name an issue: letters, digits, '-', '_' (≤ 64). */
int newissue_valid_id(const char *id);

/*
 * Makes issues/ID in cfg's workspace with its issue.yaml (title, date
 * and deadline: YYYY-MM-DD, checked by the caller; NULL for none) and
 * CONTRIBUTING.md. Never overwrites: -1 with err when it exists.
 */
int newissue_make(const struct config *cfg, const char *id, const char *title,
                  const char *date, const char *deadline, struct err *err);

#endif
