#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "suggest.h"
#include "yamldoc.h"
#include "zone.h"
#include "banned.h"

enum key_type { K_STR, K_LONG, K_DOUBLE, K_BOOL, K_LIST, K_SECTIONS, K_TOPICS };

/* One row per key: where it lives, its type, default and limits. */
static const struct key {
	const char *group;
	const char *name;
	enum key_type type;
	size_t offset;
	const char *def;
	double min, max;
	int required;
} keys[] = {
#define F(m) offsetof(struct config, m)
        {"newsletter", "name", K_STR, F(name), "", 0, 0, 1},
        {"newsletter", "from", K_STR, F(from), "", 0, 0, 1},
        {"newsletter", "reply_to", K_STR, F(reply_to), "", 0, 0, 0},
        {"newsletter", "list_id", K_STR, F(list_id), "", 0, 0, 0},
        {"newsletter", "base_url", K_STR, F(base_url), "", 0, 0, 1},
        {"newsletter", "language", K_STR, F(language), "en-GB", 0, 0, 0},
        {"newsletter", "footer", K_STR, F(footer), "", 0, 0, 0},
        {"", "sections", K_SECTIONS, F(sections), NULL, 0, 0, 0},
        {"", "topics", K_TOPICS, F(topics), NULL, 0, 0, 0},
        {"compile", "word_limit", K_LONG, F(word_limit), "600", 50, 100000, 0},
        {"compile", "reading_ease", K_DOUBLE, F(reading_ease), "50", 0, 100, 0},
        {"compile", "image_max_kb", K_LONG, F(image_max_kb), "500", 1, 1e6, 0},
        {"delivery", "transport", K_LIST, F(transports), "maildir:outbox", 0, 0,
         0},
        {"delivery", "connections", K_LONG, F(connections), "4", 1, 64, 0},
        {"delivery", "rate", K_DOUBLE, F(rate), "0", 0, 1e6, 0},
        {"delivery", "return_path", K_STR, F(return_path), "", 0, 0, 0},
        {"delivery", "unsubscribe_mailto", K_STR, F(unsubscribe_mailto), "", 0,
         0, 0},
        {"delivery", "tls", K_STR, F(tls), "required", 0, 0, 0},
        {"delivery", "ca_file", K_STR, F(ca_file), "", 0, 0, 0},
        {"delivery", "username", K_STR, F(smtp_user), "", 0, 0, 0},
        {"delivery", "embed_images", K_BOOL, F(embed_images), "false", 0, 0, 0},
        {"delivery", "retry_attempts", K_LONG, F(retry_attempts), "3", 0, 100,
         0},
        {"delivery", "retry_delay", K_DOUBLE, F(retry_delay), "2", 0, 3600, 0},
        {"delivery", "pause_failure_share", K_DOUBLE, F(pause_failure_share),
         "0.2", 0, 1, 0},
        {"delivery", "pause_window", K_LONG, F(pause_window), "200", 10,
         1000000, 0},
        {"delivery", "relay_aside_after", K_DOUBLE, F(relay_aside_after), "60",
         0, 86400, 0},
        {"workflow", "approval", K_STR, F(approval), "required", 0, 0, 0},
        {"workflow", "four_eyes", K_BOOL, F(four_eyes), "false", 0, 0, 0},
        {"", "store", K_STR, F(store), "subscribers/bulletin.db", 0, 0, 0},
        {"web", "listen", K_STR, F(listen), "127.0.0.1:8080", 0, 0, 0},
        {"web", "consent", K_STR, F(consent),
         "I agree to receive this newsletter by email. I can unsubscribe at "
         "any time using the link in every issue.",
         0, 0, 0},
        {"web", "desk_idle_minutes", K_LONG, F(desk_idle_minutes), "30", 1,
         1440, 0},
        {"web", "desk_session_hours", K_LONG, F(desk_session_hours), "10", 1,
         168, 0},
        {"web", "pending_days", K_LONG, F(pending_days), "7", 1, 365, 0},
        {"web", "signups_per_hour", K_LONG, F(signups_per_hour), "10", 1, 1e6,
         0},
        {"web", "confirmations_per_day", K_LONG, F(confirmations_per_day), "3",
         1, 1000, 0},
        {"web", "upload_max_kb", K_LONG, F(upload_max_kb), "5120", 1, 65536, 0},
        {"web", "saves_per_hour", K_LONG, F(saves_per_hour), "60", 1, 1e6, 0},
        {"inbox", "soft_bounce_limit", K_LONG, F(soft_bounce_limit), "3", 1,
         1000, 0},
        {"inbox", "soft_bounce_days", K_LONG, F(soft_bounce_days), "30", 1,
         3650, 0},
        {"inbox", "processed_folder", K_STR, F(processed_folder), "Processed",
         0, 0, 0},
        {"inbox", "held_folder", K_STR, F(held_folder), "held", 0, 0, 0},
        {"inbox", "attachment_max_kb", K_LONG, F(attachment_max_kb), "10240", 1,
         1048576, 0},
        {"inbox", "replies_per_hour", K_LONG, F(replies_per_hour), "5", 0, 1000,
         0},
        {"site", "keep", K_LIST, F(site_keep), NULL, 0, 0, 0},
        {"site", "timezone", K_STR, F(timezone), "Europe/London", 0, 0, 0},
        {"schedule", "grace_hours", K_DOUBLE, F(schedule_grace_hours), "6", 0,
         720, 0},
        {"tracking", "clicks", K_BOOL, F(track_clicks), "false", 0, 0, 0},
#undef F
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void *field(struct config *cfg, const struct key *k)
{
	return (char *)cfg + k->offset;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* A K_LIST key's count of items. */
static size_t *list_count(struct config *cfg, const struct key *k)
{
	return k->offset == offsetof(struct config, transports)
	               ? &cfg->ntransports
	               : &cfg->nsite_keep;
}

static int set_value(struct config *cfg, const struct key *k, const char *v)
{
	char *end;

	switch (k->type) {
	case K_STR:
		free(*(char **)field(cfg, k));
		*(char **)field(cfg, k) = xstrdup(v);
		return 0;
	case K_LONG: {
		errno = 0;
		long n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < k->min || n > k->max)
			return -1;
		*(long *)field(cfg, k) = n;
		return 0;
	}
	case K_DOUBLE: {
		errno = 0;
		double d = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(d) || d < k->min ||
		    d > k->max)
			return -1;
		*(double *)field(cfg, k) = d;
		return 0;
	}
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes")) {
			*(int *)field(cfg, k) = 1;
			return 0;
		}
		if (!strcmp(v, "false") || !strcmp(v, "no")) {
			*(int *)field(cfg, k) = 0;
			return 0;
		}
		return -1;
	case K_LIST: {
		char ***list = field(cfg, k);
		size_t *n = list_count(cfg, k);

		free_list(*list, *n);
		*list = xmalloc(sizeof(char *));
		(*list)[0] = xstrdup(v);
		*n = 1;
		return 0;
	}
	case K_SECTIONS:
	case K_TOPICS:
		return -1;
	}
	return -1;
}

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].def)
			set_value(cfg, &keys[i], keys[i].def);
}

