#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "common.h"
#include "json.h"
#include "store.h"
#include "store_partner.h"
#include "suggest.h"
#include "banned.h"

const char cmd_partners_summary[] =
        "manage partners: add, list, show, remove, link, rotate";

static const char usage_text[] =
        "usage: bulletin partners COMMAND [OPTIONS]\n\n"
        "  add NAME --contact ADDR [--contact ADDR...] [--slug S]\n"
        "                        add a partner organisation and its contacts\n"
        "  list [--json]         list the partners\n"
        "  show NAME             contacts, personal link, contribution "
        "address,\n"
        "                        history\n"
        "  contact NAME [--contact ADDR...] [--drop ADDR...]\n"
        "                        add or remove contact addresses\n"
        "  remove NAME           remove a partner (their link stops "
        "working)\n"
        "  link NAME             print the partner's personal link\n"
        "  rotate NAME           give the partner a new link; the old one\n"
        "                        stops working at once\n\n"
        "NAME is the partner's name (any case) or its short name (slug).\n"
        "The personal link is a password: send it only to the partner.\n";

/* A partner has at most STORE_PARTNER_CONTACTS_MAX contacts: no more on a
 * command line either (the store says so when the total is too many). */
#define MAX_CONTACTS STORE_PARTNER_CONTACTS_MAX

struct args {
	const char *contacts[MAX_CONTACTS], *drops[MAX_CONTACTS], *slug;
	size_t ncontacts, ndrops;
	int json;
	char **pos;
	int npos;
};

struct ctx {
	struct config cfg;
	struct store st;
	struct err err;
	char *who;
};

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int fail(struct ctx *c)
{
	return cmd_fail(&c->err);
}

static int add_to(const char **list, size_t *n, const char *value)
{
	if (*n == MAX_CONTACTS) {
		cmd_error("at most %d contacts at once", MAX_CONTACTS);
		return -1;
	}
	list[(*n)++] = value;
	return 0;
}

/* Options of subcommand argv[0] (those in allowed) and npos operands:
 * 0 go on, 1 --help was answered, -1 (said) a mistake. */
