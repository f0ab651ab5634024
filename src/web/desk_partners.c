/*
 * The desk's partners: every partner with whether they have sent a piece
 * to the open issue, adding one, a partner's own page (contacts, the
 * personal link and contribution address, pieces across issues, clicks,
 * history), a new link, and the call for contributions or a reminder.
 * Every rule is the library's, as `bulletin partners` and `bulletin
 * call` use it: store_partner_check_new and store_partner_add, the
 * contacts' and rotate's store functions, lifecycle_open_issue,
 * callmail_piece_of and callmail_run.
 *
 * The link and the address are the partner's password: they are shown
 * in the body of a page for a logged-in user only (no-store), never in
 * an address, an event or the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "callmail.h"
#include "clicks.h"
#include "desk_impl.h"
#include "http.h"
#include "issue.h"
#include "lifecycle.h"
#include "store_partner.h"
#include "banned.h"

/* Addresses read from the add form at most: more is refused by the
 * store's limit all the same, this only bounds the work. */
#define TYPED_CONTACTS_MAX (4 * STORE_PARTNER_CONTACTS_MAX)

static void add_num(struct desk_req *r, struct tmpl_value *m, const char *k,
                    long long n)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", n);
	tmpl_map_set(m, k, tmpl_number(r->data, text));
}

/* The first letter of b made a capital, for a sentence on the page. */
static void capital(struct buf *b)
{
	if (b->len && b->data[0] >= 'a' && b->data[0] <= 'z')
		b->data[0] = (char)(b->data[0] - 'a' + 'A');
}

/* A library message as a sentence on the page, into out. */
static void sentence(const char *msg, struct buf *out)
{
	buf_reset(out);
	buf_adds(out, msg);
	capital(out);
}

static void server_trouble(struct desk_req *r, const struct err *err)
{
	desk_say(r->d, "bulletin: desk: %s", err_msg(err));
	desk_message(r, 500, "Something went wrong",
	             "The desk could not read the partners: try again in a "
	             "minute.");
}

/* Whether the user may change partners, for the templates. */
static void may_partners(struct desk_req *r, struct tmpl_value *root)
{
	tmpl_map_bool(r->data, root, "may_partners",
	              role_may(r->user.role, ROLE_PARTNERS));
}

/*
 * An issue loaded with the compiler's checks, for its pieces' states:
 * the desk's cache of them (issuecache), so a page over every issue
 * reads only what changed since the last look.
 */
struct checked {
	const struct issuecache_view *v;
	const struct issue *is;
	const struct diags *d;
	int ok;
};

static void checked_load(struct desk_req *r, const char *id, struct checked *c)
{
	c->v = issuecache_view(r->d->issues, r->d->cfg, id);
	c->ok = c->v->loaded;
	c->is = &c->v->is;
	c->d = &c->v->d;
}

static void checked_release(struct desk_req *r, struct checked *c)
{
	if (c->v)
		issuecache_put(r->d->issues, c->v);
}

/* A piece's state in words, as the compiler's checks leave it. */
static void piece_state(const struct checked *c, const struct contribution *k,
                        int withdrawn, struct buf *out)
{
	size_t errors = 0, warnings = 0;

	for (size_t i = 0; i < c->d->n; i++) {
		if (strcmp(c->d->v[i].file, k->path))
			continue;
		if (c->d->v[i].level == DIAG_ERROR)
			errors++;
		else if (c->d->v[i].level == DIAG_WARNING)
			warnings++;
	}
	buf_reset(out);
	if (withdrawn)
		buf_adds(out, "withdrawn");
	else if (errors)
		buf_addf(out, "%zu thing%s to fix", errors,
		         errors == 1 ? "" : "s");
	else if (warnings)
		buf_addf(out, "ready; %zu thing%s to check", warnings,
		         warnings == 1 ? "" : "s");
	else
		buf_adds(out, "ready");
}

static struct tmpl_value *piece_item(struct desk_req *r, const char *issue,
                                     const struct checked *c,
                                     const struct contribution *k,
                                     int withdrawn)
{
	struct tmpl_value *m = tmpl_map(r->data);
	struct buf state = BUF_INIT;

	piece_state(c, k, withdrawn, &state);
	tmpl_map_str(r->data, m, "issue", issue);
	tmpl_map_str(r->data, m, "title", k->title ? k->title : k->slug);
	tmpl_map_str(r->data, m, "file", k->path);
	tmpl_map_str(r->data, m, "state", state.data);
	buf_release(&state);
	return m;
}