static void free_sections(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nsections; i++) {
		free(cfg->sections[i].key);
		free(cfg->sections[i].title);
		free(cfg->sections[i].description);
	}
	free(cfg->sections);
	cfg->sections = NULL;
	cfg->nsections = 0;
}

static void free_topics(struct config *cfg)
{
	for (size_t i = 0; i < cfg->ntopics; i++) {
		free(cfg->topics[i].key);
		free(cfg->topics[i].title);
		free(cfg->topics[i].description);
	}
	free(cfg->topics);
	cfg->topics = NULL;
	cfg->ntopics = 0;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR)
			free(*(char **)field(cfg, &keys[i]));
	free_list(cfg->transports, cfg->ntransports);
	free_list(cfg->site_keep, cfg->nsite_keep);
	free_sections(cfg);
	free_topics(cfg);
	free(cfg->from_name);
	free(cfg->from_addr);
	free(cfg->from_domain);
	free(cfg->root);
	memset(cfg, 0, sizeof(*cfg));
}

static const char *type_name(enum key_type t)
{
	switch (t) {
	case K_STR:
		return "a text value";
	case K_LONG:
		return "a whole number";
	case K_DOUBLE:
		return "a number";
	case K_BOOL:
		return "true or false";
	case K_LIST:
		return "a value or a list of values";
	case K_SECTIONS:
		return "a list of sections";
	case K_TOPICS:
		return "a list of topics";
	}
	return "a value";
}

