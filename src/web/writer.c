#include "writer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_web.h"

#include "banned.h"

/* Jobs in one transaction at most, so one batch cannot hold the lock long. */
#define MAX_BATCH 256
/* How often the log is copied into the database, in milliseconds. */
#define CHECKPOINT_MS 100
/*
 * Past this many pages the writer finishes the copying itself (the few
 * pages written since the last background pass), so that its next
 * commit starts the log afresh: a log rewritten in place is flushed
 * faster than one that grows, and must not grow without end.
 */
#define LOG_PAGES_MAX 4096

struct writer {
	struct store st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct writer_job *head, **tail;
	int stopping;
	unsigned long commits, jobs;
	/* checkpoints, on a connection and thread of their own */
	struct store ckpt;
	int log_pages; /* the log's length at the last background pass */
	pthread_t ckpt_thread;
	pthread_cond_t ckpt_wake;  /* only at stop */
	int ckpt_started, started; /* which threads are running */
};

/* Runs one job in a transaction of its own. */
static void run_alone(struct writer *w, struct writer_job *job)
{
	struct err err = ERR_INIT;
	int ret = store_begin(&w->st, &err);

	if (ret == 0) {
		ret = job->run(&w->st, job, &err);
		if (ret == 0)
			ret = store_commit(&w->st, &err);
		else
			store_rollback(&w->st);
	}
	__atomic_add_fetch(&w->commits, 1, __ATOMIC_RELAXED);
	job->done(job, ret, &err);
	err_release(&err);
}

static void run_batch(struct writer *w, struct writer_job *batch)
{
	struct err err = ERR_INIT;
	struct writer_job *job, *next;
	int ret;

	if (!batch->next) {
		run_alone(w, batch);
		return;
	}
	ret = store_begin(&w->st, &err);
	for (job = batch; ret == 0 && job; job = job->next)
		ret = job->run(&w->st, job, &err);
	if (ret == 0)
		ret = store_commit(&w->st, &err);
	else
		store_rollback(&w->st);
	err_release(&err);
	if (ret == 0)
		__atomic_add_fetch(&w->commits, 1, __ATOMIC_RELAXED);
	for (job = batch; job; job = next) {
		next = job->next; /* done() may free the job */
		if (ret == 0)
			job->done(job, 0, NULL);
		else
			run_alone(w, job);
	}
}

static void finish_checkpoint(struct writer *w)
{
	struct err err = ERR_INIT;

	store_web_checkpoint(&w->st, NULL, &err);
	err_release(&err);
	__atomic_store_n(&w->log_pages, 0, __ATOMIC_RELAXED);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	for (;;) {
		struct writer_job *batch, *job;
		size_t n = 0;

		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		batch = w->head;
		for (job = batch; job->next && ++n < MAX_BATCH; job = job->next)
			;
		w->head = job->next;
		job->next = NULL;
		if (!w->head)
			w->tail = &w->head;
		w->jobs += n + 1;
		pthread_mutex_unlock(&w->lock);
		if (__atomic_load_n(&w->log_pages, __ATOMIC_RELAXED) >
		    LOG_PAGES_MAX)
			finish_checkpoint(w);
		run_batch(w, batch);
	}
	return NULL;
}

static void *checkpoint_main(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct timespec until;
		struct err err = ERR_INIT;
		int pages = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CHECKPOINT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->ckpt_wake, &w->lock, &until);
		if (w->stopping)
			break;
		pthread_mutex_unlock(&w->lock);
		/* A failure leaves the log to be copied next time, or at close.
		 */
		if (store_web_checkpoint(&w->ckpt, &pages, &err) == 0)
			__atomic_store_n(&w->log_pages, pages,
			                 __ATOMIC_RELAXED);
		err_release(&err);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Stops whichever threads were started (the writer finishes the jobs
 * queued first), closes both connections and frees w.
 */
static void shut_down(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_cond_signal(&w->ckpt_wake);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->ckpt_started)
		pthread_join(w->ckpt_thread, NULL);
	store_close(&w->ckpt);
	store_close(&w->st);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->ckpt_wake);
	free(w);
}
struct writer *writer_start(const char *path, struct err *err)
{
	struct writer *w = xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->ckpt_wake, NULL);
	w->tail = &w->head;
	if (store_open(&w->st, path, err) < 0)
		goto fail;
	if (store_web_defer_checkpoints(&w->st, err) < 0 ||
	    store_open(&w->ckpt, path, err) < 0)
		goto fail;
	if (pthread_create(&w->ckpt_thread, NULL, checkpoint_main, w) != 0) {
		err_set(err, "cannot start the store checkpoint thread");
		goto fail;
	}
	w->ckpt_started = 1;
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		err_set(err, "cannot start the store writer thread");
		goto fail;
	}
	w->started = 1;
	return w;
fail:
	shut_down(w);
	return NULL;
}

void writer_submit(struct writer *w, struct writer_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->tail = job;
	w->tail = &job->next;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

/* writer_run: a job whose done() wakes the thread waiting for it. */
struct sync_job {
	struct writer_job job;
	int (*run)(struct store *st, void *ctx, struct err *err);
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int finished, ret;
	struct err err;
};

static int sync_run(struct store *st, struct writer_job *job, struct err *err)
{
	struct sync_job *s = (struct sync_job *)job;

	return s->run(st, s->ctx, err);
}

static void sync_done(struct writer_job *job, int ret, const struct err *err)
{
	struct sync_job *s = (struct sync_job *)job;

	pthread_mutex_lock(&s->lock);
	s->ret = ret;
	if (ret < 0)
		err_set(&s->err, "%s", err_msg(err));
	s->finished = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int writer_run(struct writer *w,
               int (*run)(struct store *st, void *ctx, struct err *err),
               void *ctx, struct err *err)
{
	struct sync_job s = {.job = {sync_run, sync_done, NULL},
	                     .run = run,
	                     .ctx = ctx,
	                     .err = ERR_INIT};

	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	writer_submit(w, &s.job);
	pthread_mutex_lock(&s.lock);
	while (!s.finished)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	if (s.ret < 0)
		err_set(err, "%s", err_msg(&s.err));
	err_release(&s.err);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.cond);
	return s.ret;
}

void writer_stats(struct writer *w, unsigned long *commits, unsigned long *jobs)
{
	pthread_mutex_lock(&w->lock);
	*jobs = w->jobs;
	pthread_mutex_unlock(&w->lock);
	*commits = __atomic_load_n(&w->commits, __ATOMIC_RELAXED);
}

void writer_stop(struct writer *w)
{
	if (w)
		shut_down(w);
}