/* p's pieces in c (withdrawn ones too) added to list; how many. */
static size_t pieces_of(struct desk_req *r, const char *issue,
                        const struct checked *c, const struct store_partner *p,
                        struct tmpl_value *list)
{
	size_t n = 0;

	for (size_t i = 0; c->ok && i < c->is->n; i++)
		if (store_partner_owns(p, c->is->v[i].partner) && ++n)
			tmpl_list_add(list,
			              piece_item(r, issue, c, &c->is->v[i], 0));
	for (size_t i = 0; c->ok && i < c->is->nwithdrawn; i++)
		if (store_partner_owns(p, c->is->withdrawn[i].partner) && ++n)
			tmpl_list_add(list,
			              piece_item(r, issue, c,
			                         &c->is->withdrawn[i], 1));
	return n;
}

/* The list. */

/* What the add form was given back, and what is wrong with it. */
struct add_form {
	const char *name, *slug, *contacts;
	enum store_partner_field field;
	const char *error; /* NULL: none */
};

/* The open issue: its id, title, window, into root; 1 when there is one. */
static int open_issue(struct desk_req *r, struct tmpl_value *root,
                      struct buf *id, struct checked *c, struct err *err)
{
	struct lifecycle_window w;
	struct tmpl_value *m;
	struct buf text = BUF_INIT;
	int64_t now = (int64_t)time(NULL);
	int found = lifecycle_open_issue(r->d->cfg, r->st, now, id, err);

	if (found <= 0)
		return found;
	if (lifecycle_partner_window(r->d->cfg, r->st, id->data, now, &w, err) <
	    0)
		return -1;
	checked_load(r, id->data, c);
	m = tmpl_map(r->data);
	tmpl_map_str(r->data, m, "id", id->data);
	if (c->ok && c->is->title && *c->is->title)
		tmpl_map_str(r->data, m, "title", c->is->title);
	tmpl_map_bool(r->data, m, "unreadable", !c->ok);
	lifecycle_window_text(&w, &text);
	tmpl_map_str(r->data, m, "window", text.data);
	tmpl_map_set(root, "open", m);
	buf_release(&text);
	return 1;
}

static struct tmpl_value *partner_row(struct desk_req *r,
                                      const struct store_partner *p,
                                      const char *issue,
                                      const struct checked *c, int *gave)
{
	struct tmpl_value *m = tmpl_map(r->data), *list = tmpl_list(r->data);

	tmpl_map_str(r->data, m, "name", p->name);
	tmpl_map_str(r->data, m, "slug", p->slug);
	add_num(r, m, "contacts", (long long)p->ncontacts);
	*gave = issue && callmail_piece_of(c->is, p) != NULL;
	tmpl_map_bool(r->data, m, "contributed", *gave);
	if (issue)
		pieces_of(r, issue, c, p, list);
	tmpl_map_set(m, "pieces", list);
	return m;
}

static void form_values(struct desk_req *r, struct tmpl_value *root,
                        const struct add_form *f)
{
	static const char *const keys[] = {
	        [STORE_PARTNER_FIELD_NONE] = "add_error",
	        [STORE_PARTNER_FIELD_NAME] = "name_error",
	        [STORE_PARTNER_FIELD_SLUG] = "slug_error",
	        [STORE_PARTNER_FIELD_CONTACTS] = "contacts_error",
	};
	struct tmpl_value *m = tmpl_map(r->data);
	struct buf msg = BUF_INIT;

	tmpl_map_str(r->data, m, "name", f->name);
	tmpl_map_str(r->data, m, "slug", f->slug);
	tmpl_map_str(r->data, m, "contacts", f->contacts);
	if (f->error) {
		sentence(f->error, &msg);
		tmpl_map_str(r->data, m, keys[f->field], msg.data);
		tmpl_map_str(r->data, root, "add_error_field",
		             f->field == STORE_PARTNER_FIELD_SLUG ? "slug"
		             : f->field == STORE_PARTNER_FIELD_CONTACTS
		                     ? "contacts"
		                     : "name");
		tmpl_map_str(r->data, root, "add_error_text", msg.data);
	}
	tmpl_map_set(root, "form", m);
	buf_release(&msg);
}