static int parse_args(int argc, char **argv, const char *allowed, int npos,
                      struct args *a)
{
	static const struct option opts[] = {
	        {"contact", required_argument, NULL, 'c'},
	        {"drop", required_argument, NULL, 'd'},
	        {"slug", required_argument, NULL, 's'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int ch = 0, r = 0;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while (!r && (ch = cmd_sub_option(argc, argv, "h", opts, allowed,
	                                  "partners", usage)) > 0) {
		if (ch == 'c')
			r = add_to(a->contacts, &a->ncontacts, optarg);
		else if (ch == 'd')
			r = add_to(a->drops, &a->ndrops, optarg);
		else if (ch == 's')
			a->slug = optarg;
		else
			a->json = 1;
	}
	if (!r && ch != CMD_SUB_END)
		return ch == CMD_SUB_HELP ? 1 : -1;
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (!r && a->npos != npos) {
		cmd_error("partners %s takes %s", argv[0],
		          npos ? "the partner's name (in quotes if it has "
		                 "spaces)"
		               : "no other arguments");
		r = -1;
	}
	return r;
}

/* The partner called arg, or a message (with "did you mean"). */
static int find(struct ctx *c, const char *arg, struct store_partner *p)
{
	int r = store_partner_find(&c->st, arg, p, &c->err);
	const char *near = NULL;
	char **names;
	size_t n;

	if (r < 0)
		return fail(c);
	if (r == 1)
		return EXIT_OK;
	names = store_partner_names(&c->st, &n, NULL);
	if (names)
		near = suggest_nearest(arg, (const char *const *)names, n);
	if (near)
		cmd_error("no partner called '%s': did you mean '%s'?", arg,
		          near);
	else
		cmd_error("no partner called '%s': 'bulletin partners list' "
		          "shows them",
		          arg);
	store_partner_names_free(names, n);
	return EXIT_FAIL;
}

static void print_link(const struct ctx *c, const struct store_partner *p)
{
	struct buf b = BUF_INIT;

	store_partner_link(c->cfg.base_url, p->secret, &b);
	printf("%s\n", b.data);
	buf_release(&b);
}

static int do_add(struct ctx *c, struct args *a)
{
	struct store_partner_new n = {
	        .name = a->pos[0],
	        .slug = a->slug,
	        .contacts = a->contacts,
	        .ncontacts = a->ncontacts,
	        .who = c->who,
	};
	/* The option each detail came from, for the message. */
	static const char *const option[] = {
	        [STORE_PARTNER_FIELD_NONE] = "",
	        [STORE_PARTNER_FIELD_NAME] = "",
	        [STORE_PARTNER_FIELD_SLUG] = " (--slug)",
	        [STORE_PARTNER_FIELD_CONTACTS] = " (--contact ADDRESS)",
	};
	enum store_partner_field field;
	struct store_partner p;

	if (store_partner_check_new(&c->st, &n, &field, &c->err) < 0) {
		cmd_error("%s%s", err_msg(&c->err), option[field]);
		return EXIT_FAIL;
	}
	if (store_partner_add(&c->st, &n, &p, &c->err) < 0)
		return fail(c);
	printf("added partner '%s' (short name %s) with %zu contact%s\n"
	       "their personal link (send it only to them):\n",
	       p.name, p.slug, p.ncontacts, p.ncontacts == 1 ? "" : "s");
	print_link(c, &p);
	store_partner_release(&p);
	return EXIT_OK;
}

static void list_json(const struct store_partners *ps)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "[");
	for (size_t i = 0; i < ps->n; i++) {
		const struct store_partner *p = &ps->v[i];

		buf_adds(&b, i ? ",\n {\"name\": " : "\n {\"name\": ");
		json_add_string(&b, p->name);
		buf_adds(&b, ", \"slug\": ");
		json_add_string(&b, p->slug);
		buf_addf(&b, ", \"created\": %lld, \"contacts\": [",
		         (long long)p->created);
		for (size_t k = 0; k < p->ncontacts; k++) {
			buf_adds(&b, k ? ", " : "");
			json_add_string(&b, p->contacts[k]);
		}
		buf_adds(&b, "]}");
	}
	buf_adds(&b, ps->n ? "\n]\n" : "]\n");
	fputs(b.data, stdout);
	buf_release(&b);
}

static int do_list(struct ctx *c, struct args *a)
{
	struct store_partners ps;

	if (store_partner_list(&c->st, &ps, &c->err) < 0)
		return fail(c);
	if (a->json) {
		list_json(&ps);
	} else if (!ps.n) {
		printf("no partners yet: add one with 'bulletin partners add "
		       "NAME --contact ADDRESS'\n");
	}
	for (size_t i = 0; !a->json && i < ps.n; i++) {
		const struct store_partner *p = &ps.v[i];

		printf("%-40s %-28s %s%s\n", p->name, p->slug,
		       p->ncontacts ? p->contacts[0] : "",
		       p->ncontacts > 1 ? " (and more)" : "");
	}
	store_partners_release(&ps);
	return EXIT_OK;
}

static int print_event(const struct store_partner_ev *ev, void *ctx)
{
	char when[32];
	time_t t = (time_t)ev->at;
	struct tm tm;

	(void)ctx;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("  %s UTC  %s by %s%s%s\n", when, ev->what, ev->who,
	       *ev->detail ? ": " : "", ev->detail);
	return 0;
}

static int do_show(struct ctx *c, struct args *a)
{
	struct store_partner p;
	struct buf b = BUF_INIT;
	int ret = find(c, a->pos[0], &p);

	if (ret)
		return ret;
	printf("name:       %s\nshort name: %s\ncontacts:   ", p.name, p.slug);
	for (size_t i = 0; i < p.ncontacts; i++)
		printf("%s%s", i ? ", " : "", p.contacts[i]);
	store_partner_link(c->cfg.base_url, p.secret, &b);
	printf("\nlink:       %s\n", b.data);
	buf_reset(&b);
	store_partner_address(c->cfg.from_domain, p.secret, &b);
	printf("by email:   %s\nhistory:\n", b.data);
	if (store_partner_each_event(&c->st, p.id, print_event, NULL, &c->err) <
	    0)
		ret = fail(c);
	buf_release(&b);
	store_partner_release(&p);
	return ret;
}

