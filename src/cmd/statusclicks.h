#ifndef STATUSCLICKS_H
#define STATUSCLICKS_H

#include "store.h"

/*
 * `bulletin status ISSUE --clicks`: the click counts of issue per link,
 * per piece and per partner (store/clicks). Returns the exit code.
 */
int status_clicks(struct store *st, const char *issue);

#endif
