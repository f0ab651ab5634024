#ifndef STORE_PARTNER_H
#define STORE_PARTNER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/*
 * The partner registry, part of the store (the SQL lives here): the
 * organisations that contribute, each with a name, a slug, the addresses
 * of its contacts and a secret; every change to a partner as an event;
 * the calls for contributions sent (at most one of a kind per partner,
 * issue and day); and issues reopened to partners after their deadline.
 *
 * The secret is the partner's credential: it stands in their personal
 * link (BASE_URL/contribute/SECRET) and their contribution address
 * (contribute+SECRET@DOMAIN). It is STORE_PARTNER_SECRET_LEN characters
 * of lower-case base32 (a-z, 2-7) encoding 130 bits, 128 of them from
 * the kernel's random generator (token_random_bytes): lower case only,
 * because mail systems may change the case of an address's local part.
 * Lookups go through a SHA-256 of the secret and then compare the secret
 * itself in constant time, so the time a wrong secret takes says nothing
 * about the right one. Secrets never go into events or messages.
 *
 * Writes run in their own transaction unless called between store_begin
 * and store_commit. Timestamps are Unix seconds.
 */

#define STORE_PARTNER_SECRET_LEN 26
/* Longest partner name and slug accepted, in bytes. */
#define STORE_PARTNER_NAME_MAX 120
#define STORE_PARTNER_SLUG_MAX 60

struct store_partner {
	int64_t id;
	char *name;   /* as given, e.g. "Luton Council Public Health" */
	char *slug;   /* [a-z0-9-], e.g. "luton-council-public-health" */
	char *secret; /* STORE_PARTNER_SECRET_LEN characters */
	int64_t created;
	char **contacts; /* normalised addresses, in the order added */
	size_t ncontacts;
};

/* Frees what a store_partner_find* function filled; harmless twice. */
void store_partner_release(struct store_partner *p);

/*
 * Whether s has the shape of a partner secret (a quick check before any
 * lookup; a secret of the right shape may still be unknown).
 */
int store_partner_secret_valid(const char *s);

/*
 * Whether a piece whose 'partner:' detail reads `field` belongs to p:
 * the field, trimmed, is p's name (ASCII case ignored) or p's slug. The
 * one rule for "this partner's pieces" (the call's reminders, the desk,
 * the contribution form and mail); they write the registry's name there.
 */
int store_partner_owns(const struct store_partner *p, const char *field);

/*
 * The partner's personal link, BASE_URL/contribute/SECRET, and their
 * contribution address, contribute+SECRET@DOMAIN (base_url without a
 * trailing '/', domain the newsletter's from-address domain), appended
 * to out: the one place both are spelled.
 */
void store_partner_link(const char *base_url, const char *secret,
                        struct buf *out);
void store_partner_address(const char *domain, const char *secret,
                           struct buf *out);

/*
 * Writes the slug made from name into out (reset first): lower-case
 * ASCII letters and digits, every other run of characters one '-',
 * at most STORE_PARTNER_SLUG_MAX bytes; "partner" if nothing is left.
 */
void store_partner_slugify(const char *name, struct buf *out);

/*
 * Checks a slug given by hand: 1 to STORE_PARTNER_SLUG_MAX of a-z, 0-9
 * and '-', not starting or ending with '-'. 0, or -1 with err saying why.
 */
int store_partner_check_slug(const char *slug, struct err *err);

/* Most contact addresses one partner has. */
#define STORE_PARTNER_CONTACTS_MAX 20

/* A partner to add. */
struct store_partner_new {
	const char *name;            /* required; trimmed */
	const char *slug;            /* NULL or "": store_partner_slugify */
	const char *const *contacts; /* addresses as given; normalised here */
	size_t ncontacts;            /* 1 to STORE_PARTNER_CONTACTS_MAX */
	const char *who;             /* for the event, e.g. the login name */
};

/* The detail of a new partner a refusal is about. */
enum store_partner_field {
	STORE_PARTNER_FIELD_NONE, /* none of them (the store failed) */
	STORE_PARTNER_FIELD_NAME,
	STORE_PARTNER_FIELD_SLUG,
	STORE_PARTNER_FIELD_CONTACTS,
};

/*
 * The checks store_partner_add makes before it writes, for a form or a
 * command that shows each refusal beside its field: an empty, over-long
 * or broken name; a bad short name; no contact, more than
 * STORE_PARTNER_CONTACTS_MAX, or an invalid address (address_normalise's
 * message); and, unless st is NULL, a name or short name already taken
 * (any case). 0, or -1 with err in the comms officer's words and *field
 * (unless NULL) the detail it is about. Writes nothing.
 */
int store_partner_check_new(struct store *st, const struct store_partner_new *p,
                            enum store_partner_field *field, struct err *err);

/*
 * Adds a partner with a new secret and an 'added' event, in one
 * transaction, after store_partner_check_new's checks (-1 with err when
 * one refuses). On success fills *out unless NULL (release it).
 */
int store_partner_add(struct store *st, const struct store_partner_new *p,
                      struct store_partner *out, struct err *err);

