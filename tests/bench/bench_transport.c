/*
 * Messages per second through the transport: CONNECTIONS threads, each
 * with its own connection, send COUNT messages in all (a fixed message of
 * about SIZE bytes, so only the delivery path is measured).
 *
 *   bench_transport URL CONNECTIONS COUNT [SIZE]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport.h"

#include "banned.h"

struct worker {
	struct transport *t;
	const struct buf *msg;
	long count, sent, failed;
	char last_failure[TRANSPORT_TEXT_MAX];
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct transport_conn *c = transport_conn_open(w->t, NULL);

	for (long i = 0; c && i < w->count; i++) {
		struct transport_result res;

		if (transport_send(c, "bounces+bench@example.org",
		                   "reader@example.net", w->msg->data,
		                   w->msg->len, &res) == 0) {
			w->sent++;
		} else {
			w->failed++;
			snprintf(w->last_failure, sizeof(w->last_failure), "%s",
			         res.text);
		}
	}
	transport_conn_close(c);
	return NULL;
}

int main(int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct buf msg = BUF_INIT;
	struct transport *t;
	struct worker *w;
	pthread_t *th;
	struct timespec t0, t1;
	long conns, count, size, sent = 0, failed = 0;
	double secs;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_transport URL CONNECTIONS COUNT "
		                "[SIZE]\n");
		return 2;
	}
	conns = strtol(argv[2], NULL, 10);
	count = strtol(argv[3], NULL, 10);
	size = argc > 4 ? strtol(argv[4], NULL, 10) : 35000;
	if (conns < 1 || count < conns)
		return 2;
	buf_adds(&msg, "From: <news@example.org>\r\nTo: <reader@example.net>"
	               "\r\nSubject: bench\r\n\r\n");
	while ((long)msg.len < size)
		buf_adds(&msg, "a line of the benchmark message, 72 characters "
		               "long with its CRLF....\r\n");
	t = transport_open(argv[1], NULL, &err);
	if (!t) {
		fprintf(stderr, "bench_transport: %s\n", err_msg(&err));
		return 1;
	}
	w = calloc((size_t)conns, sizeof(*w));
	th = calloc((size_t)conns, sizeof(*th));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < conns; i++) {
		w[i] = (struct worker){.t = t,
		                       .msg = &msg,
		                       .count = count / conns +
		                                (i < count % conns)};
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (long i = 0; i < conns; i++) {
		pthread_join(th[i], NULL);
		sent += w[i].sent;
		failed += w[i].failed;
		if (w[i].failed)
			fprintf(stderr, "bench_transport: %s\n",
			        w[i].last_failure);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", (double)sent / secs);
	fprintf(stderr,
	        "bench_transport: %ld sent, %ld failed in %.2f s over %ld "
	        "connections\n",
	        sent, failed, secs, conns);
	free(w);
	free(th);
	transport_free(t);
	buf_release(&msg);
	return failed ? 1 : 0;
}
