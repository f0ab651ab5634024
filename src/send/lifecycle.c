#include "lifecycle.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "issue.h"
#include "issuecache.h"
#include "banned.h"

static const char *const state_names[] = {"draft", "compiled", "approved",
                                          "sending", "sent"};

const char *lifecycle_state_name(enum lifecycle_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0])
	               ? state_names[s]
	               : "?";
}

void lifecycle_when(int64_t t, struct buf *out)
{
	char text[64];
	struct tm tm;
	time_t tt = (time_t)t;

	localtime_r(&tt, &tm);
	strftime(text, sizeof(text), "on %Y-%m-%d %H:%M", &tm);
	buf_adds(out, text);
}

void lifecycle_explain(const struct inputs *was, const struct inputs *now,
                       const char *what, struct buf *out)
{
	struct inputs_change *ch;
	size_t n = inputs_compare(was, now, &ch);

	for (size_t i = 0; i < n; i++)
		buf_addf(out, "%s%s %s since %s", i ? "\n  " : "", ch[i].name,
		         inputs_change_verb(ch[i].kind), what);
	free(ch);
}

static int same_inputs(const struct inputs *a, const struct inputs *b)
{
	struct inputs_change *ch;
	size_t n = inputs_compare(a, b, &ch);

	free(ch);
	return n == 0;
}

static int load_recorded(struct lifecycle *lc, struct store *st, const char *id,
                         struct err *err)
{
	int found;

	found = store_issue_last_event(st, id, "compiled", &lc->compile, err);
	if (found < 0)
		return -1;
	found = store_issue_approval(st, id, &lc->approval, err);
	if (found < 0)
		return -1;
	lc->approved = found;
	if (found)
		lc->approval_holds =
		        !strcmp(lc->approval.digest, lc->now_digest);
	found = store_campaign_find(st, id, &lc->campaign, err);
	if (found < 0)
		return -1;
	lc->has_campaign = found;
	found = store_site_is_published(st, id, err);
	if (found < 0)
		return -1;
	lc->published = found;
	found = store_schedule_latest(st, id, &lc->schedule, err);
	if (found < 0)
		return -1;
	lc->has_schedule = found;
	return 0;
}

int lifecycle_load(struct lifecycle *lc, const struct config *cfg,
                   struct store *st, const char *id, struct err *err)
{
	return lifecycle_load_cached(lc, cfg, st, NULL, id, err);
}

int lifecycle_load_cached(struct lifecycle *lc, const struct config *cfg,
                          struct store *st, struct issuecache *cache,
                          const char *id, struct err *err)
{
	int found;

	memset(lc, 0, sizeof(*lc));
	if (issuecache_inputs(cache, cfg, id, &lc->now, err) < 0)
		return -1;
	inputs_digest(&lc->now, lc->now_digest);
	found = issuecache_built(cache, cfg, id, &lc->built, &lc->compiled_at,
	                         err);
	if (found < 0)
		goto fail;
	lc->compiled = found;
	lc->stale = found && !same_inputs(&lc->built, &lc->now);
	if (st && load_recorded(lc, st, id, err) < 0)
		goto fail;
	if (lc->has_campaign)
		lc->state = lc->campaign.finished ? LIFECYCLE_SENT
		                                  : LIFECYCLE_SENDING;
	else if (lc->compiled && !lc->stale)
		lc->state = lc->approval_holds ? LIFECYCLE_APPROVED
		                               : LIFECYCLE_COMPILED;
	else
		lc->state = LIFECYCLE_DRAFT;
	return 0;
fail:
	lifecycle_release(lc);
	return -1;
}

void lifecycle_release(struct lifecycle *lc)
{
	inputs_release(&lc->now);
	inputs_release(&lc->built);
	store_issue_event_release(&lc->compile);
	store_approval_release(&lc->approval);
	store_campaign_release(&lc->campaign);
	store_schedule_release(&lc->schedule);
	memset(lc, 0, sizeof(*lc));
}

