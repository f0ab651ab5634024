#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "common.h"
#include "csvfile.h"
#include "text.h"
#include "import.h"
#include "store.h"
#include "store_topics.h"
#include "banned.h"

const char cmd_subscribers_summary[] =
        "manage subscribers: add, import, export, unsubscribe, erase";

static const char usage_text[] =
        "usage: bulletin subscribers COMMAND [OPTIONS]\n\n"
        "  add ADDR [--name N] [--org O] [--topic T,...]\n"
        "                                   add someone (active)\n"
        "  remove ADDR                      delete someone added by mistake\n"
        "  unsubscribe ADDR [--reason R]    stop mailing someone\n"
        "  resubscribe ADDR --reason R      make a suppressed address active\n"
        "                                   again, at the person's request\n"
        "  list [--status S] [--topic T] [--csv]\n"
        "                                   list subscribers\n"
        "  show ADDR                        details and history\n"
        "  stats                            counts by status\n"
        "  import FILE.csv [--dry-run] [--status active|pending] [--quiet]\n"
        "                                   add the people in a CSV file\n"
        "  export [--status S] [--topic T] FILE.csv\n"
        "                                   write subscribers to a CSV file\n"
        "                                   ('-' for standard output)\n"
        "  data ADDR                        all data held on someone, as JSON\n"
        "  erase ADDR                       delete someone's data for good,\n"
        "                                   keeping them suppressed\n\n"
        "Statuses: pending, active, unsubscribed, bounced, complained.\n"
        "Unsubscribed, bounced and complained addresses are never made "
        "active\nagain by add or import; only resubscribe can, and records "
        "why.\n"
        "CSV files have a header line naming the columns: email, name,\n"
        "organisation, topics (others are ignored). topics holds keys of\n"
        "bulletin.yaml's topics, separated by commas or spaces; someone\n"
        "new without any gets the topics ticked by default.\n";

/* What every subcommand has: the workspace, its store, the arguments. */
struct ctx {
	struct config cfg;
	char *prefix; /* where the user stood, relative to the workspace */
	struct store st;
	struct store_topics topics;
	struct err err;
};

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int fail(struct ctx *c)
{
	cmd_fail(&c->err);
	return EXIT_FAIL;
}

static int open_store(struct ctx *c)
{
	if (cmd_workspace(&c->cfg, &c->prefix) < 0)
		return -1;
	if (cmd_store_open(&c->st, c->cfg.store) < 0) {
		config_release(&c->cfg);
		return -1;
	}
	if (store_topics_load(&c->st, &c->cfg, &c->topics, &c->err) < 0) {
		cmd_fail(&c->err);
		store_close(&c->st);
		config_release(&c->cfg);
		return -1;
	}
	return 0;
}

/* --topic's keys as a mask (0 when not given); -1 (said) when unknown. */
static int topic_mask(const struct ctx *c, const char *arg, int64_t *mask)
{
	struct buf bad = BUF_INIT, hint = BUF_INIT;
	int ret = 0;

	*mask = 0;
	if (!arg)
		return 0;
	if (!c->topics.n) {
		cmd_error("--topic %s: bulletin.yaml offers no topics", arg);
		ret = -1;
	} else if (store_topics_parse(&c->topics, arg, mask, &bad, &hint) < 0) {
		cmd_error("--topic: no topic '%s'%s%s%s (the topics are "
		          "listed in bulletin.yaml)",
		          bad.data, hint.len ? "; did you mean '" : "",
		          hint.data, hint.len ? "'?" : "");
		ret = -1;
	} else if (!*mask) {
		cmd_error("--topic needs a topic's key");
		ret = -1;
	}
	buf_release(&bad);
	buf_release(&hint);
	return ret;
}

/* A path as the user gave it, from the workspace root. Caller owns. */
static char *user_path(const struct ctx *c, const char *arg)
{
	struct buf p = BUF_INIT;

	if (arg[0] != '/' && c->prefix && *c->prefix)
		buf_addf(&p, "%s/", c->prefix);
	buf_adds(&p, arg);
	return buf_detach(&p);
}

static void format_time(char *out, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !gmtime_r(&tt, &tm))
		snprintf(out, n, "-");
	else
		strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int parse_status(const char *arg, int *status)
{
	enum store_status s;

	if (store_status_parse(arg, &s) < 0) {
		cmd_error("'%s' is not a status: use pending, active, "
		          "unsubscribed, bounced or complained",
		          arg);
		return -1;
	}
	*status = (int)s;
	return 0;
}