static int bad_value(struct yamldoc *y, yaml_node_t *n, const char *name,
                     const struct key *k, struct err *err)
{
	if (k->type == K_LONG || k->type == K_DOUBLE)
		return err_set(err,
		               "%s:%d:%d: '%s%s%s' must be %s from %g to %g",
		               name, yamldoc_line(y, n), yamldoc_col(n),
		               k->group, *k->group ? "." : "", k->name,
		               type_name(k->type), k->min, k->max);
	return err_set(err, "%s:%d:%d: '%s%s%s' must be %s", name,
	               yamldoc_line(y, n), yamldoc_col(n), k->group,
	               *k->group ? "." : "", k->name, type_name(k->type));
}

static int load_list(struct config *cfg, struct yamldoc *y, yaml_node_t *v,
                     const char *name, const struct key *k, struct err *err)
{
	char ***list = field(cfg, k);
	size_t *count = list_count(cfg, k), n = 0;

	if (v->type == YAML_SCALAR_NODE)
		return set_value(cfg, k, yamldoc_scalar(v));
	if (v->type != YAML_SEQUENCE_NODE)
		return bad_value(y, v, name, k, err);
	free_list(*list, *count);
	*list = NULL;
	*count = 0;
	while (yamldoc_item(y, v, n))
		n++;
	if (!n && k->def)
		return err_set(err,
		               "%s:%d:%d: '%s.%s' is empty; give at least one, "
		               "e.g. %s",
		               name, yamldoc_line(y, v), yamldoc_col(v),
		               k->group, k->name, k->def);
	*list = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *s = yamldoc_scalar(yamldoc_item(y, v, i));

		if (!s)
			return bad_value(y, yamldoc_item(y, v, i), name, k,
			                 err);
		(*list)[(*count)++] = xstrdup(s);
	}
	return 0;
}

/* Whether a section's or topic's key uses only a-z, 0-9 and '-'. */
static int key_shaped(const char *key)
{
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return 0;
	return 1;
}

/* sections: or topics: (what): a list; *n gets its length. */
static int entries(struct yamldoc *y, yaml_node_t *v, const char *what,
                   const char *name, size_t *n, struct err *err)
{
	*n = 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return err_set(err,
		               "%s:%d:%d: '%s' must be a list of "
		               "'- key: ... title: ...' entries",
		               name, yamldoc_line(y, v), yamldoc_col(v), what);
	while (yamldoc_item(y, v, *n))
		++*n;
	return 0;
}

static int load_sections(struct config *cfg, struct yamldoc *y, yaml_node_t *v,
                         const char *name, struct err *err)
{
	yaml_node_t *it;
	size_t n;

	if (entries(y, v, "sections", name, &n, err) < 0)
		return -1;
	/* "sections:" given twice: the last one counts (found by fuzzing). */
	free_sections(cfg);
	cfg->sections = xcalloc(n ? n : 1, sizeof(*cfg->sections));
	for (size_t i = 0; (it = yamldoc_item(y, v, i)); i++) {
		const char *key = yamldoc_scalar(yamldoc_get(y, it, "key"));
		const char *title = yamldoc_scalar(yamldoc_get(y, it, "title"));
		const char *desc =
		        yamldoc_scalar(yamldoc_get(y, it, "description"));

		if (!key || !*key || !title || !*title)
			return err_set(err,
			               "%s:%d:%d: a section needs both 'key' "
			               "and 'title'",
			               name, yamldoc_line(y, it),
			               yamldoc_col(it));
		if (!key_shaped(key))
			return err_set(err,
			               "%s:%d:%d: section key '%s' may use "
			               "only a-z, 0-9 and '-'",
			               name, yamldoc_line(y, it),
			               yamldoc_col(it), key);
		if (config_section(cfg, key))
			return err_set(err,
			               "%s:%d:%d: section key '%s' is used "
			               "twice",
			               name, yamldoc_line(y, it),
			               yamldoc_col(it), key);
		cfg->sections[cfg->nsections].key = xstrdup(key);
		cfg->sections[cfg->nsections].title = xstrdup(title);
		cfg->sections[cfg->nsections].description =
		        xstrdup(desc ? desc : "");
		cfg->nsections++;
	}
	return 0;
}

static const char *const topic_fields[] = {"key", "title", "description",
                                           "default"};

