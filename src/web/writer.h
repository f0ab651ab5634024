#ifndef WRITER_H
#define WRITER_H

#include "err.h"
#include "store.h"

/*
 * The one thread that writes the store for the web endpoint, with group
 * commit. Every write must be on disk before it is acknowledged (an
 * unsubscribe that was answered "done" survives a power cut), and a
 * flush to disk takes milliseconds; so the writer takes every job that
 * is waiting, runs them in one transaction and flushes once for all of
 * them. A job that fails does not sink the others: the batch is rolled
 * back and each of its jobs is run again alone.
 */

struct writer_job {
	/*
	 * Runs inside the batch's transaction (store functions called from
	 * it join it). Returns 0, or -1 with err set. It may run twice (a
	 * failed batch is run again job by job), so it must set its outputs
	 * afresh each time.
	 */
	int (*run)(struct store *st, struct writer_job *job, struct err *err);
	/*
	 * Called on the writer thread once the job's transaction is
	 * committed (ret 0) or has failed (ret -1, err says why). The job
	 * is the caller's again from here.
	 */
	void (*done)(struct writer_job *job, int ret, const struct err *err);
	struct writer_job *next; /* the writer's */
};

struct writer;

/*
 * Opens its own connection to the store at path and starts the thread.
 * Returns the writer (caller stops it with writer_stop) or NULL, err set.
 */
struct writer *writer_start(const char *path, struct err *err);

/* Queues job (borrowed until its done callback runs). Any thread. */
void writer_submit(struct writer *w, struct writer_job *job);

/* Runs job and waits for it: returns its result, err filled on -1. */
int writer_run(struct writer *w,
               int (*run)(struct store *st, void *ctx, struct err *err),
               void *ctx, struct err *err);

/* Commits so far, and jobs done (for the benchmark and tests). */
void writer_stats(struct writer *w, unsigned long *commits,
                  unsigned long *jobs);

/* Finishes every queued job, stops the thread, closes the store. */
void writer_stop(struct writer *w);

#endif