/*
 * The partners page's data, with, as the case may be, the add form
 * given back (f) and a sentence at the top (notice or error). NULL when
 * the store failed (answered here).
 */
static struct tmpl_value *partners_data(struct desk_req *r,
                                        const struct add_form *f,
                                        const char *notice, const char *error)
{
	struct tmpl_value *root = desk_page(
	        r, (f && f->error) || error ? "Error: partners" : "Partners");
	struct tmpl_value *rows = tmpl_list(r->data);
	struct store_partners ps;
	struct checked c;
	struct buf id = BUF_INIT;
	struct err err = ERR_INIT;
	long gave_n = 0;
	int open, gave;

	memset(&c, 0, sizeof(c));
	open = open_issue(r, root, &id, &c, &err);
	if (open < 0 || store_partner_list(r->st, &ps, &err) < 0) {
		server_trouble(r, &err);
		root = NULL;
		goto out;
	}
	for (size_t i = 0; i < ps.n; i++) {
		tmpl_list_add(rows,
		              partner_row(r, &ps.v[i], open ? id.data : NULL,
		                          &c, &gave));
		gave_n += gave;
	}
	tmpl_map_set(root, "partners", rows);
	tmpl_map_bool(r->data, root, "none", ps.n == 0);
	add_num(r, root, "count", (long long)ps.n);
	add_num(r, root, "contributed", gave_n);
	add_num(r, root, "missing", (long long)ps.n - gave_n);
	add_num(r, root, "contacts_max", STORE_PARTNER_CONTACTS_MAX);
	may_partners(r, root);
	tmpl_map_str(r->data, root, "notice", notice);
	tmpl_map_str(r->data, root, "error", error);
	form_values(r, root, f ? f : &(struct add_form){"", "", "", 0, NULL});
	store_partners_release(&ps);
out:
	checked_release(r, &c);
	buf_release(&id);
	err_release(&err);
	return root;
}

static void partners_list(struct desk_req *r, int status,
                          const struct add_form *f, const char *error)
{
	if (partners_data(r, f, NULL, error))
		desk_render(r, status, "desk/partners.html");
}

void desk_partners_page(struct desk_req *r, const char *arg)
{
	(void)arg;
	partners_list(r, 200, NULL, NULL);
}

/* Adding. */

/* The addresses typed, one a line (or split by ',' or ';'), into v. */
static size_t split_contacts(const char *typed, struct buf *copy,
                             const char **v, size_t max)
{
	size_t n = 0;
	char *p;

	buf_reset(copy);
	buf_adds(copy, typed);
	p = copy->data;
	while (*p && n < max) {
		size_t len = strcspn(p, "\r\n,;");
		char *end = p + len, *start = p;
		int last = !*end;

		*end = '\0';
		while (*start == ' ' || *start == '\t')
			start++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*start)
			v[n++] = start;
		if (last)
			break;
		p += len + 1;
	}
	return n;
}

void desk_partner_add(struct desk_req *r, const char *arg)
{
	const char *contacts[TYPED_CONTACTS_MAX + 1];
	struct add_form f = {.name = desk_field(r, "name"),
	                     .slug = desk_field(r, "slug"),
	                     .contacts = desk_field(r, "contacts")};
	struct store_partner_new n = {.name = f.name,
	                              .slug = f.slug,
	                              .contacts = contacts,
	                              .who = r->user.name};
	struct store_partner p;
	struct buf copy = BUF_INIT;
	struct err err = ERR_INIT;

	(void)arg;
	n.ncontacts = split_contacts(f.contacts, &copy, contacts,
	                             TYPED_CONTACTS_MAX + 1);
	if (store_partner_check_new(r->st, &n, &f.field, &err) < 0 ||
	    store_partner_add(r->st, &n, &p, &err) < 0) {
		f.error = err_msg(&err);
		partners_list(r, 400, &f, NULL);
	} else {
		desk_event(r, "partner-add", p.name, p.slug);
		desk_redirect(r, "/desk/partners/%s", p.slug);
		store_partner_release(&p);
	}
	buf_release(&copy);
	err_release(&err);
}

