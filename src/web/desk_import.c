/*
 * The desk's bulk work on subscribers, for admins: a CSV uploaded,
 * imported as a dry run (import_csv, rolled back) and shown, then
 * imported for real once confirmed; the whole list exported as CSV;
 * one subscriber erased (store_erase). The uploaded file waits in the
 * store's folder, private, named for its user and a random token, so
 * only who uploaded it can confirm it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvfile.h"
#include "desk_impl.h"
#include "file.h"
#include "import.h"
#include "token.h"
#include "store_topics.h"
#include "banned.h"

#define NOTES_SHOWN 200

/* subscribers/.desk-import-USER-TOKEN.csv, beside the store. */
static void upload_path(struct desk_req *r, const char *token, struct buf *out)
{
	struct buf store = BUF_INIT;
	const char *slash;

	/* The workspace's store, not the current directory's. */
	config_path(r->d->cfg, &store, "%s", r->d->cfg->store);
	slash = strrchr(store.data, '/');
	if (slash)
		buf_add(out, store.data, (size_t)(slash - store.data) + 1);
	buf_addf(out, ".desk-import-%s-%s.csv", r->user.name, token);
	buf_release(&store);
}

struct notes {
	struct desk_req *r;
	struct tmpl_value *list;
	long n;
};

static void note(enum import_note kind, const char *msg, void *ctx)
{
	struct notes *ns = ctx;
	struct tmpl_value *m;

	(void)kind;
	if (ns->n++ >= NOTES_SHOWN)
		return;
	m = tmpl_map(ns->r->data);
	tmpl_map_str(ns->r->data, m, "message", msg);
	tmpl_list_add(ns->list, m);
}

static void add_long(struct desk_req *r, struct tmpl_value *m, const char *k,
                     long n)
{
	char text[32];

	snprintf(text, sizeof(text), "%ld", n);
	tmpl_map_set(m, k, tmpl_number(r->data, text));
}

/* Imports the upload (dry run or not) and shows what it did. */
static void import_page(struct desk_req *r, const char *token, int dry_run,
                        enum store_status status)
{
	struct store_topics topics = {0};
	struct import_options opt = {"the CSV file", status, dry_run, &topics};
	struct import_summary sum;
	struct buf path = BUF_INIT, detail = BUF_INIT;
	struct err err = ERR_INIT;
	struct tmpl_value *root =
	        desk_page(r, dry_run ? "Check the import" : "Imported");
	struct notes ns = {r, tmpl_list(r->data), 0};

	upload_path(r, token, &path);
	if (store_topics_load(r->st, r->d->cfg, &topics, &err) < 0 ||
	    import_csv(r->st, path.data, &opt, note, &ns, &sum, &err) < 0) {
		unlink(path.data);
		desk_message(r, 400, "The file cannot be imported",
		             err_msg(&err));
		goto out;
	}
	tmpl_map_bool(r->data, root, "dry_run", dry_run);
	tmpl_map_str(r->data, root, "token", token);
	tmpl_map_str(r->data, root, "status", store_status_name(status));
	add_long(r, root, "added", sum.added);
	add_long(r, root, "updated", sum.updated);
	add_long(r, root, "unchanged", sum.unchanged);
	add_long(r, root, "suppressed", sum.suppressed);
	add_long(r, root, "duplicates", sum.duplicates);
	add_long(r, root, "rejected", sum.rejected);
	tmpl_map_set(root, "notes", ns.list);
	tmpl_map_bool(r->data, root, "has_notes", ns.n > 0);
	if (!dry_run) {
		unlink(path.data);
		buf_addf(&detail, "%ld added, %ld updated, %ld rejected",
		         sum.added, sum.updated, sum.rejected);
		desk_event(r, "import", "subscribers", detail.data);
	}
	desk_render(r, 200, "desk/import.html");
out:
	store_topics_release(&topics);
	buf_release(&path);
	buf_release(&detail);
	err_release(&err);
}

