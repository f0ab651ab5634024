#ifndef LIFECYCLE_H
#define LIFECYCLE_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "inputs.h"
#include "issuecache.h"
#include "store.h"
#include "store_issue.h"
#include "store_partner.h"
#include "store_schedule.h"
#include "store_send.h"
#include "store_site.h"

/*
 * The editorial lifecycle of an issue:
 *   draft -> compiled -> approved -> sending -> sent
 * worked out each time from what is there: the issue's inputs now
 * (inputs_collect), what it was compiled from (build/inputs), the latest
 * approval in the store and the send journal. Content decides: an input
 * changed since the compile makes the issue a draft again; one changed
 * since the approval takes the approval away.
 */

enum lifecycle_state {
	LIFECYCLE_DRAFT,
	LIFECYCLE_COMPILED,
	LIFECYCLE_APPROVED,
	LIFECYCLE_SENDING,
	LIFECYCLE_SENT,
};

const char *lifecycle_state_name(enum lifecycle_state s);

struct lifecycle {
	enum lifecycle_state state;
	struct inputs now;   /* what the issue is made of now */
	struct inputs built; /* build/inputs; empty when never compiled */
	int compiled;        /* build/inputs exists */
	int stale;           /* compiled, and an input changed since */
	long long compiled_at;
	struct store_issue_event compile; /* who compiled last (who NULL: not
	                                     recorded) */
	int approved; /* an approval is on record (it may no longer hold) */
	int approval_holds; /* ... and the inputs are still those approved */
	struct store_approval approval;
	int published;    /* on the public site (store_site) */
	int has_campaign; /* a full send has started */
	struct store_campaign campaign;
	int has_schedule; /* a send was ever scheduled (the latest: schedule) */
	struct store_schedule schedule;
	char now_digest[SHA256_LEN * 2 + 1];
};

/*
 * Works out where issue id stands. st may be NULL (nothing recorded is
 * then known: no approval, no send). Returns 0, or -1 with err.
 */
int lifecycle_load(struct lifecycle *lc, const struct config *cfg,
                   struct store *st, const char *id, struct err *err);
/* The same, with what the files say kept in cache between looks (the
 * desk's; NULL: read now). */
int lifecycle_load_cached(struct lifecycle *lc, const struct config *cfg,
                          struct store *st, struct issuecache *cache,
                          const char *id, struct err *err);
void lifecycle_release(struct lifecycle *lc);

/*
 * Appends one line per input that differs between was and now, each
 * "NAME changed since WHAT" (WHAT: e.g. "it was approved on DATE by
 * NAME"), without a final newline.
 */
void lifecycle_explain(const struct inputs *was, const struct inputs *now,
                       const char *what, struct buf *out);

/* Appends "it was approved on DATE by NAME". */
void lifecycle_approved_what(const struct store_approval *a, struct buf *out);

/* Appends "on YYYY-MM-DD HH:MM" in local time. */
void lifecycle_when(int64_t t, struct buf *out);

/*
 * The check before anything is sent, previewed or approved: the build of
 * id exists and was compiled from the inputs as they are now. -1 with
 * err naming every file changed, added or removed since; before ends its
 * advice ("sending": "... check it again before sending").
 */
int lifecycle_check_build(const struct config *cfg, const char *id,
                          const char *before, struct err *err);

/*
 * The check before a full send (after lifecycle_check_build): with
 * workflow.approval 'required', the issue was approved and its inputs are
 * those approved. -1 with err naming every file changed, added or removed
 * since the approval, or saying it was never approved.
 */
int lifecycle_check_send(const struct config *cfg, struct store *st,
                         const char *id, struct err *err);

/*
 * With workflow.four_eyes, whether by may approve the build of id whose
 * inputs have digest: not when by made its last change (compiled it), nor
 * when nobody can tell who did. 0 may, -1 with err saying why not.
 */
int lifecycle_four_eyes(const struct config *cfg, struct store *st,
                        const char *id, const char *digest, const char *by,
                        struct err *err);