/* The call. */

/* What the call did for one partner or contact (strings owned). */
struct call_note {
	char *partner, *contact, *detail;
	enum callmail_result result;
};

struct call_notes {
	struct call_note *v;
	size_t n, cap;
};

static void call_note(const struct callmail_note *n, void *ctx)
{
	struct call_notes *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = (struct call_note){
	        .partner = xstrdup(n->partner->name),
	        .contact = xstrdup(n->contact ? n->contact : ""),
	        .detail = xstrdup(n->detail),
	        .result = n->result,
	};
}

static void call_notes_release(struct call_notes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].partner);
		free(c->v[i].contact);
		free(c->v[i].detail);
	}
	free(c->v);
}

/* The call's results on the partners page, after its summary. */
static void call_results(struct desk_req *r, const struct call_notes *c,
                         const char *summary)
{
	struct tmpl_value *root = partners_data(r, NULL, summary, NULL);
	struct tmpl_value *list;

	if (!root)
		return;
	list = tmpl_list(r->data);
	for (size_t i = 0; i < c->n; i++) {
		struct tmpl_value *m = tmpl_map(r->data);

		tmpl_map_str(r->data, m, "partner", c->v[i].partner);
		tmpl_map_str(r->data, m, "contact", c->v[i].contact);
		tmpl_map_str(r->data, m, "result",
		             callmail_result_name(c->v[i].result));
		tmpl_map_str(r->data, m, "detail", c->v[i].detail);
		tmpl_list_add(list, m);
	}
	tmpl_map_set(root, "results", list);
	tmpl_map_bool(r->data, root, "has_results", c->n > 0);
	desk_render(r, 200, "desk/partners.html");
}

void desk_partners_call(struct desk_req *r, const char *arg)
{
	const char *kind = desk_field(r, "kind"),
	           *issue = desk_field(r, "issue");
	struct call_notes notes = {NULL, 0, 0};
	struct callmail_options o = {.issue = issue,
	                             .kind = CALLMAIL_CALL,
	                             .who = r->user.name,
	                             .smtp_password = r->d->opt.smtp_password,
	                             .note = call_note,
	                             .ctx = &notes};
	struct callmail_counts counts;
	struct buf said = BUF_INIT;
	struct err err = ERR_INIT;

	(void)arg;
	if (!strcmp(kind, "remind"))
		o.kind = CALLMAIL_REMIND;
	if (strcmp(kind, "call") && strcmp(kind, "remind")) {
		partners_list(r, 400, NULL,
		              "Choose whom to write to: every partner (the "
		              "call) or those with no piece yet (a reminder).");
	} else if (!lifecycle_issue_exists(r->d->cfg, issue)) {
		partners_list(r, 400, NULL,
		              "There is no such issue: reload the page and "
		              "try again.");
	} else if (callmail_run(r->d->cfg, r->st, &o, &counts, &err) < 0) {
		sentence(err_msg(&err), &said);
		partners_list(r, 409, NULL, said.data);
	} else {
		callmail_summary(&counts, 0, &said);
		desk_event(r,
		           o.kind == CALLMAIL_REMIND ? "partner-remind"
		                                     : "partner-call",
		           issue, said.data);
		capital(&said);
		buf_addf(&said, " (issue %s).", issue);
		call_results(r, &notes, said.data);
	}
	call_notes_release(&notes);
	buf_release(&said);
	err_release(&err);
}

/* One partner. */

/* The partner the route names (slug or name), or a 404 page: 1 found. */
static int the_partner(struct desk_req *r, const char *arg,
                       struct store_partner *p)
{
	struct err err = ERR_INIT;
	int found = arg ? store_partner_find(r->st, arg, p, &err) : 0;

	if (found < 0)
		server_trouble(r, &err);
	else if (!found)
		desk_message(r, 404, "No such partner",
		             "There is no partner with that name: pick one "
		             "from the list of partners.");
	err_release(&err);
	return found > 0;
}

/* "2026-12-03 14:05 UTC", as `bulletin partners show` writes times. */
static void utc(int64_t at, struct buf *out)
{
	char text[32];
	time_t t = (time_t)at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm);
	buf_adds(out, text);
}