/* No build/inputs: never compiled, or by a bulletin that wrote none. */
static int never_compiled(const struct config *cfg, const char *id,
                          const char *before, struct err *err)
{
	struct buf p = BUF_INIT;
	int built;

	config_path(cfg, &p, "issues/%s/build/email.html", id);
	built = access(p.data, F_OK) == 0;
	buf_release(&p);
	if (!built)
		return err_set(err,
		               "issues/%s has not been compiled yet: run "
		               "'bulletin compile %s' before %s",
		               id, id, before);
	return err_set(err,
	               "issues/%s/build/inputs is missing, so nobody can tell "
	               "what the compiled issue was made from: run 'bulletin "
	               "compile %s' again before %s",
	               id, id, before);
}

int lifecycle_check_build(const struct config *cfg, const char *id,
                          const char *before, struct err *err)
{
	struct inputs built, now;
	struct buf why = BUF_INIT, what = BUF_INIT;
	long long when;
	int found, ret = -1;

	found = inputs_read(&built, cfg, id, &when, err);
	if (found < 0)
		return -1;
	if (!found)
		return never_compiled(cfg, id, before, err);
	if (inputs_collect(&now, cfg, id, err) < 0)
		goto out_built;
	buf_adds(&what, "it was compiled");
	if (when) {
		buf_addch(&what, ' ');
		lifecycle_when(when, &what);
	}
	lifecycle_explain(&built, &now, what.data, &why);
	if (why.len)
		err_set(err,
		        "%s:\n  run 'bulletin compile %s' and check it again "
		        "before %s",
		        why.data, id, before);
	else
		ret = 0;
	inputs_release(&now);
out_built:
	inputs_release(&built);
	buf_release(&why);
	buf_release(&what);
	return ret;
}

/* No approval on record: first things first, if it was never compiled. */
static int not_approved(const struct config *cfg, const char *id,
                        struct err *err)
{
	struct inputs built;
	long long when;
	int found = inputs_read(&built, cfg, id, &when, err);

	inputs_release(&built);
	if (found < 0)
		return -1;
	if (!found)
		return never_compiled(cfg, id, "sending", err);
	return err_set(err,
	               "issues/%s has not been approved: read "
	               "issues/%s/build/preview.html, then 'bulletin approve "
	               "%s' records who approved it, and the send can go "
	               "(bulletin.yaml's workflow.approval is 'required')",
	               id, id, id);
}

void lifecycle_approved_what(const struct store_approval *a, struct buf *out)
{
	buf_adds(out, "it was approved ");
	lifecycle_when(a->at, out);
	buf_addf(out, " by %s", a->by);
}

int lifecycle_check_send(const struct config *cfg, struct store *st,
                         const char *id, struct err *err)
{
	struct store_approval a;
	struct inputs was, now;
	struct buf why = BUF_INIT, what = BUF_INIT;
	int found, ret = -1;

	if (strcmp(cfg->approval, "required"))
		return 0;
	found = store_issue_approval(st, id, &a, err);
	if (found <= 0)
		return found < 0 ? -1 : not_approved(cfg, id, err);
	if (inputs_parse(&was, a.manifest, strlen(a.manifest), "the approval",
	                 err) < 0)
		goto out_a;
	if (inputs_collect(&now, cfg, id, err) < 0)
		goto out_was;
	lifecycle_approved_what(&a, &what);
	lifecycle_explain(&was, &now, what.data, &why);
	if (why.len)
		err_set(err,
		        "%s:\n  compile and approve again ('bulletin compile "
		        "%s', then 'bulletin approve %s') before sending",
		        why.data, id, id);
	else
		ret = 0;
	inputs_release(&now);
out_was:
	inputs_release(&was);
out_a:
	store_approval_release(&a);
	buf_release(&why);
	buf_release(&what);
	return ret;
}

int lifecycle_four_eyes(const struct config *cfg, struct store *st,
                        const char *id, const char *digest, const char *by,
                        struct err *err)
{
	struct store_issue_event e;
	int found, ret = 0;

	if (!cfg->four_eyes)
		return 0;
	found = store_issue_last_event(st, id, "compiled", &e, err);
	if (found < 0)
		return -1;
	if (!found || strcmp(e.detail, digest))
		ret = err_set(
		        err,
		        "issues/%s: nobody can tell who compiled this build, "
		        "and workflow.four_eyes says its approver must be "
		        "someone else: compile it again (from the desk or "
		        "'bulletin compile %s'), then someone else approves "
		        "it; "
		        "nothing was approved",
		        id, id);
	else if (!strcmp(e.who, by))
		ret = err_set(
		        err,
		        "issues/%s: %s made the last change (compiled it), and "
		        "workflow.four_eyes says someone else must approve it; "
		        "nothing was approved",
		        id, by);
	store_issue_event_release(&e);
	return ret;
}