/* A topic's lines other than its four, with the nearest one. */
static int topic_fields_known(struct yamldoc *y, yaml_node_t *it,
                              const char *name, struct err *err)
{
	yaml_node_t *kn, *v;

	for (size_t j = 0; yamldoc_pair(y, it, j, &kn, &v); j++) {
		const char *k = yamldoc_scalar(kn), *hint;
		size_t f = 0;

		while (f < 4 && k && strcmp(k, topic_fields[f]))
			f++;
		if (f < 4)
			continue;
		hint = suggest_nearest(k ? k : "", topic_fields, 4);
		return err_set(err,
		               "%s:%d:%d: a topic has 'key', 'title', "
		               "'description' and 'default', not '%s'%s%s%s",
		               name, yamldoc_line(y, kn), yamldoc_col(kn),
		               k ? k : "?", hint ? " (did you mean '" : "",
		               hint ? hint : "", hint ? "'?)" : "");
	}
	return 0;
}

/* One entry of topics:, checked, added to cfg->topics. */
static int load_topic(struct config *cfg, struct yamldoc *y, yaml_node_t *it,
                      const char *name, struct err *err)
{
	const char *key = yamldoc_scalar(yamldoc_get(y, it, "key"));
	const char *title = yamldoc_scalar(yamldoc_get(y, it, "title"));
	const char *desc = yamldoc_scalar(yamldoc_get(y, it, "description"));
	yaml_node_t *on = yamldoc_get(y, it, "default");
	struct config_topic *t;
	int line = yamldoc_line(y, it), col = yamldoc_col(it);

	if (it->type != YAML_MAPPING_NODE || !key || !*key || !title || !*title)
		return err_set(err,
		               "%s:%d:%d: a topic needs a 'key' (a short name "
		               "for issues to use) and a 'title' (what the "
		               "sign-up form shows)",
		               name, line, col);
	if (topic_fields_known(y, it, name, err) < 0)
		return -1;
	if (!key_shaped(key))
		return err_set(err,
		               "%s:%d:%d: topic key '%s' may use only a-z, "
		               "0-9 and '-'",
		               name, line, col, key);
	if (config_topic(cfg, key))
		return err_set(err, "%s:%d:%d: topic key '%s' is used twice",
		               name, line, col, key);
	if (on &&
	    (!yamldoc_scalar(on) || (strcmp(yamldoc_scalar(on), "true") &&
	                             strcmp(yamldoc_scalar(on), "false"))))
		return err_set(err,
		               "%s:%d:%d: topic '%s': 'default' must be true "
		               "(ticked on the sign-up form) or false",
		               name, yamldoc_line(y, on), yamldoc_col(on), key);
	t = &cfg->topics[cfg->ntopics++];
	t->key = xstrdup(key);
	t->title = xstrdup(title);
	t->description = xstrdup(desc ? desc : "");
	t->on = on && !strcmp(yamldoc_scalar(on), "true");
	return 0;
}

static int load_topics(struct config *cfg, struct yamldoc *y, yaml_node_t *v,
                       const char *name, struct err *err)
{
	yaml_node_t *it;
	size_t n;

	if (entries(y, v, "topics", name, &n, err) < 0)
		return -1;
	if (n > CONFIG_TOPICS_MAX)
		return err_set(err,
		               "%s:%d:%d: %zu topics: at most %d can be "
		               "offered",
		               name, yamldoc_line(y, v), yamldoc_col(v), n,
		               CONFIG_TOPICS_MAX);
	free_topics(cfg);
	cfg->topics = xcalloc(n ? n : 1, sizeof(*cfg->topics));
	for (size_t i = 0; (it = yamldoc_item(y, v, i)); i++)
		if (load_topic(cfg, y, it, name, err) < 0)
			return -1;
	return 0;
}

static const struct key *find_key(const char *group, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].group, group) &&
		    !strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static int unknown_key(struct yamldoc *y, yaml_node_t *kn, const char *group,
                       const char *name, struct err *err)
{
	const char *cands[NKEYS + 8];
	struct buf full = BUF_INIT;
	size_t n = 0;
	const char *k = yamldoc_scalar(kn);
	const char *hint;

	for (size_t i = 0; i < NKEYS; i++) {
		if (!strcmp(keys[i].group, group))
			cands[n++] = keys[i].name;
		else if (!*group && *keys[i].group &&
		         (i == 0 || strcmp(keys[i - 1].group, keys[i].group)))
			cands[n++] = keys[i].group;
	}
	hint = suggest_nearest(k ? k : "", cands, n);
	buf_addf(&full, "%s%s%s", group, *group ? "." : "", k ? k : "?");
	err_set(err, "%s:%d:%d: unknown key '%s'%s%s%s", name,
	        yamldoc_line(y, kn), yamldoc_col(kn), full.data,
	        hint ? " (did you mean '" : "", hint ? hint : "",
	        hint ? "'?)" : "");
	buf_release(&full);
	return -1;
}

