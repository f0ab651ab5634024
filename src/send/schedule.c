#include "schedule.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "issue.h"
#include "lifecycle.h"
#include "store_schedule.h"
#include "zone.h"
#include "banned.h"

/* How often serve's thread looks at every schedule, not only due ones. */
#define CHECK_ALL_EVERY 60

#define OPEN_STATES (1u << SCHEDULE_WAITING | 1u << SCHEDULE_HELD)

/* "YYYY-MM-DD HH:MM" local to zone; -1 with err when it is not one. */
static int parse_when(const char *when, const char *zone, int64_t *t,
                      struct err *err)
{
	struct tm tm;
	int has_time;

	if (issue_parse_datetime(when, &tm, &has_time) < 0 || !has_time)
		return err_set(
		        err,
		        "--at '%s' is not a date and time: write it as "
		        "YYYY-MM-DD HH:MM, e.g. \"2027-01-14 09:00\" (%s "
		        "time, site.timezone in bulletin.yaml)",
		        when, zone);
	*t = zone_utc(&tm, zone);
	return 0;
}

/* The issue may be scheduled: approved as it is now, not sent. */
static int schedulable(const struct config *cfg, struct store *st,
                       const char *id, struct lifecycle *lc, struct err *err)
{
	if (lifecycle_check_build(cfg, id, "scheduling it", err) < 0 ||
	    lifecycle_check_send(cfg, st, id, err) < 0 ||
	    lifecycle_load(lc, cfg, st, id, err) < 0)
		return -1;
	if (lc->has_campaign)
		return err_set(
		        err,
		        "%s is %s already (started on the send's record): "
		        "a scheduled send would add nothing; 'bulletin "
		        "status %s' shows how it went",
		        id, lifecycle_state_name(lc->state), id);
	return 0;
}

int schedule_set(const struct config *cfg, struct store *st, const char *id,
                 const char *when, const char *who, int64_t now,
                 struct buf *said, struct err *err)
{
	struct lifecycle lc = {0};
	struct buf words = BUF_INIT, at_now = BUF_INIT;
	int64_t due = 0;
	int ret = -1;

	if (parse_when(when, cfg->timezone, &due, err) < 0)
		return -1;
	zone_format(due, cfg->timezone, &words);
	if (due <= now) {
		zone_format(now, cfg->timezone, &at_now);
		err_set(err,
		        "--at %s is in the past (it is %s now): give a time to "
		        "come, or send it now with 'bulletin send %s'",
		        words.data, at_now.data, id);
	} else if (schedulable(cfg, st, id, &lc, err) == 0 &&
	           store_schedule_add(st, id, due, words.data, lc.now_digest,
	                              who, err) == 0) {
		buf_add(said, words.data, words.len);
		ret = 0;
	}
	lifecycle_release(&lc);
	buf_release(&words);
	buf_release(&at_now);
	return ret;
}

int schedule_cancel(const struct config *cfg, struct store *st, const char *id,
                    const char *who, struct buf *said, struct err *err)
{
	struct store_schedule s;
	int found = store_schedule_latest(st, id, &s, err), moved = 0;

	if (found > 0 && (OPEN_STATES & (1u << s.state))) {
		moved = store_schedule_settle(
		        st, s.id, OPEN_STATES, SCHEDULE_CANCELLED,
		        "schedule cancelled", who, "cancelled by hand", err);
		if (moved > 0)
			zone_format(s.due, cfg->timezone, said);
	}
	store_schedule_release(&s);
	return found < 0 || moved < 0 ? -1 : moved;
}

/* Why lc's schedule no longer holds, or "" when it does. */
static void why_not(const struct lifecycle *lc, struct buf *why)
{
	const struct store_schedule *s = &lc->schedule;
	struct inputs was;
	struct buf what = BUF_INIT;
	struct err err = ERR_INIT;

	if (lc->has_campaign) {
		buf_adds(why, "a send of it was started another way (by "
		              "'bulletin send')");
		return;
	}
	if (!strcmp(s->digest, lc->now_digest))
		return;
	if (lc->approved && !strcmp(lc->approval.digest, s->digest) &&
	    inputs_parse(&was, lc->approval.manifest,
	                 strlen(lc->approval.manifest), "the approval",
	                 &err) == 0) {
		lifecycle_approved_what(&lc->approval, &what);
		lifecycle_explain(&was, &lc->now, what.data, why);
		inputs_release(&was);
	}
	if (!why->len)
		buf_adds(why, "the issue changed since it was approved for "
		              "this schedule");
	buf_release(&what);
	err_release(&err);
}