int lifecycle_approve(const struct config *cfg, struct store *st,
                      const char *id, const char *by, struct err *err)
{
	struct buf manifest = BUF_INIT;
	char digest[SHA256_LEN * 2 + 1];
	struct inputs built;
	long long when;
	int found, ret = -1;

	if (lifecycle_check_build(cfg, id, "approving", err) < 0)
		return -1;
	/* The manifest approved is the build's: checked equal to now. */
	found = inputs_read(&built, cfg, id, &when, err);
	if (found <= 0)
		return found < 0
		               ? -1
		               : err_set(err, "issues/%s/build/inputs vanished",
		                         id);
	inputs_format(&built, &manifest);
	inputs_digest(&built, digest);
	if (lifecycle_four_eyes(cfg, st, id, digest, by, err) == 0 &&
	    store_issue_approve(st, id, digest, manifest.data, by, 0, err) == 0)
		ret = 0;
	inputs_release(&built);
	buf_release(&manifest);
	return ret;
}

/* Fills w->sent and w->reopened_until from the store. */
static int window_store(struct store *st, const char *id,
                        struct lifecycle_window *w, struct err *err)
{
	struct store_campaign c;
	int r;

	if (!st)
		return 0;
	r = store_campaign_find(st, id, &c, err);
	if (r < 0)
		return -1;
	if (r == 1) {
		w->sent = 1;
		store_campaign_release(&c);
	}
	return store_partner_reopened_until(st, id, &w->reopened_until, err) < 0
	               ? -1
	               : 0;
}

int lifecycle_partner_window(const struct config *cfg, struct store *st,
                             const char *id, int64_t now,
                             struct lifecycle_window *w, struct err *err)
{
	struct issue is;
	struct diags d = DIAGS_INIT;
	int ret = -1, readable = 1;

	memset(w, 0, sizeof(*w));
	if (issue_load_meta(&is, cfg, id, &d, err) < 0 ||
	    window_store(st, id, w, err) < 0)
		goto out;
	if (is.deadline && *is.deadline)
		readable = issue_deadline_time(is.deadline, &w->deadline) == 0;
	if (w->sent)
		w->why = "sent";
	else if (!readable)
		w->why = "deadline unreadable";
	else if (!w->deadline)
		w->why = "no deadline";
	else if (now < w->deadline)
		w->why = "open until the deadline";
	else if (now < w->reopened_until)
		w->why = "reopened";
	else
		w->why = "deadline passed";
	w->open =
	        !w->sent && readable &&
	        (!w->deadline || now < w->deadline || now < w->reopened_until);
	ret = 0;
out:
	issue_release(&is);
	diags_release(&d);
	return ret;
}

int lifecycle_reopen(const struct config *cfg, struct store *st, const char *id,
                     const char *until, int64_t now, const char *who,
                     struct lifecycle_window *w, struct err *err)
{
	int64_t t;

	if (issue_deadline_time(until, &t) < 0)
		return err_set(err,
		               "reopen until '%s': that is not a date: write "
		               "it as YYYY-MM-DD or YYYY-MM-DDTHH:MM",
		               until);
	if (t <= now)
		return err_set(
		        err,
		        "reopen until %s: that has already passed: give a "
		        "later date",
		        until);
	if (lifecycle_partner_window(cfg, st, id, now, w, err) < 0)
		return -1;
	if (w->sent)
		return err_set(err,
		               "issues/%s has been sent: it cannot be reopened",
		               id);
	if (store_partner_reopen(st, id, t, who, until, err) < 0)
		return -1;
	return lifecycle_partner_window(cfg, st, id, now, w, err);
}

