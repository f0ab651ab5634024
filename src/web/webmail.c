#include "webmail.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "letter.h"
#include "template.h"
#include "transport.h"
#include "banned.h"

#define ATTEMPTS 3 /* per message, a few seconds apart */

struct item {
	struct item *next;
	enum web_mail_kind kind;
	char *email, *token;
	struct buf message; /* a finished message (webmail_queue_message) */
};

struct webmail {
	struct webmail_options o;
	struct transport *t;
	struct transport_conn *conn; /* the thread's; opened on first use */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct item *head, **tail;
	size_t queued;
	int stopping;
};

static void say(struct webmail *wm, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void say(struct webmail *wm, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;

	if (!wm->o.log)
		return;
	va_start(ap, fmt);
	buf_vaddf(&line, fmt, ap);
	va_end(ap);
	wm->o.log(wm->o.ctx, line.data);
	buf_release(&line);
}

void webmail_subject(const struct config *cfg, enum web_mail_kind kind,
                     struct buf *out)
{
	switch (kind) {
	case WEB_MAIL_CONFIRM:
		buf_addf(out, "Confirm your subscription to %s", cfg->name);
		break;
	case WEB_MAIL_ALREADY:
		buf_addf(out, "You are already subscribed to %s", cfg->name);
		break;
	case WEB_MAIL_REJOIN:
		buf_addf(out, "Joining %s again", cfg->name);
		break;
	}
}

static struct tmpl_value *mail_data(const struct config *cfg,
                                    const struct web_mail *m,
                                    struct tmpl_data *d)
{
	struct tmpl_value *root = tmpl_map(d), *nl = tmpl_map(d);
	struct buf b = BUF_INIT;
	char days[32];

	tmpl_map_str(d, nl, "name", cfg->name);
	tmpl_map_str(d, nl, "language", cfg->language);
	tmpl_map_str(d, nl, "base_url", cfg->base_url);
	tmpl_map_str(d, nl, "contact",
	             *cfg->reply_to ? cfg->reply_to : cfg->from_addr);
	tmpl_map_str(d, nl, "footer", cfg->footer);
	snprintf(days, sizeof(days), "%ld", cfg->pending_days);
	tmpl_map_set(nl, "pending_days", tmpl_number(d, days));
	tmpl_map_set(root, "newsletter", nl);
	tmpl_map_str(d, root, "email", m->email);
	buf_addf(&b, "%s/confirm/%s", cfg->base_url, m->token);
	tmpl_map_str(d, root, "confirm_url", b.data);
	buf_reset(&b);
	buf_addf(&b, "%s/unsubscribe/%s", cfg->base_url, m->token);
	tmpl_map_str(d, root, "unsubscribe_url", b.data);
	buf_reset(&b);
	webmail_subject(cfg, m->kind, &b);
	tmpl_map_str(d, root, "subject", b.data);
	buf_release(&b);
	tmpl_map_bool(d, root, "confirm", m->kind == WEB_MAIL_CONFIRM);
	tmpl_map_bool(d, root, "already", m->kind == WEB_MAIL_ALREADY);
	tmpl_map_bool(d, root, "rejoin", m->kind == WEB_MAIL_REJOIN);
	return root;
}

int webmail_build(const struct config *cfg, const struct web_mail *m,
                  struct buf *out, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct buf subject = BUF_INIT;
	struct letter l = {
	        .templates = "confirm-email",
	        .data = mail_data(cfg, m, d),
	        .to_name = NULL, /* what was typed as a name stays out */
	        .to_addr = m->email,
	};
	int ret;

	webmail_subject(cfg, m->kind, &subject);
	l.subject = subject.data;
	ret = letter_build(cfg, &l, out, err);
	buf_release(&subject);
	tmpl_data_free(d);
	return ret;
}

/* The thread. */

static void item_free(struct item *it)
{
	free(it->email);
	free(it->token);
	buf_release(&it->message);
	free(it);
}

/* One attempt; returns 0 sent, 1 worth trying again, -1 not. */
static int attempt(struct webmail *wm, const char *from, const char *to,
                   const struct buf *msg)
{
	struct transport_result res;
	struct err err = ERR_INIT;

	if (!wm->conn) {
		wm->conn = transport_conn_open(wm->t, &err);
		if (!wm->conn) {
			say(wm, "bulletin: sign-up email: %s", err_msg(&err));
			err_release(&err);
			return 1;
		}
	}
	if (transport_send(wm->conn, from, to, msg->data, msg->len, &res) == 0)
		return 0;
	if (res.reopen) {
		transport_conn_close(wm->conn);
		wm->conn = NULL;
	}
	say(wm, "bulletin: sign-up email not delivered (%s, %s): %s",
	    transport_class_name(res.cls), transport_reason_name(res.reason),
	    res.text);
	return res.cls == TRANSPORT_TRANSIENT ? 1 : -1;
}

static void deliver(struct webmail *wm, const struct item *it, int tries)
{
	struct web_mail m = {it->kind, it->email, it->token};
	struct buf msg = BUF_INIT, from = BUF_INIT;
	struct err err = ERR_INIT;

	if (it->message.len) {
		/* Not to a subscriber: no token to return bounces with. */
		buf_add(&msg, it->message.data, it->message.len);
		buf_adds(&from, wm->o.cfg->from_addr);
	} else if (webmail_build(wm->o.cfg, &m, &msg, &err) < 0) {
		say(wm, "bulletin: sign-up email not built: %s", err_msg(&err));
		goto out;
	} else {
		campaign_envelope_from(wm->o.cfg, it->token, &from);
	}
	for (int i = 0; i < tries; i++) {
		struct timespec pause = {1L << i, 0};

		if (i)
			nanosleep(&pause, NULL);
		if (attempt(wm, from.data, it->email, &msg) <= 0)
			break;
	}
out:
	buf_release(&msg);
	buf_release(&from);
	err_release(&err);
}

static void *mail_main(void *arg)
{
	struct webmail *wm = arg;

	for (;;) {
		struct item *it;
		int stopping;

		pthread_mutex_lock(&wm->lock);
		while (!wm->head && !wm->stopping)
			pthread_cond_wait(&wm->wake, &wm->lock);
		it = wm->head;
		if (it) {
			wm->head = it->next;
			if (!wm->head)
				wm->tail = &wm->head;
			wm->queued--;
		}
		stopping = wm->stopping;
		pthread_mutex_unlock(&wm->lock);
		if (!it)
			break;
		/* Stopping: what is queued gets one more try, not a wait. */
		deliver(wm, it, stopping ? 1 : ATTEMPTS);
		item_free(it);
	}
	if (wm->conn)
		transport_conn_close(wm->conn);
	return NULL;
}

struct webmail *webmail_start(const struct webmail_options *o, struct err *err)
{
	const struct config *cfg = o->cfg;
	struct transport_options to = {
	        .tls = !strcmp(cfg->tls, "none") ? TRANSPORT_TLS_NONE
	                                         : TRANSPORT_TLS_DEFAULT,
	        .ca_file = *cfg->ca_file ? cfg->ca_file : NULL,
	        .username = *cfg->smtp_user ? cfg->smtp_user : NULL,
	        .password = o->smtp_password,
	};
	struct webmail *wm = xcalloc(1, sizeof(*wm));

	wm->o = *o;
	wm->tail = &wm->head;
	if (!cfg->ntransports) {
		err_set(err, "bulletin.yaml: delivery.transport is empty");
		free(wm);
		return NULL;
	}
	{
		struct buf url = BUF_INIT;

		config_transport(cfg, 0, &url);
		wm->t = transport_open(url.data, &to, err);
		buf_release(&url);
	}
	if (!wm->t) {
		free(wm);
		return NULL;
	}
	pthread_mutex_init(&wm->lock, NULL);
	pthread_cond_init(&wm->wake, NULL);
	if (pthread_create(&wm->thread, NULL, mail_main, wm) != 0) {
		err_set(err, "cannot start the mail thread");
		transport_free(wm->t);
		pthread_mutex_destroy(&wm->lock);
		pthread_cond_destroy(&wm->wake);
		free(wm);
		return NULL;
	}
	return wm;
}

/* Queues it (taken) unless the queue is full: 0, or -1 (it freed). */
static int enqueue(struct webmail *wm, struct item *it)
{
	pthread_mutex_lock(&wm->lock);
	if (wm->queued >= WEBMAIL_QUEUE_MAX || wm->stopping) {
		pthread_mutex_unlock(&wm->lock);
		item_free(it);
		return -1;
	}
	*wm->tail = it;
	wm->tail = &it->next;
	wm->queued++;
	pthread_cond_signal(&wm->wake);
	pthread_mutex_unlock(&wm->lock);
	return 0;
}

static struct item *item_new(const char *email, const char *token)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->email = xstrdup(email);
	it->token = xstrdup(token);
	buf_init(&it->message);
	return it;
}

int webmail_queue(struct webmail *wm, const struct web_mail *m)
{
	struct item *it = item_new(m->email, m->token);

	it->kind = m->kind;
	return enqueue(wm, it);
}

int webmail_queue_message(struct webmail *wm, const char *to,
                          const struct buf *message)
{
	struct item *it = item_new(to, "");

	buf_add(&it->message, message->data, message->len);
	return enqueue(wm, it);
}

void webmail_stop(struct webmail *wm)
{
	if (!wm)
		return;
	pthread_mutex_lock(&wm->lock);
	wm->stopping = 1;
	pthread_cond_signal(&wm->wake);
	pthread_mutex_unlock(&wm->lock);
	pthread_join(wm->thread, NULL);
	transport_free(wm->t);
	pthread_mutex_destroy(&wm->lock);
	pthread_cond_destroy(&wm->wake);
	free(wm);
}