int schedule_check(const struct config *cfg, struct store *st, const char *id,
                   struct buf *said, struct err *err)
{
	struct lifecycle lc;
	struct buf why = BUF_INIT, words = BUF_INIT;
	int moved = 0;

	if (lifecycle_load(&lc, cfg, st, id, err) < 0)
		return -1;
	/* A held one too: sent by hand since, or changed, it is over. */
	if (lc.has_schedule && (OPEN_STATES & (1u << lc.schedule.state)))
		why_not(&lc, &why);
	if (why.len) {
		moved = store_schedule_settle(
		        st, lc.schedule.id, OPEN_STATES, SCHEDULE_CANCELLED,
		        "schedule cancelled", "bulletin", why.data, err);
		zone_format(lc.schedule.due, cfg->timezone, &words);
	}
	if (moved > 0)
		buf_addf(said,
		         "the scheduled send of %s for %s is cancelled: %s\n  "
		         "approve it again and schedule it again ('bulletin "
		         "send %s --at TIME') when it is ready",
		         id, words.data, why.data, id);
	lifecycle_release(&lc);
	buf_release(&why);
	buf_release(&words);
	return moved;
}

void schedule_describe(const struct config *cfg, const struct store_schedule *s,
                       int short_form, struct buf *out)
{
	if (short_form) {
		if (s->state == SCHEDULE_WAITING)
			zone_format(s->due, cfg->timezone, out);
		else if (s->state == SCHEDULE_HELD)
			buf_adds(out, "held");
		return;
	}
	switch (s->state) {
	case SCHEDULE_WAITING:
		buf_adds(out, "scheduled for ");
		zone_format(s->due, cfg->timezone, out);
		buf_addf(out, " by %s", s->by);
		break;
	case SCHEDULE_HELD:
		buf_addf(out, "scheduled send held: %s", s->why);
		break;
	case SCHEDULE_STARTED:
		buf_adds(out, "started by its schedule (due ");
		zone_format(s->due, cfg->timezone, out);
		buf_adds(out, ") at ");
		zone_format(s->settled_at, cfg->timezone, out);
		break;
	case SCHEDULE_CANCELLED:
		buf_adds(out, "the schedule for ");
		zone_format(s->due, cfg->timezone, out);
		buf_addf(out, " was cancelled: %s", s->why);
		break;
	}
}

static void say(const struct schedule_runner *r, const struct buf *line)
{
	if (r->say && line->len)
		r->say(r->ctx, line->data);
}

/* Holds s, missed by more than the grace; says why. 1 held, 0, -1. */
static int hold(const struct schedule_runner *r, struct store *st,
                const struct store_schedule *s, int64_t now, struct err *err)
{
	struct buf why = BUF_INIT, line = BUF_INIT;
	int moved;

	buf_adds(&why, "it was due at ");
	zone_format(s->due, r->cfg->timezone, &why);
	buf_addf(&why,
	         ", %.1f hours before anything could start it (nothing ran "
	         "'bulletin serve' or 'bulletin send --due' meanwhile), "
	         "longer ago than schedule.grace_hours (%g): it waits for a "
	         "person to send it ('bulletin send %s') or schedule it "
	         "again ('bulletin send %s --at TIME')",
	         (double)(now - s->due) / 3600.0, r->cfg->schedule_grace_hours,
	         s->issue, s->issue);
	moved = store_schedule_settle(st, s->id, 1u << SCHEDULE_WAITING,
	                              SCHEDULE_HELD, "schedule held",
	                              "bulletin", why.data, err);
	if (moved > 0) {
		buf_addf(&line,
		         "bulletin: the scheduled send of %s is held: %s",
		         s->issue, why.data);
		say(r, &line);
	}
	buf_release(&why);
	buf_release(&line);
	return moved;
}