int lifecycle_issue_exists(const struct config *cfg, const char *id)
{
	struct buf p = BUF_INIT;
	struct stat sb;
	int r = *id && *id != '.' && strlen(id) <= 60;

	for (const char *s = id; r && *s; s++)
		r = isalnum((unsigned char)*s) || *s == '-' || *s == '_';
	if (r) {
		config_path(cfg, &p, "issues/%s/issue.yaml", id);
		r = stat(p.data, &sb) == 0 && S_ISREG(sb.st_mode);
	}
	buf_release(&p);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **lifecycle_issue_ids(const struct config *cfg, size_t *n)
{
	struct buf dir = BUF_INIT;
	struct dirent *e;
	char **ids = NULL;
	size_t cap = 0;
	DIR *d;

	*n = 0;
	config_path(cfg, &dir, "issues");
	d = opendir(dir.data);
	while (d && (e = readdir(d))) {
		if (!lifecycle_issue_exists(cfg, e->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[(*n)++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	buf_release(&dir);
	if (*n)
		qsort(ids, *n, sizeof(*ids), by_name);
	return ids;
}

void lifecycle_issue_ids_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int lifecycle_open_issue(const struct config *cfg, struct store *st,
                         int64_t now, struct buf *out, struct err *err)
{
	struct lifecycle_window w;
	size_t n, first, best = 0;
	char **ids = lifecycle_issue_ids(cfg, &n);
	int64_t soonest = 0;
	int found = 0;

	first = n > LIFECYCLE_ISSUES_MAX ? n - LIFECYCLE_ISSUES_MAX : 0;
	for (size_t i = first; i < n; i++) {
		if (lifecycle_partner_window(cfg, st, ids[i], now, &w, err) <
		    0) {
			found = -1;
			break;
		}
		/* No deadline comes after every deadline; of equals, the
		 * first by name (ids are sorted). */
		if (w.deadline == 0)
			w.deadline = INT64_MAX;
		if (w.open && (!found || w.deadline < soonest)) {
			soonest = w.deadline;
			best = i;
			found = 1;
		}
	}
	if (found == 1)
		buf_adds(out, ids[best]);
	lifecycle_issue_ids_free(ids, n);
	return found;
}

/* "the end of YYYY-MM-DD" for a day's end, else "YYYY-MM-DD HH:MM UTC". */
static void moment(int64_t t, struct buf *out)
{
	time_t tt = (time_t)(t % 86400 ? t : t - 1);
	struct tm tm;
	char text[32];

	gmtime_r(&tt, &tm);
	strftime(text, sizeof(text),
	         t % 86400 ? "%Y-%m-%d %H:%M UTC" : "the end of %Y-%m-%d", &tm);
	buf_adds(out, text);
}

void lifecycle_window_text(const struct lifecycle_window *w, struct buf *out)
{
	int reopened =
	        w->open && w->deadline && w->reopened_until > w->deadline;

	if (w->sent) {
		buf_adds(out, "closed to partners: it has been sent");
	} else if (w->open && !w->deadline) {
		buf_adds(out, "open to partners until it is sent (no deadline "
		              "set)");
	} else if (w->open) {
		buf_adds(out, "open to partners until ");
		moment(reopened ? w->reopened_until : w->deadline, out);
		buf_adds(out, reopened ? " (reopened)" : " (the deadline)");
	} else if (!w->deadline) {
		buf_adds(out, "closed to partners: its deadline cannot be "
		              "read");
	} else {
		buf_adds(out, "closed to partners: the deadline (");
		moment(w->deadline, out);
		buf_adds(out, ") has passed");
	}
}

int lifecycle_check_not_sending(const struct config *cfg, struct store *st,
                                const char *id, struct buf *said,
                                struct err *err)
{
	struct lifecycle lc;
	struct buf when = BUF_INIT;
	int ret = 0;

	if (lifecycle_load(&lc, cfg, st, id, err) < 0)
		return -1;
	if (lc.state == LIFECYCLE_SENDING) {
		lifecycle_when(lc.campaign.started, &when);
		if (lc.approval_holds && !lc.stale) {
			buf_addf(said,
			         "issues/%s is approved (by %s) and its send "
			         "started %s: nothing to do",
			         id, lc.approval.by, when.data);
			ret = 1;
		} else {
			ret = err_set(
			        err,
			        "issues/%s: its send started %s and is not "
			        "finished, so its messages are settled: "
			        "this version cannot be approved; nothing "
			        "was approved",
			        id, when.data);
		}
	}
	lifecycle_release(&lc);
	buf_release(&when);
	return ret;
}