/*
 * Approves issue id as by: refuses (with workflow.four_eyes, also when
 * by compiled it: lifecycle_four_eyes) (-1 with err, naming the files) when
 * it was never compiled or an input changed since the compile; records
 * the approval (who, when, the manifest and its digest) and an event.
 */
int lifecycle_approve(const struct config *cfg, struct store *st,
                      const char *id, const char *by, struct err *err);

/* Whether partners may change an issue, and why (see below). */
struct lifecycle_window {
	int open;               /* partners may change it now */
	int sent;               /* a full send has started: closed for good */
	int64_t deadline;       /* when the deadline passes; 0: none set */
	int64_t reopened_until; /* bulletin reopen; 0: never reopened */
	/* "open until the deadline", "reopened", "deadline passed", "sent",
	 * "no deadline" (open), "deadline unreadable" (closed) (static) */
	const char *why;
};

/*
 * The one rule for "may partners still change issue id at time now?"
 * (the contribution form, email contributions, the status command):
 * never once a full send has started; otherwise yes before its deadline
 * (issue.yaml's 'deadline:'), or before the date it was reopened until
 * (store_partner_reopen), whichever is later. No deadline: open until
 * sent; a deadline that cannot be read: closed (the compile report says
 * why). st may be NULL (no send and no reopening known). Reads only
 * issue.yaml and two rows of the store. 0, or -1 with err (no such issue).
 */
int lifecycle_partner_window(const struct config *cfg, struct store *st,
                             const char *id, int64_t now,
                             struct lifecycle_window *w, struct err *err);

/*
 * Reopens issue id to partners until the date until ("YYYY-MM-DD", to the
 * end of that day, or "YYYY-MM-DDTHH:MM", UTC), recorded as said by who:
 * the latest reopen counts, so an earlier date shortens it. Refused (-1
 * with err saying how to fix it) when until is not a date or has already
 * passed at now, or the issue has been sent. 0 with w, the window after.
 */
int lifecycle_reopen(const struct config *cfg, struct store *st, const char *id,
                     const char *until, int64_t now, const char *who,
                     struct lifecycle_window *w, struct err *err);

/*
 * Whether id is an issue of cfg's workspace: a name of letters, digits,
 * '-' and '_' (at most 60, not starting with '.') whose folder holds a
 * regular issue.yaml.
 */
int lifecycle_issue_exists(const struct config *cfg, const char *id);

/*
 * The ids of the workspace's issues (lifecycle_issue_exists), by name.
 * Caller frees with lifecycle_issue_ids_free. *n is 0 when none.
 */
char **lifecycle_issue_ids(const struct config *cfg, size_t *n);
void lifecycle_issue_ids_free(char **ids, size_t n);

/* Issues lifecycle_open_issue looks at, at most: the last by name. */
#define LIFECYCLE_ISSUES_MAX 500

/*
 * "The open issue": of the workspace's issues, the one open to partners
 * at time now (lifecycle_partner_window) with the nearest deadline; one
 * without a deadline comes after every one with, and of two alike the
 * first by name wins. Where a mailed piece goes when its subject names
 * no issue, and what the desk's partners page reports on. Returns 1 with
 * the id appended to out, 0 when no issue is open, -1 with err.
 */
int lifecycle_open_issue(const struct config *cfg, struct store *st,
                         int64_t now, struct buf *out, struct err *err);

/*
 * Appends w as a sentence for the comms officer or a partner: "open to
 * partners until the end of 2027-01-20 (the deadline)", "... (reopened)",
 * "closed to partners: the deadline (the end of 2027-01-20) has passed",
 * "closed to partners: it has been sent". Dates in UTC.
 */
void lifecycle_window_text(const struct lifecycle_window *w, struct buf *out);

/*
 * A send under way has its version: approving another would mix two in
 * one send, so it is refused (-1 with err), and the same version again
 * is nothing to do (1, said filled with a sentence). 0 when no send is
 * under way (none started, or one finished: a later run reaches only new
 * subscribers).
 */
int lifecycle_check_not_sending(const struct config *cfg, struct store *st,
                                const char *id, struct buf *said,
                                struct err *err);

#endif
