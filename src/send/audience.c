#include "audience.h"

#include <stdlib.h>
#include <string.h>

#include "store_topics.h"
#include "banned.h"

/* The send's --topic values as a mask, each checked against the issue. */
static int narrow_topics(const struct store_topics *t, const char *issue_id,
                         int64_t issue_mask, const char *const *topics,
                         size_t n, int64_t *mask, struct err *err)
{
	struct buf bad = BUF_INIT, hint = BUF_INIT;
	int ret = 0;

	*mask = 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		int64_t bit;

		if (store_topics_parse(t, topics[i], &bit, &bad, &hint) < 0)
			ret = !t->n ? err_set(err,
			                      "--topic %s: bulletin.yaml "
			                      "offers "
			                      "no topics",
			                      bad.data)
			      : hint.len
			              ? err_set(err,
			                        "--topic %s: no such topic "
			                        "(did "
			                        "you mean '%s'?)",
			                        bad.data, hint.data)
			              : err_set(err,
			                        "--topic %s: no such topic "
			                        "(the "
			                        "topics are in bulletin.yaml)",
			                        bad.data);
		else if (issue_mask && (bit & ~issue_mask))
			ret = err_set(
			        err,
			        "--topic %s: issue %s is not for that "
			        "topic (its issue.yaml names the topics it "
			        "is for)",
			        topics[i], issue_id);
		else
			*mask |= bit;
	}
	buf_release(&bad);
	buf_release(&hint);
	return ret;
}

static void say_audience(struct audience *au, const struct store_topics *t)
{
	if (au->a.topics) {
		buf_adds(&au->words, "topics: ");
		store_topics_keys(t, au->a.topics, ", ", &au->words);
	}
	for (size_t i = 0; i < au->a.norgs; i++)
		buf_addf(&au->words, "%s%s",
		         i               ? ", "
		         : au->words.len ? "; organisations: "
		                         : "organisations: ",
		         au->orgs[i]);
}

int audience_build(struct store *st, const struct config *cfg,
                   const char *issue_id, const char *issue_topics,
                   const char *const *topics, size_t ntopics,
                   const char *const *orgs, size_t norgs, struct audience *out,
                   struct err *err)
{
	struct store_topics t;
	struct buf bad = BUF_INIT, hint = BUF_INIT;
	int64_t issue_mask = 0, narrow = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	buf_init(&out->words);
	if (store_topics_load(st, cfg, &t, err) < 0)
		return -1;
	/* compile checked the keys; a topic gone from bulletin.yaml since: */
	if (issue_topics &&
	    store_topics_parse(&t, issue_topics, &issue_mask, &bad, &hint) < 0)
		err_set(err,
		        "issues/%s/issue.yaml: topic '%s' is no longer in "
		        "bulletin.yaml: compile the issue again",
		        issue_id, bad.data);
	else if (narrow_topics(&t, issue_id, issue_mask, topics, ntopics,
	                       &narrow, err) == 0)
		ret = 0;
	if (ret == 0) {
		out->a.topics = narrow ? narrow : issue_mask;
		out->orgs = xcalloc(norgs + 1, sizeof(*out->orgs));
		for (size_t i = 0; i < norgs; i++)
			out->orgs[i] = xstrdup(orgs[i]);
		out->a.orgs = (const char *const *)out->orgs;
		out->a.norgs = norgs;
		say_audience(out, &t);
		out->a.words = out->words.data;
	}
	store_topics_release(&t);
	buf_release(&bad);
	buf_release(&hint);
	return ret;
}

void audience_release(struct audience *au)
{
	for (size_t i = 0; au->orgs && i < au->a.norgs; i++)
		free(au->orgs[i]);
	free(au->orgs);
	buf_release(&au->words);
	memset(au, 0, sizeof(*au));
}