struct history {
	struct desk_req *r;
	struct tmpl_value *list;
};

static int history_row(const struct store_partner_ev *ev, void *ctx)
{
	struct history *h = ctx;
	struct tmpl_value *m = tmpl_map(h->r->data);
	struct buf when = BUF_INIT;

	utc(ev->at, &when);
	tmpl_map_str(h->r->data, m, "at", when.data);
	tmpl_map_str(h->r->data, m, "what", ev->what);
	tmpl_map_str(h->r->data, m, "who", ev->who);
	tmpl_map_str(h->r->data, m, "detail", ev->detail);
	tmpl_list_add(h->list, m);
	buf_release(&when);
	return 0;
}

/* The partner's pieces in every issue, newest issue first. */
static void all_pieces(struct desk_req *r, const struct store_partner *p,
                       struct tmpl_value *root)
{
	struct tmpl_value *list = tmpl_list(r->data);
	size_t n, found = 0;
	char **ids = lifecycle_issue_ids(r->d->cfg, &n);

	for (size_t i = n; i-- > 0;) {
		struct checked c;

		checked_load(r, ids[i], &c);
		found += pieces_of(r, ids[i], &c, p, list);
		checked_release(r, &c);
	}
	tmpl_map_set(root, "pieces", list);
	tmpl_map_bool(r->data, root, "has_pieces", found > 0);
	lifecycle_issue_ids_free(ids, n);
}

static void click_rows(struct desk_req *r, struct tmpl_value *list,
                       const struct clicks_row *v, size_t n, long *people)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_value *m = tmpl_map(r->data);

		tmpl_map_str(r->data, m, "issue", v[i].issue);
		tmpl_map_str(r->data, m, "url", v[i].url);
		tmpl_map_str(r->data, m, "piece", v[i].piece);
		add_num(r, m, "people", v[i].people);
		add_num(r, m, "early", v[i].early);
		add_num(r, m, "scanner", v[i].scanner);
		tmpl_list_add(list, m);
		*people += v[i].people;
	}
}

/*
 * The clicks on links in the partner's pieces (tracking.clicks), as
 * their pieces name them: by name and, when it differs, by short name.
 */
static int clicks(struct desk_req *r, const struct store_partner *p,
                  struct tmpl_value *root, struct err *err)
{
	const char *names[2] = {p->name, p->slug};
	struct tmpl_value *list = tmpl_list(r->data);
	long people = 0;
	size_t rows = 0;

	for (size_t k = 0; k < 2; k++) {
		struct clicks_row *v;
		size_t n;

		if (k && !strcasecmp(p->name, p->slug))
			break;
		if (clicks_for_partner(r->st, names[k], &v, &n, err) < 0)
			return -1;
		click_rows(r, list, v, n, &people);
		rows += n;
		clicks_rows_free(v, n);
	}
	tmpl_map_set(root, "clicks", list);
	tmpl_map_bool(r->data, root, "has_clicks", rows > 0);
	tmpl_map_bool(r->data, root, "tracking", r->d->cfg->track_clicks);
	add_num(r, root, "clicks_people", people);
	return 0;
}

/* What the contact form was given back, and what is wrong with it. */
struct contact_form {
	const char *address;
	const char *error; /* NULL: none */
};

/* The partner's own details: name, link, address, contacts. */
static struct tmpl_value *partner_map(struct desk_req *r,
                                      const struct store_partner *p)
{
	struct tmpl_value *m = tmpl_map(r->data), *contacts;
	struct buf b = BUF_INIT;

	tmpl_map_str(r->data, m, "name", p->name);
	tmpl_map_str(r->data, m, "slug", p->slug);
	utc(p->created, &b);
	tmpl_map_str(r->data, m, "created", b.data);
	buf_reset(&b);
	store_partner_link(r->d->cfg->base_url, p->secret, &b);
	tmpl_map_str(r->data, m, "link", b.data);
	buf_reset(&b);
	store_partner_address(r->d->cfg->from_domain, p->secret, &b);
	tmpl_map_str(r->data, m, "address", b.data);
	contacts = tmpl_list(r->data);
	for (size_t i = 0; i < p->ncontacts; i++) {
		struct tmpl_value *c = tmpl_map(r->data);

		tmpl_map_str(r->data, c, "address", p->contacts[i]);
		tmpl_map_bool(r->data, c, "last", p->ncontacts == 1);
		tmpl_list_add(contacts, c);
	}
	tmpl_map_set(m, "contacts", contacts);
	add_num(r, m, "ncontacts", (long long)p->ncontacts);
	buf_release(&b);
	return m;
}