/*
 * Options shared by the subcommands; each says which it takes in
 * `allowed` (a getopt short-option string).
 */
struct args {
	const char *name, *org, *reason, *topic;
	int status; /* -1: any */
	int csv, dry_run, quiet;
	int npos;
	char **pos;
};

/* One option's value into a; -1 (said) when it is not good. */
static int apply_option(struct args *a, int ch, const char *value)
{
	switch (ch) {
	case 'n':
		a->name = value;
		break;
	case 'o':
		a->org = value;
		break;
	case 'r':
		a->reason = value;
		break;
	case 't':
		a->topic = value;
		break;
	case 's':
		return parse_status(value, &a->status);
	case 'c':
		a->csv = 1;
		break;
	case 'd':
		a->dry_run = 1;
		break;
	case 'q':
		a->quiet = 1;
		break;
	}
	return 0;
}

/* The operands after the options: exactly npos of them. */
static int check_operands(int argc, char **argv, int npos, struct args *a)
{
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (a->npos == npos)
		return 0;
	cmd_error("subscribers %s takes %s", argv[0],
	          npos == 0   ? "no arguments"
	          : npos == 1 ? "one argument"
	                      : "two arguments");
	usage(stderr);
	return -1;
}

/* Parses a subcommand's options (those in `allowed`) and its npos
 * operands: 0 go on, 1 --help was answered, -1 (said) a mistake. */
