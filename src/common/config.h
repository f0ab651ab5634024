#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * bulletin.yaml. Every key has a default but newsletter.name,
 * newsletter.from and newsletter.base_url; docs/operations.md lists them.
 * All strings are owned by the config (config_release frees them).
 */

struct config_section {
	char *key;         /* used by contributions' "section:" */
	char *title;       /* shown as the section heading */
	char *description; /* the section's page on the site ("" if none) */
};

/*
 * A topic subscribers choose on the sign-up form and the preferences
 * page; an issue names the topics it is for (issue.yaml's topics:).
 */
struct config_topic {
	char *key;         /* a-z, 0-9 and '-' */
	char *title;       /* the checkbox's label */
	char *description; /* a line under it ("" if none) */
	int on;            /* ticked by default (default: true) */
};

/* At most this many topics: a subscriber's set is one 63-bit mask. */
#define CONFIG_TOPICS_MAX 62

struct config {
	/*
	 * The workspace: the folder holding bulletin.yaml, absolute, set by
	 * whoever found it (NULL: the current directory). Every path in the
	 * workspace is built with config_path, never from the current
	 * directory.
	 */
	char *root;

	/* newsletter: */
	char *name;
	char *from;      /* as written: "Name <addr>" or "addr" */
	char *from_name; /* parsed from from ("" when none) */
	char *from_addr;
	char *from_domain;
	char *reply_to;
	char *list_id;  /* default: the from domain prefixed "news." */
	char *base_url; /* no trailing '/' */
	char *language;
	char *footer; /* who sends this and why; shown in every message */

	struct config_section *sections;
	size_t nsections;
	struct config_topic *topics; /* none: no choice, everyone gets all */
	size_t ntopics;

	/* compile: */
	long word_limit;
	double reading_ease; /* Flesch target: warn below */
	long image_max_kb;

	/* delivery: */
	char **transports; /* maildir:DIR, smtp://h:p, smtps://h:p */
	size_t ntransports;
	long connections;
	double rate;              /* messages per second; 0 = unlimited */
	char *return_path;        /* with "{token}" */
	char *unsubscribe_mailto; /* with "{token}" */
	char *tls;                /* "required" or "none" */
	char *ca_file;            /* "" = system trust store */
	char *smtp_user;          /* "" = no AUTH */
	int embed_images;
	long retry_attempts;
	double retry_delay;         /* seconds before the first retry */
	double pause_failure_share; /* of the last pause_window attempts */
	long pause_window;
	/* seconds a relay fails, with no success, before it is set aside */
	double relay_aside_after;

	/* workflow: */
	char *approval; /* "required" (the default) or "optional" */
	int four_eyes;  /* nobody approves a build they compiled */

	/* store: */
	char *store;

	/* web: */
	char *listen;
	char *consent; /* the consent wording shown on the sign-up form */
	long pending_days;
	long desk_idle_minutes;     /* a desk session unused this long ends */
	long desk_session_hours;    /* ... and this long after its login */
	long signups_per_hour;      /* per client address */
	long confirmations_per_day; /* per email address */
	long upload_max_kb;         /* a picture sent with the partner form */
	long saves_per_hour;        /* partner form saves, per partner/client */

	/* inbox: */
	long soft_bounce_limit;
	long soft_bounce_days;
	char *processed_folder;
	/* contributions by mail: */
	char *held_folder;      /* Maildir in the workspace for a person */
	long attachment_max_kb; /* per attachment */
	long replies_per_hour;  /* answers per partner */

	/* site: */
	char **site_keep; /* paths under public/ the operator keeps there */
	size_t nsite_keep;
	char *timezone; /* of events' times and scheduled sends: "Europe/London"
	                   or "UTC" (zone.h) */
	/* A scheduled send missed by more than this waits for a person. */
	double schedule_grace_hours;
	int track_clicks; /* tracking.clicks: links through BASE_URL/r/ */
};

/* Fills cfg with the defaults (no file read). */
void config_init(struct config *cfg);

/*
 * Reads the YAML file at path over the defaults. Unknown keys, wrong
 * types and missing required keys are errors naming path:line:col.
 */
int config_load(struct config *cfg, const char *path, struct err *err);

/* Parses YAML text; name is used in messages. For tests and fuzzing. */
int config_parse(struct config *cfg, const char *text, size_t len,
                 const char *name, struct err *err);

void config_release(struct config *cfg);

/*
 * Appends to out the path of a file of the workspace: fmt (printf-style)
 * names it relative to the workspace ("issues/%s/build/email.html");
 * an absolute result (a store set to /var/lib/...) is kept as it is.
 */
void config_path(const struct config *cfg, struct buf *out, const char *fmt,
                 ...) __attribute__((format(printf, 3, 4)));

/*
 * Appends to out delivery.transport's entry i, a maildir:DIR relative to
 * the workspace made a path from it (smtp:// and absolute ones as they
 * are).
 */
void config_transport(const struct config *cfg, size_t i, struct buf *out);

/* The section with key, or NULL (borrowed). */
const struct config_section *config_section(const struct config *cfg,
                                            const char *key);

/* The topic with key, or NULL (borrowed). */
const struct config_topic *config_topic(const struct config *cfg,
                                        const char *key);

/*
 * Splits "Name <addr>" or "addr" into caller-owned name ("" if none) and
 * addr. Returns -1 when there is no plausible address.
 */
int config_split_mailbox(const char *s, char **name, char **addr);

#endif