static int load_pair(struct config *cfg, struct yamldoc *y, const char *group,
                     yaml_node_t *kn, yaml_node_t *v, const char *name,
                     struct err *err)
{
	const char *k = yamldoc_scalar(kn);
	const struct key *key = k ? find_key(group, k) : NULL;

	if (!key)
		return unknown_key(y, kn, group, name, err);
	if (key->type == K_SECTIONS)
		return load_sections(cfg, y, v, name, err);
	if (key->type == K_TOPICS)
		return load_topics(cfg, y, v, name, err);
	if (key->type == K_LIST)
		return load_list(cfg, y, v, name, key, err);
	if (!yamldoc_scalar(v) || set_value(cfg, key, yamldoc_scalar(v)) < 0)
		return bad_value(y, v, name, key, err);
	return 0;
}

static int load_tree(struct config *cfg, struct yamldoc *y, const char *name,
                     struct err *err)
{
	yaml_node_t *root = yamldoc_root(y), *kn, *v, *k2, *v2;

	if (!root || root->type != YAML_MAPPING_NODE)
		return err_set(err,
		               "%s:1:1: expected settings such as "
		               "'newsletter:' (see docs/operations.md)",
		               name);
	for (size_t i = 0; yamldoc_pair(y, root, i, &kn, &v); i++) {
		const char *k = yamldoc_scalar(kn);

		if (k && find_key("", k)) {
			if (load_pair(cfg, y, "", kn, v, name, err) < 0)
				return -1;
			continue;
		}
		int group = 0;

		for (size_t j = 0; k && j < NKEYS; j++)
			group |= !strcmp(keys[j].group, k);
		if (!group)
			return unknown_key(y, kn, "", name, err);
		if (v->type != YAML_MAPPING_NODE)
			return err_set(err,
			               "%s:%d:%d: '%s' must hold settings "
			               "('key: value' lines indented below it)",
			               name, yamldoc_line(y, v), yamldoc_col(v),
			               k);
		for (size_t j = 0; yamldoc_pair(y, v, j, &k2, &v2); j++)
			if (load_pair(cfg, y, k, k2, v2, name, err) < 0)
				return -1;
	}
	return 0;
}

int config_split_mailbox(const char *s, char **name, char **addr)
{
	const char *lt = strrchr(s, '<'), *gt;
	const char *a, *ae, *n = s, *ne;

	if (lt) {
		gt = strchr(lt, '>');
		if (!gt)
			return -1;
		a = lt + 1;
		ae = gt;
		ne = lt;
	} else {
		a = s;
		ae = s + strlen(s);
		ne = n;
	}
	while (a < ae && *a == ' ')
		a++;
	while (ae > a && ae[-1] == ' ')
		ae--;
	while (n < ne && (*n == ' ' || *n == '"'))
		n++;
	while (ne > n && (ne[-1] == ' ' || ne[-1] == '"'))
		ne--;
	const char *at = memchr(a, '@', (size_t)(ae - a));
	if (!at || at == a || at + 1 >= ae)
		return -1;
	*addr = xstrndup(a, (size_t)(ae - a));
	*name = xstrndup(n, (size_t)(ne - n));
	return 0;
}