static int parse_args(int argc, char **argv, const char *allowed, int npos,
                      struct args *a)
{
	static const struct option opts[] = {
	        {"name", required_argument, NULL, 'n'},
	        {"org", required_argument, NULL, 'o'},
	        {"organisation", required_argument, NULL, 'o'},
	        {"reason", required_argument, NULL, 'r'},
	        {"status", required_argument, NULL, 's'},
	        {"topic", required_argument, NULL, 't'},
	        {"topics", required_argument, NULL, 't'},
	        {"csv", no_argument, NULL, 'c'},
	        {"dry-run", no_argument, NULL, 'd'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int ch;

	memset(a, 0, sizeof(*a));
	a->status = -1;
	optind = 1;
	while ((ch = cmd_sub_option(argc, argv, "hq", opts, allowed,
	                            "subscribers", usage)) > 0)
		if (apply_option(a, ch, optarg) < 0)
			return -1;
	if (ch != CMD_SUB_END)
		return ch == CMD_SUB_HELP ? 1 : -1;
	return check_operands(argc, argv, npos, a);
}

/* The subscriber with address arg, or a message saying there is none. */
static int find(struct ctx *c, const char *arg, struct store_subscriber *s)
{
	int r = store_find_email(&c->st, arg, s, &c->err);

	if (r < 0)
		return fail(c);
	if (r == 0) {
		if (store_is_erased(&c->st, arg, &c->err) == 1)
			cmd_error("%s was erased on request; only a "
			          "keyed hash of the address is kept",
			          arg);
		else
			cmd_error("no subscriber %s", arg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* --name and --org refuse what the form and the CSV import refuse: a
 * character that turns the direction of the text around it. */
static int check_typed(const char *option, const char *value)
{
	unsigned bidi = value ? text_bidi_control(value, strlen(value)) : 0;

	if (!bidi)
		return 0;
	cmd_error("%s has a hidden character that changes the direction of "
	          "the text (U+%04X): type it again without it",
	          option, bidi);
	return -1;
}

static int do_add(struct ctx *c, struct args *a)
{
	struct store_signup su = {
	        .email = a->pos[0],
	        .name = a->name,
	        .organisation = a->org,
	        .source = "cli",
	        .detail = "added with 'bulletin subscribers add'",
	        .status = STORE_ACTIVE,
	};
	struct store_subscriber s;
	enum store_outcome outcome;
	int64_t id;
	int ret = EXIT_OK;

	if (check_typed("--name", a->name) < 0 ||
	    check_typed("--org", a->org) < 0 ||
	    topic_mask(c, a->topic, &su.topics) < 0)
		return EXIT_USAGE;
	su.new_topics = c->topics.defaults;
	su.detail_topics = "topics changed with 'bulletin subscribers add'";
	if (store_subscribe(&c->st, &su, &outcome, &id, &c->err) < 0)
		return fail(c);
	switch (outcome) {
	case STORE_ADDED:
	case STORE_UPDATED:
	case STORE_UNCHANGED:
		if (store_find_email(&c->st, a->pos[0], &s, &c->err) != 1)
			return fail(c);
		printf(outcome == STORE_ADDED     ? "added %s (%s)\n"
		       : outcome == STORE_UPDATED ? "updated %s (%s)\n"
		                                  : "%s is already in (%s)\n",
		       s.email, store_status_name(s.status));
		store_subscriber_release(&s);
		return ret;
	case STORE_SUPPRESSED:
		if (store_find_email(&c->st, a->pos[0], &s, &c->err) == 1) {
			cmd_error(
			        "%s is %s and stays so; if they "
			        "asked to come back, use 'bulletin subscribers "
			        "resubscribe %s --reason TEXT'",
			        s.email, store_status_name(s.status), s.email);
			store_subscriber_release(&s);
		}
		return EXIT_FAIL;
	case STORE_ERASED:
		cmd_error("%s was erased on request and stays "
		          "suppressed; if they asked to come back, use "
		          "'bulletin subscribers resubscribe %s --reason TEXT'",
		          a->pos[0], a->pos[0]);
		return EXIT_FAIL;
	}
	return EXIT_FAIL;
}

static int do_remove(struct ctx *c, struct args *a)
{
	int r = store_remove(&c->st, a->pos[0], &c->err);

	if (r < 0)
		return fail(c);
	if (r == 0) {
		cmd_error("no subscriber %s", a->pos[0]);
		return EXIT_FAIL;
	}
	printf("removed %s and its history\n", a->pos[0]);
	return EXIT_OK;
}

static int do_unsubscribe(struct ctx *c, struct args *a)
{
	struct store_subscriber s;
	int changed, ret = find(c, a->pos[0], &s);

	if (ret != EXIT_OK)
		return ret;
	if (store_status_suppressed(s.status)) {
		printf("%s is already %s\n", s.email,
		       store_status_name(s.status));
	} else if (store_set_status(&c->st, s.id, STORE_UNSUBSCRIBED, "cli",
	                            a->reason ? a->reason
	                                      : "unsubscribed with 'bulletin "
	                                        "subscribers unsubscribe'",
	                            &changed, &c->err) < 0) {
		ret = fail(c);
	} else {
		printf("unsubscribed %s\n", s.email);
	}
	store_subscriber_release(&s);
	return ret;
}

static int do_resubscribe(struct ctx *c, struct args *a)
{
	int changed, r;

	if (!a->reason || !*a->reason) {
		cmd_error("resubscribe needs --reason TEXT: the "
		          "person's request, when and how they made it");
		return EXIT_USAGE;
	}
	r = store_resubscribe(&c->st, a->pos[0], "cli", a->reason, &changed,
	                      &c->err);
	if (r < 0)
		return fail(c);
	if (r == 0) {
		cmd_error("no subscriber %s; use 'bulletin subscribers "
		          "add'",
		          a->pos[0]);
		return EXIT_FAIL;
	}
	printf(changed ? "%s is active again\n" : "%s is already active\n",
	       a->pos[0]);
	return EXIT_OK;
}

struct out {
	FILE *f;
	int csv;
	long n;
	int64_t topic; /* only subscribers of these topics (0: all) */
	const struct store_topics *topics;
	struct buf line, scratch;
};

static int print_row(const struct store_subscriber *s, void *ctx)
{
	struct out *o = ctx;

	if (o->topic && !(s->topics & o->topic))
		return 0;
	buf_reset(&o->line);
	if (o->csv) {
		csvfile_subscriber_row(&o->line, s, o->topics, &o->scratch);
	} else {
		buf_addf(&o->line, "%-12s %s", store_status_name(s->status),
		         s->email);
		if (*s->name)
			buf_addf(&o->line, "  %s", s->name);
		if (*s->organisation)
			buf_addf(&o->line, " (%s)", s->organisation);
		buf_addch(&o->line, '\n');
	}
	o->n++;
	return fwrite(o->line.data, 1, o->line.len, o->f) == o->line.len ? 0
	                                                                 : -2;
}

static int write_rows(struct ctx *c, FILE *f, const struct args *a, int csv,
                      long *n)
{
	struct out o = {.f = f,
	                .csv = csv,
	                .topics = &c->topics,
	                .line = BUF_INIT,
	                .scratch = BUF_INIT};
	int status = a->status, r;

	if (topic_mask(c, a->topic, &o.topic) < 0)
		return EXIT_USAGE;
	if (csv) {
		csvfile_subscriber_header(&o.line);
		fwrite(o.line.data, 1, o.line.len, f);
	}
	r = store_each(&c->st, status, 0, print_row, &o, &c->err);
	buf_release(&o.line);
	buf_release(&o.scratch);
	*n = o.n;
	if (r == -1)
		return fail(c);
	if (r == -2 || fflush(f) != 0 || ferror(f)) {
		cmd_error("cannot write the list: %s", strerror(errno));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int do_list(struct ctx *c, struct args *a)
{
	long n;

	return write_rows(c, stdout, a, a->csv, &n);
}

static int print_event(const struct store_event *ev, void *ctx)
{
	char t[32];

	format_time(t, sizeof(t), ev->at);
	printf("  %s  %s -> %s  (%s)%s%s\n", t,
	       ev->old_status < 0
	               ? "new"
	               : store_status_name((enum store_status)ev->old_status),
	       store_status_name(ev->new_status), ev->source,
	       *ev->detail ? " " : "", ev->detail);
	return 0;
}

static int do_show(struct ctx *c, struct args *a)
{
	struct store_subscriber s;
	char created[32], confirmed[32], left[32], consent[32];
	int ret = find(c, a->pos[0], &s);

	if (ret != EXIT_OK)
		return ret;
	format_time(created, sizeof(created), s.created);
	format_time(confirmed, sizeof(confirmed), s.confirmed);
	format_time(left, sizeof(left), s.left);
	printf("email:        %s\n"
	       "name:         %s\n"
	       "organisation: %s\n"
	       "status:       %s\n"
	       "source:       %s\n"
	       "created:      %s\n"
	       "confirmed:    %s\n"
	       "left:         %s\n",
	       s.email, s.name, s.organisation, store_status_name(s.status),
	       s.source, created, confirmed, left);
	if (s.consent_text) {
		format_time(consent, sizeof(consent), s.consent_at);
		printf("consent:      \"%s\" at %s\n", s.consent_text, consent);
	}
	if (c->topics.n) {
		struct buf keys = BUF_INIT;

		store_topics_keys(&c->topics, s.topics, ", ", &keys);
		printf("topics:       %s\n", keys.len ? keys.data : "(none)");
		buf_release(&keys);
	}
	printf("history:\n");
	if (store_each_event(&c->st, s.id, print_event, NULL, &c->err) < 0)
		ret = fail(c);
	store_subscriber_release(&s);
	return ret;
}

static int do_stats(struct ctx *c, struct args *a)
{
	long counts[STORE_NSTATUS], erased, total = 0;

	if (store_counts(&c->st, counts, &erased, &c->err) < 0)
		return fail(c);
	for (int i = 0; i < STORE_NSTATUS; i++) {
		printf("%-13s %ld\n", store_status_name((enum store_status)i),
		       counts[i]);
		total += counts[i];
	}
	printf("%-13s %ld\n", "total", total);
	printf("%-13s %ld\n", "erased", erased);
	return EXIT_OK;
}

struct import_out {
	int quiet;
};

static void print_note(enum import_note note, const char *msg, void *ctx)
{
	const struct import_out *o = ctx;

	if (o->quiet && note != IMPORT_REJECTED)
		return;
	fprintf(stderr, "%s\n", msg);
}

static int do_import(struct ctx *c, struct args *a)
{
	struct import_options opt = {
	        .name = a->pos[0],
	        .status = a->status < 0 ? STORE_ACTIVE
	                                : (enum store_status)a->status,
	        .dry_run = a->dry_run,
	        .topics = &c->topics,
	};
	struct import_out o = {.quiet = a->quiet};
	struct import_summary sum;
	char *path;
	int r;

	if (opt.status != STORE_ACTIVE && opt.status != STORE_PENDING) {
		cmd_error("import --status is active or "
		          "pending");
		return EXIT_USAGE;
	}
	path = user_path(c, a->pos[0]);
	r = import_csv(&c->st, path, &opt, print_note, &o, &sum, &c->err);
	free(path);
	if (r < 0) {
		cmd_fail(&c->err);
		cmd_error("nothing was imported");
		return EXIT_FAIL;
	}
	printf("%s%s: %ld added, %ld updated, %ld unchanged, %ld suppressed "
	       "(not re-activated), %ld duplicate, %ld rejected\n",
	       a->dry_run ? "dry run (nothing changed): " : "", a->pos[0],
	       sum.added, sum.updated, sum.unchanged, sum.suppressed,
	       sum.duplicates, sum.rejected);
	/*
	 * A file whose every row was refused is a failed import, for a
	 * script as for a person: nothing in it reached the store.
	 */
	if (sum.rejected && !(sum.added + sum.updated + sum.unchanged +
	                      sum.suppressed + sum.duplicates)) {
		cmd_error("nothing was imported: every row of %s was "
		          "rejected; fix the rows named above and import the "
		          "file again",
		          a->pos[0]);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int write_error(const char *name)
{
	cmd_error("cannot write %s: %s", name, strerror(errno));
	return EXIT_FAIL;
}

/*
 * Personal data: the file is made 0600 (mkstemp), and written beside the
 * target then renamed, so a failed export leaves no half file.
 */
static int export_file(struct ctx *c, struct args *a, const char *path)
{
	struct buf tmp = BUF_INIT;
	long n = 0;
	FILE *f;
	int fd, ret;

	buf_addf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.data);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		ret = write_error(a->pos[0]);
		if (fd >= 0) {
			close(fd);
			unlink(tmp.data);
		}
		goto out;
	}
	ret = write_rows(c, f, a, 1, &n);
	if (ret == EXIT_OK && fsync(fileno(f)) < 0)
		ret = write_error(a->pos[0]);
	if (fclose(f) != 0 && ret == EXIT_OK)
		ret = write_error(a->pos[0]);
	if (ret == EXIT_OK && rename(tmp.data, path) < 0)
		ret = write_error(a->pos[0]);
	if (ret != EXIT_OK)
		unlink(tmp.data);
	else
		fprintf(stderr, "wrote %ld subscribers to %s\n", n, a->pos[0]);
out:
	buf_release(&tmp);
	return ret;
}

static int do_export(struct ctx *c, struct args *a)
{
	long n = 0;
	char *path;
	int ret;

	if (!strcmp(a->pos[0], "-"))
		return write_rows(c, stdout, a, 1, &n);
	path = user_path(c, a->pos[0]);
	ret = export_file(c, a, path);
	free(path);
	return ret;
}

static int do_data(struct ctx *c, struct args *a)
{
	struct buf json = BUF_INIT;
	int ret = EXIT_OK;

	if (store_data_json(&c->st, a->pos[0], &json, &c->err) < 0)
		ret = fail(c);
	else
		fputs(json.data, stdout);
	buf_release(&json);
	return ret;
}

static int do_erase(struct ctx *c, struct args *a)
{
	int r = store_erase(&c->st, a->pos[0], &c->err);

	if (r < 0)
		return fail(c);
	if (r)
		printf("erased %s: its data and history are deleted; a keyed "
		       "hash of the address stays on the suppression list so "
		       "no import adds it again\n",
		       a->pos[0]);
	else
		printf("no data held on %s; the address is on the suppression "
		       "list now, so no import adds it\n",
		       a->pos[0]);
	return EXIT_OK;
}

static const struct sub {
	const char *name;
	const char *options; /* short names of the options it takes */
	int npos;
	int (*run)(struct ctx *c, struct args *a);
} subs[] = {
        {"add", "not", 1, do_add},
        {"remove", "", 1, do_remove},
        {"unsubscribe", "r", 1, do_unsubscribe},
        {"resubscribe", "r", 1, do_resubscribe},
        {"list", "stc", 0, do_list},
        {"show", "", 1, do_show},
        {"stats", "", 0, do_stats},
        {"import", "sdq", 1, do_import},
        {"export", "st", 1, do_export},
        {"data", "", 1, do_data},
        {"erase", "", 1, do_erase},
        {NULL, NULL, 0, NULL},
};

int cmd_subscribers(int argc, char **argv)
{
	struct ctx c = {.err = ERR_INIT};
	const struct sub *sub;
	struct args a;
	int ret, r;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (sub = subs; sub->name && strcmp(sub->name, argv[1]); sub++)
		;
	if (!sub->name) {
		cmd_error("'%s' is not a subscribers command", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	r = parse_args(argc - 1, argv + 1, sub->options, sub->npos, &a);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (open_store(&c) < 0) {
		ret = EXIT_FAIL;
		goto out;
	}
	ret = sub->run(&c, &a);
	store_topics_release(&c.topics);
	store_close(&c.st);
	config_release(&c.cfg);
out:
	free(c.prefix);
	err_release(&c.err);
	return ret;
}