/*
 * Finds a partner by name (any case) or slug. Returns 1 (fills *out;
 * release it), 0 none, -1 error.
 */
int store_partner_find(struct store *st, const char *name_or_slug,
                       struct store_partner *out, struct err *err);

/*
 * Finds the partner whose secret this is (ASCII case ignored, as an
 * address's local part may arrive upper-cased). Anything that is not the
 * shape of a secret is simply not found. 1 (fills *out), 0, -1.
 */
int store_partner_find_secret(struct store *st, const char *secret,
                              struct store_partner *out, struct err *err);

/* The partners, by name (any case). Release with store_partners_release. */
struct store_partners {
	struct store_partner *v;
	size_t n;
};
int store_partner_list(struct store *st, struct store_partners *out,
                       struct err *err);
void store_partners_release(struct store_partners *ps);

/* The names of all partners (caller owns the array and the strings; free
 * with store_partner_names_free), for "did you mean". */
char **store_partner_names(struct store *st, size_t *n, struct err *err);
void store_partner_names_free(char **names, size_t n);

/*
 * Removes partner id with its contacts and its calls, keeping its events
 * (with a 'removed' one; they name the partner). 1 removed, 0 no such
 * partner, -1 error.
 */
int store_partner_remove(struct store *st, int64_t id, const char *who,
                         struct err *err);

/*
 * Gives partner id a new secret (the old one stops working at once) and
 * records a 'rotated' event. Writes the new secret to new_secret unless
 * NULL. 1 done, 0 no such partner, -1 error.
 */
int store_partner_rotate(struct store *st, int64_t id, const char *who,
                         char new_secret[STORE_PARTNER_SECRET_LEN + 1],
                         struct err *err);

/*
 * Adds a contact address to partner id (normalised; 'contact-added'
 * event) or removes one ('contact-removed'; the last contact cannot be
 * removed). 1 changed, 0 nothing to do (already there / not there),
 * -1 error (invalid address, no such partner, last contact, already
 * STORE_PARTNER_CONTACTS_MAX contacts).
 */
int store_partner_add_contact(struct store *st, int64_t id, const char *addr,
                              const char *who, struct err *err);
int store_partner_remove_contact(struct store *st, int64_t id, const char *addr,
                                 const char *who, struct err *err);

/*
 * Appends an event to partner id's history: what ("added", "rotated",
 * "called", "piece-saved", ...), who (login name, "web", "mail"...),
 * detail (free text; NULL = ""). Never put the secret in detail.
 */
int store_partner_event(struct store *st, int64_t id, const char *what,
                        const char *who, const char *detail, struct err *err);

struct store_partner_ev {
	int64_t id, at, partner_id;
	const char *partner; /* the partner's name at the time (borrowed) */
	const char *what, *who, *detail;
};

/*
 * Calls fn for each event of partner id (or of every partner, even
 * removed ones, when id is 0), oldest first; the event is borrowed for the
 * call. A non-zero return from fn stops the walk and is returned.
 */
int store_partner_each_event(struct store *st, int64_t id,
                             int (*fn)(const struct store_partner_ev *ev,
                                       void *ctx),
                             void *ctx, struct err *err);

/*
 * The call log: at most one message of a kind ("call", "remind") to a
 * partner about an issue on a day ("YYYY-MM-DD"). store_partner_call_claim
 * records it before the message goes: 1 claimed (send it), 0 already sent
 * that day (don't), -1 error. When sending then fails for every contact,
 * store_partner_call_unclaim takes the claim back so a later run retries.
 * store_partner_call_last fills *at with the latest time that kind went
 * to the partner about the issue: 1, 0 never, -1.
 * store_partner_call_on: whether that day is claimed already: 1, 0, -1.
 */
int store_partner_call_claim(struct store *st, int64_t id, const char *issue,
                             const char *kind, const char *day,
                             struct err *err);
int store_partner_call_unclaim(struct store *st, int64_t id, const char *issue,
                               const char *kind, const char *day,
                               struct err *err);
int store_partner_call_on(struct store *st, int64_t id, const char *issue,
                          const char *kind, const char *day, struct err *err);
int store_partner_call_last(struct store *st, int64_t id, const char *issue,
                            const char *kind, int64_t *at, struct err *err);

/*
 * How far a kind of message went about an issue, for status pages: to
 * how many partners (still on the list), on how many days, the latest
 * when. 0, or -1 with err.
 */
struct store_partner_calls {
	long partners, days;
	int64_t last; /* 0: never */
};
int store_partner_call_counts(struct store *st, const char *issue,
                              const char *kind, struct store_partner_calls *c,
                              struct err *err);

/*
 * Reopening: partners may change issue until `until` (Unix seconds) even
 * though its deadline has passed. The latest reopening counts (an
 * earlier date shortens it; 0 closes it again); each is also an issue
 * event ('reopened', by who, detail the date as given).
 * store_partner_reopened_until: 1 and *until set, 0 never reopened, -1.
 */
int store_partner_reopen(struct store *st, const char *issue, int64_t until,
                         const char *who, const char *detail, struct err *err);
int store_partner_reopened_until(struct store *st, const char *issue,
                                 int64_t *until, struct err *err);

#endif