static int do_contact(struct ctx *c, struct args *a)
{
	struct store_partner p;
	int ret = find(c, a->pos[0], &p), r = 0;

	if (ret)
		return ret;
	if (!a->ncontacts && !a->ndrops) {
		cmd_error("say what to change: --contact ADDR to add one, "
		          "--drop ADDR to remove one");
		ret = EXIT_USAGE;
	}
	for (size_t i = 0; r >= 0 && i < a->ncontacts; i++)
		if ((r = store_partner_add_contact(&c->st, p.id, a->contacts[i],
		                                   c->who, &c->err)) >= 0)
			printf("%s %s\n", r ? "added" : "already a contact:",
			       a->contacts[i]);
	for (size_t i = 0; r >= 0 && i < a->ndrops; i++)
		if ((r = store_partner_remove_contact(&c->st, p.id, a->drops[i],
		                                      c->who, &c->err)) >= 0)
			printf("%s %s\n",
			       r ? "removed" : "not a contact:", a->drops[i]);
	store_partner_release(&p);
	return r < 0 ? fail(c) : ret;
}

static int do_remove(struct ctx *c, struct args *a)
{
	struct store_partner p;
	int ret = find(c, a->pos[0], &p);

	if (ret)
		return ret;
	if (store_partner_remove(&c->st, p.id, c->who, &c->err) < 0)
		ret = fail(c);
	else
		printf("removed partner '%s'; their link no longer works "
		       "(their pieces in issues/ stay)\n",
		       p.name);
	store_partner_release(&p);
	return ret;
}

static int do_link(struct ctx *c, struct args *a)
{
	struct store_partner p;
	int ret = find(c, a->pos[0], &p);

	if (!ret) {
		print_link(c, &p);
		store_partner_release(&p);
	}
	return ret;
}

static int do_rotate(struct ctx *c, struct args *a)
{
	struct store_partner p;
	char secret[STORE_PARTNER_SECRET_LEN + 1];
	int ret = find(c, a->pos[0], &p);

	if (ret)
		return ret;
	if (store_partner_rotate(&c->st, p.id, c->who, secret, &c->err) < 0) {
		ret = fail(c);
	} else {
		printf("new link for '%s' (the old one no longer works):\n",
		       p.name);
		memcpy(p.secret, secret, sizeof(secret));
		print_link(c, &p);
	}
	store_partner_release(&p);
	return ret;
}

static const struct sub {
	const char *name;
	const char *options; /* short names of the options it takes */
	int npos;
	int (*run)(struct ctx *c, struct args *a);
} subs[] = {
        {"add", "cs", 1, do_add},     {"list", "j", 0, do_list},
        {"show", "", 1, do_show},     {"contact", "cd", 1, do_contact},
        {"remove", "", 1, do_remove}, {"link", "", 1, do_link},
        {"rotate", "", 1, do_rotate}, {NULL, NULL, 0, NULL},
};

static const struct sub *find_sub(int argc, char **argv)
{
	const struct sub *sub;

	if (argc < 2) {
		usage(stderr);
		return NULL;
	}
	for (sub = subs; sub->name && strcmp(sub->name, argv[1]); sub++)
		;
	if (!sub->name) {
		cmd_error("'%s' is not a partners command", argv[1]);
		usage(stderr);
		return NULL;
	}
	return sub;
}

int cmd_partners(int argc, char **argv)
{
	struct ctx c = {.err = ERR_INIT};
	const struct sub *sub;
	struct args a;
	int ret, r;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return EXIT_OK;
	}
	sub = find_sub(argc, argv);
	if (!sub)
		return EXIT_USAGE;
	r = parse_args(argc - 1, argv + 1, sub->options, sub->npos, &a);
	if (r)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (cmd_workspace(&c.cfg, NULL) < 0)
		return EXIT_FAIL;
	ret = EXIT_FAIL;
	if (cmd_store_open(&c.st, c.cfg.store) == 0) {
		c.who = cmd_login_name();
		ret = sub->run(&c, &a);
		free(c.who);
		store_close(&c.st);
	}
	config_release(&c.cfg);
	err_release(&c.err);
	return ret;
}