static int import_status(const char *s, enum store_status *status)
{
	return store_status_parse(s, status) == 0 &&
	       (*status == STORE_ACTIVE || *status == STORE_PENDING);
}

void desk_import_upload(struct desk_req *r, const char *arg)
{
	const struct form_field *file = NULL;
	char token[TOKEN_LEN + 1];
	enum store_status status;
	struct buf path = BUF_INIT;
	struct err err = ERR_INIT;

	(void)arg;
	for (size_t i = 0; i < r->form.n; i++)
		if (!strcmp(r->form.fields[i].name, "csv"))
			file = &r->form.fields[i];
	if (!file || !file->value_len)
		desk_message(r, 400, "No file",
		             "Choose a CSV file of subscribers to import.");
	else if (!import_status(desk_field(r, "status"), &status))
		desk_message(r, 400, "Status",
		             "Choose whether they are active or pending.");
	else if (token_new(token, &err) < 0 ||
	         (upload_path(r, token, &path),
	          file_create_new(path.data, file->value, file->value_len, 0600,
	                          &err)) < 0)
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	else
		import_page(r, token, 1, status);
	buf_release(&path);
	err_release(&err);
}

void desk_import_confirm(struct desk_req *r, const char *arg)
{
	const char *token = desk_field(r, "token");
	enum store_status status;

	(void)arg;
	if (!token_valid(token) ||
	    !import_status(desk_field(r, "status"), &status))
		desk_message(r, 400, "Nothing to import",
		             "That import has expired: upload the file again.");
	else
		import_page(r, token, 0, status);
}

/* Export. */

struct export
{
	struct buf *body, scratch;
	struct store_topics topics;
};

static int export_row(const struct store_subscriber *s, void *ctx)
{
	struct export *e = ctx;

	csvfile_subscriber_row(e->body, s, &e->topics, &e->scratch);
	return 0;
}

void desk_export(struct desk_req *r, const char *arg)
{
	struct export e = {.body = &r->ex->resp.body, .scratch = BUF_INIT};
	struct err err = ERR_INIT;

	(void)arg;
	buf_reset(e.body);
	csvfile_subscriber_header(e.body);
	if (store_topics_load(r->st, r->d->cfg, &e.topics, &err) < 0 ||
	    store_each(r->st, -1, 0, export_row, &e, &err) < 0) {
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	} else {
		desk_event(r, "export", "subscribers", NULL);
		r->ex->resp.content_type = "text/csv; charset=utf-8";
		r->ex->resp.disposition =
		        "attachment; filename=\"subscribers.csv\"";
	}
	store_topics_release(&e.topics);
	buf_release(&e.scratch);
	err_release(&err);
}

/* Erase. */

void desk_erase(struct desk_req *r, const char *arg)
{
	struct store_desk_person p;
	struct err err = ERR_INIT;
	int found = store_desk_person(r->st, strtoll(arg ? arg : "0", NULL, 10),
	                              &p, &err);

	if (found <= 0)
		desk_message(r, found < 0 ? 500 : 404, "No such subscriber",
		             found < 0 ? err_msg(&err)
		                       : "There is no such subscriber.");
	else if (strcmp(desk_field(r, "confirm"), p.email))
		desk_message(r, 400, "Not erased",
		             "Type the address exactly to confirm: nothing was "
		             "erased.");
	else if (store_erase(r->st, p.email, &err) < 0)
		desk_message(r, 500, "Something went wrong", err_msg(&err));
	else {
		/* The log names no address: it was erased. */
		desk_event(r, "erase", "a subscriber", NULL);
		desk_message(r, 200, "Erased",
		             "The subscriber's data and history are deleted; a "
		             "keyed hash of the address stays on the "
		             "suppression list so no import adds it again.");
	}
	store_desk_person_release(&p);
	err_release(&err);
}