static int finish(struct config *cfg, const char *name, struct err *err)
{
	struct buf b = BUF_INIT;
	size_t len;

	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].required && !**(char **)field(cfg, &keys[i]))
			return err_set(err,
			               "%s: '%s.%s' is required; add it under "
			               "'%s:'",
			               name, keys[i].group, keys[i].name,
			               keys[i].group);
	if (config_split_mailbox(cfg->from, &cfg->from_name, &cfg->from_addr) <
	    0)
		return err_set(err,
		               "%s: 'newsletter.from' must be an address, "
		               "e.g. \"News <news@example.org>\"",
		               name);
	cfg->from_domain = xstrdup(strrchr(cfg->from_addr, '@') + 1);
	if (strncmp(cfg->base_url, "https://", 8) &&
	    strncmp(cfg->base_url, "http://", 7))
		return err_set(err,
		               "%s: 'newsletter.base_url' must start with "
		               "https:// (the public address of the archive)",
		               name);
	len = strlen(cfg->base_url);
	while (len > 0 && cfg->base_url[len - 1] == '/')
		cfg->base_url[--len] = '\0';
	if (strcmp(cfg->tls, "required") && strcmp(cfg->tls, "none"))
		return err_set(err,
		               "%s: 'delivery.tls' must be 'required' or "
		               "'none'",
		               name);
	if (strcmp(cfg->approval, "required") &&
	    strcmp(cfg->approval, "optional"))
		return err_set(err,
		               "%s: 'workflow.approval' must be 'required' (a "
		               "full send needs 'bulletin approve' first) or "
		               "'optional'",
		               name);
	if (!*cfg->list_id) {
		buf_addf(&b, "news.%s", cfg->from_domain);
		free(cfg->list_id);
		cfg->list_id = buf_detach(&b);
	}
	if (!*cfg->return_path) {
		buf_addf(&b, "bounces+{token}@%s", cfg->from_domain);
		free(cfg->return_path);
		cfg->return_path = buf_detach(&b);
	}
	if (!*cfg->unsubscribe_mailto) {
		buf_addf(&b, "unsubscribe+{token}@%s", cfg->from_domain);
		free(cfg->unsubscribe_mailto);
		cfg->unsubscribe_mailto = buf_detach(&b);
	}
	if (!cfg->nsections)
		return err_set(err,
		               "%s: 'sections' is required: list the "
		               "newsletter's sections in order",
		               name);
	if (!zone_known(cfg->timezone))
		return err_set(err,
		               "%s: 'site.timezone' must be Europe/London or "
		               "UTC (the zone of the times events give and "
		               "sends are scheduled in)",
		               name);
	for (size_t i = 0; i < cfg->nsite_keep; i++) {
		const char *k = cfg->site_keep[i];

		if (!*k || k[0] == '/' || k[0] == '.' || strstr(k, "/.") ||
		    strstr(k, "//"))
			return err_set(err,
			               "%s: 'site.keep' entry '%s' must be a "
			               "path inside public/, such as "
			               "favicon.ico (no leading '/', no '..')",
			               name, k);
	}
	return 0;
}

int config_parse(struct config *cfg, const char *text, size_t len,
                 const char *name, struct err *err)
{
	struct yamldoc y;
	int ret = -1;

	if (yamldoc_load(&y, text, len, name, 0, err) < 0)
		return -1;
	if (load_tree(cfg, &y, name, err) < 0)
		goto out;
	if (finish(cfg, name, err) < 0)
		goto out;
	ret = 0;
out:
	yamldoc_release(&y);
	return ret;
}

int config_load(struct config *cfg, const char *path, struct err *err)
{
	struct buf text = BUF_INIT;
	int ret;

	if (buf_read_file(&text, path, 1 << 20) < 0) {
		buf_release(&text);
		return err_errno(err, "%s: cannot read", path);
	}
	ret = config_parse(cfg, text.data, text.len, path, err);
	buf_release(&text);
	return ret;
}

void config_path(const struct config *cfg, struct buf *out, const char *fmt,
                 ...)
{
	struct buf rel = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&rel, fmt, ap);
	va_end(ap);
	if (cfg->root && *cfg->root && rel.data[0] != '/')
		buf_addf(out, "%s/%s", cfg->root, rel.data);
	else
		buf_add(out, rel.data, rel.len);
	buf_release(&rel);
}

void config_transport(const struct config *cfg, size_t i, struct buf *out)
{
	const char *url = cfg->transports[i];

	if (!strncmp(url, "maildir:", 8)) {
		buf_adds(out, "maildir:");
		config_path(cfg, out, "%s", url + 8);
	} else {
		buf_adds(out, url);
	}
}

const struct config_topic *config_topic(const struct config *cfg,
                                        const char *key)
{
	for (size_t i = 0; i < cfg->ntopics; i++)
		if (!strcmp(cfg->topics[i].key, key))
			return &cfg->topics[i];
	return NULL;
}

const struct config_section *config_section(const struct config *cfg,
                                            const char *key)
{
	for (size_t i = 0; i < cfg->nsections; i++)
		if (!strcmp(cfg->sections[i].key, key))
			return &cfg->sections[i];
	return NULL;
}
