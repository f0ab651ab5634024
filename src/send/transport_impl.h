#ifndef TRANSPORT_IMPL_H
#define TRANSPORT_IMPL_H

/*
 * Between transport.c and its backends (transport_maildir.c,
 * transport_smtp.c); no other module includes this.
 */
#include "transport.h"

struct transport_ops {
	void *(*conn_open)(struct transport *t, struct err *err);
	void (*conn_close)(void *conn);
	int (*send)(void *conn, const char *envelope_from, const char *rcpt,
	            const char *msg, size_t len, struct transport_result *res);
	int (*commit)(void *conn, struct err *err); /* NULL: nothing to do */
	void (*release)(void *impl);
};

struct transport {
	const struct transport_ops *ops;
	void *impl; /* the backend's own state, read-only once open */
};

struct transport_conn {
	struct transport *t;
	void *impl;
};

/* Fill t->ops and t->impl from the part of the URL after the scheme. */
int transport_maildir_init(struct transport *t, const char *dir,
                           const struct transport_options *opt,
                           struct err *err);
int transport_smtp_init(struct transport *t, const char *url,
                        const struct transport_options *opt, struct err *err);

/* Starts res afresh, as a failure without a reply at stage CONNECT. */
void transport_result_clear(struct transport_result *res);
/* Sets res->text (printable ASCII only, cut to fit). */
void transport_set_text(struct transport_result *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#endif
