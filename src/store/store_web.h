#ifndef STORE_WEB_H
#define STORE_WEB_H

#include "err.h"
#include "store.h"

/*
 * Store tuning for the web endpoint, whose one writer thread commits
 * (each commit flushed to disk) thousands of times a second while
 * answers wait on it. SQLite normally copies the write-ahead log back
 * into the database (a checkpoint, with flushes of its own) inside
 * whichever commit finds the log long, holding up every answer waiting
 * for that commit. Here the writer's commits never checkpoint; another
 * connection does, on its own thread.
 */

/* Stops commits on st from checkpointing. */
int store_web_defer_checkpoints(struct store *st, struct err *err);

/*
 * Copies the log into the database without waiting for, or holding up,
 * readers and the writer (a passive checkpoint). *log_pages (unless
 * NULL) gets the log's length in pages.
 */
int store_web_checkpoint(struct store *st, int *log_pages, struct err *err);

#endif