/* Claims s and runs its send. 1 started, 0 another runner had it, -1. */
static int start(const struct schedule_runner *r, struct store *st,
                 const struct store_schedule *s, struct err *err)
{
	struct buf who = BUF_INIT, line = BUF_INIT;
	int moved;

	buf_addf(&who, "schedule by %s", s->by);
	moved = store_schedule_settle(st, s->id, 1u << SCHEDULE_WAITING,
	                              SCHEDULE_STARTED, "schedule started",
	                              who.data, "", err);
	if (moved > 0) {
		buf_addf(&line,
		         "bulletin: starting the scheduled send of %s (due ",
		         s->issue);
		zone_format(s->due, r->cfg->timezone, &line);
		buf_addch(&line, ')');
		say(r, &line);
		r->send(r->ctx, s->issue, who.data, r->stop);
	}
	buf_release(&who);
	buf_release(&line);
	return moved;
}

/* One waiting schedule at now: cancelled, held, started or left. */
static int run_one(const struct schedule_runner *r, struct store *st,
                   const struct store_schedule *s, int64_t now, struct err *err)
{
	struct buf said = BUF_INIT;
	int moved;

	buf_adds(&said, "bulletin: ");
	moved = schedule_check(r->cfg, st, s->issue, &said, err);
	if (moved > 0)
		say(r, &said);
	buf_release(&said);
	if (moved)
		return moved < 0 ? -1 : 0;
	if (s->due > now)
		return 0;
	if ((double)(now - s->due) > r->cfg->schedule_grace_hours * 3600.0)
		return hold(r, st, s, now, err) < 0 ? -1 : 0;
	return start(r, st, s, err);
}

long schedule_run_due(const struct schedule_runner *r, struct store *st,
                      int64_t now, int check_all, struct err *err)
{
	struct store_schedule *v;
	size_t n;
	long started = 0;

	if (store_schedule_waiting(st, check_all ? NULL : &now, &v, &n, err) <
	    0)
		return -1;
	for (size_t i = 0; i < n && started >= 0; i++) {
		int r1 = r->stop && *r->stop ? 0
		                             : run_one(r, st, &v[i], now, err);

		if (r1 < 0)
			started = -1;
		else
			started += r1;
	}
	for (size_t i = 0; i < n; i++)
		store_schedule_release(&v[i]);
	free(v);
	return started;
}

struct schedule_thread {
	struct schedule_runner r;
	volatile sig_atomic_t stop;
	struct store st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

static void *thread_main(void *arg)
{
	struct schedule_thread *t = arg;
	long tick = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		struct timespec ts;
		struct err err = ERR_INIT;
		struct buf line = BUF_INIT;

		pthread_mutex_unlock(&t->lock);
		if (schedule_run_due(&t->r, &t->st, (int64_t)time(NULL),
		                     tick++ % CHECK_ALL_EVERY == 0, &err) < 0) {
			buf_addf(&line, "bulletin: scheduled sends: %s",
			         err_msg(&err));
			say(&t->r, &line);
		}
		err_release(&err);
		buf_release(&line);
		pthread_mutex_lock(&t->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!t->stop)
			pthread_cond_timedwait(&t->wake, &t->lock, &ts);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

struct schedule_thread *schedule_thread_start(const struct schedule_runner *r,
                                              struct err *err)
{
	struct schedule_thread *t = xcalloc(1, sizeof(*t));

	t->r = *r;
	t->r.stop = &t->stop;
	{
		struct buf path = BUF_INIT;
		int opened;

		config_path(r->cfg, &path, "%s", r->cfg->store);
		opened = store_open(&t->st, path.data, err) == 0;
		buf_release(&path);
		if (!opened) {
			free(t);
			return NULL;
		}
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->wake, NULL);
	if (pthread_create(&t->thread, NULL, thread_main, t)) {
		err_set(err, "cannot start the thread for scheduled sends");
		store_close(&t->st);
		pthread_mutex_destroy(&t->lock);
		pthread_cond_destroy(&t->wake);
		free(t);
		return NULL;
	}
	return t;
}

void schedule_thread_stop(struct schedule_thread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = 1;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	store_close(&t->st);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->wake);
	free(t);
}