static void partner_page(struct desk_req *r, const char *arg, int status,
                         const char *notice, const struct contact_form *f)
{
	struct store_partner p;
	struct tmpl_value *root;
	struct history h = {r, NULL};
	struct buf b = BUF_INIT;
	struct err err = ERR_INIT;

	if (!the_partner(r, arg, &p))
		return;
	root = desk_page(r, f && f->error ? "Error: a partner" : "A partner");
	tmpl_map_set(root, "partner", partner_map(r, &p));
	may_partners(r, root);
	tmpl_map_bool(r->data, root, "room",
	              p.ncontacts < STORE_PARTNER_CONTACTS_MAX);
	add_num(r, root, "contacts_max", STORE_PARTNER_CONTACTS_MAX);
	tmpl_map_str(r->data, root, "notice", notice);
	tmpl_map_str(r->data, root, "new_contact", f ? f->address : "");
	if (f && f->error) {
		sentence(f->error, &b);
		tmpl_map_str(r->data, root, "contact_error", b.data);
	}
	all_pieces(r, &p, root);
	h.list = tmpl_list(r->data);
	if (clicks(r, &p, root, &err) < 0 ||
	    store_partner_each_event(r->st, p.id, history_row, &h, &err) < 0) {
		server_trouble(r, &err);
	} else {
		tmpl_map_set(root, "events", h.list);
		/* The page holds the partner's password: like every desk
		 * page it is sent no-store (http.c's default). */
		desk_render(r, status, "desk/partner.html");
	}
	store_partner_release(&p);
	buf_release(&b);
	err_release(&err);
}

void desk_partner_page(struct desk_req *r, const char *arg)
{
	partner_page(r, arg, 200, NULL, NULL);
}

void desk_partner_contacts(struct desk_req *r, const char *arg)
{
	const char *action = desk_field(r, "action");
	struct contact_form f = {.address = desk_field(r, "address")};
	int add = !strcmp(action, "add"), changed = -1;
	struct store_partner p;
	struct buf notice = BUF_INIT;
	struct err err = ERR_INIT;

	if (!the_partner(r, arg, &p))
		return;
	if (!add && strcmp(action, "remove"))
		err_set(&err, "choose to add or remove a contact");
	else if (!*f.address)
		err_set(&err, "write the contact's email address");
	else if (add)
		changed = store_partner_add_contact(r->st, p.id, f.address,
		                                    r->user.name, &err);
	else
		changed = store_partner_remove_contact(r->st, p.id, f.address,
		                                       r->user.name, &err);
	if (changed < 0) {
		f.error = err_msg(&err);
		partner_page(r, arg, 400, NULL, &f);
	} else {
		if (changed)
			desk_event(r,
			           add ? "partner-contact-add"
			               : "partner-contact-remove",
			           p.name, f.address);
		buf_addf(&notice,
		         changed ? "%s %s."
		                 : "%s was %s a contact: nothing "
		                   "to change.",
		         f.address,
		         changed ? (add ? "added" : "removed")
		                 : (add ? "already" : "not"));
		partner_page(r, arg, 200, notice.data, NULL);
	}
	store_partner_release(&p);
	buf_release(&notice);
	err_release(&err);
}

void desk_partner_rotate(struct desk_req *r, const char *arg)
{
	struct store_partner p;
	struct err err = ERR_INIT;

	if (!the_partner(r, arg, &p))
		return;
	if (store_partner_rotate(r->st, p.id, r->user.name, NULL, &err) < 0) {
		server_trouble(r, &err);
	} else {
		desk_event(r, "partner-rotate", p.name, NULL);
		partner_page(r, arg, 200,
		             "A new link and address are made: the old ones no "
		             "longer work. Send the new ones to the partner's "
		             "contacts.",
		             NULL);
	}
	store_partner_release(&p);
	err_release(&err);
}
