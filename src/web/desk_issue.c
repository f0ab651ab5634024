/*
 * The desk's issues: the list, one issue's page and what can be done
 * to it (compile, preview, test send, approve, publish), each through the
 * library function its command uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "address.h"
#include "build.h"
#include "campaign.h"
#include "desk_impl.h"
#include "issue.h"
#include "issuelist.h"
#include "lifecycle.h"
#include "newissue.h"
#include "preview.h"
#include "site.h"
#include "store_issue.h"
#include "store_site.h"
#include "banned.h"

#define TEST_TO_MAX 5 /* addresses one test send may go to */

/*
 * The preview is the email itself: its inline style, and nothing else.
 * Sandboxed with no script at all; of the same origin still, so that its
 * pictures come with the session (an opaque origin's requests carry no
 * SameSite=Strict cookie).
 */
static const char preview_csp[] =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'none'; frame-ancestors 'self'; base-uri 'none'; "
        "sandbox allow-same-origin";

static void add_str(struct desk_req *r, struct tmpl_value *m, const char *k,
                    const char *v)
{
	tmpl_map_str(r->data, m, k, v);
}

static void add_num(struct desk_req *r, struct tmpl_value *m, const char *k,
                    long long n)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", n);
	tmpl_map_set(m, k, tmpl_number(r->data, text));
}

/* Whether id names an issue folder; answers 404 itself when not. */
static int known_issue(struct desk_req *r, const char *id)
{
	struct buf p = BUF_INIT;
	struct stat st;
	int ok = id && newissue_valid_id(id);

	if (ok) {
		config_path(r->d->cfg, &p, "issues/%s", id);
		ok = stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
	}
	buf_release(&p);
	if (!ok)
		desk_message(r, 404, "No such issue",
		             "There is no issue with that name: pick one from "
		             "the list of issues.");
	return ok;
}

static void server_trouble(struct desk_req *r, const struct err *err)
{
	desk_say(r->d, "bulletin: desk: %s", err_msg(err));
	desk_message(r, 500, "Something went wrong", err_msg(err));
}

/* The list. */

static void issue_rows(struct desk_req *r, struct tmpl_value *list,
                       const struct issuelist_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct tmpl_value *m = tmpl_map(r->data);

		add_str(r, m, "id", v[i].id);
		add_str(r, m, "state", v[i].state);
		add_str(r, m, "deadline", v[i].deadline);
		add_str(r, m, "pieces", v[i].pieces);
		add_num(r, m, "warnings", (long long)v[i].warnings);
		add_num(r, m, "errors", (long long)v[i].errors);
		add_str(r, m, "compiled", v[i].compiled);
		add_str(r, m, "approver", v[i].approver);
		add_str(r, m, "site", v[i].site);
		add_str(r, m, "note", v[i].note);
		tmpl_list_add(list, m);
	}
}

static void issues_list(struct desk_req *r, int status, const char *error)
{
	struct issuelist_row *v;
	struct err err = ERR_INIT;
	struct tmpl_value *root, *list;
	size_t n;

	if (issuelist_load_cached(r->d->cfg, r->st, r->d->list, &v, &n, &err) <
	    0) {
		server_trouble(r, &err);
		err_release(&err);
		return;
	}
	root = desk_page(r, error ? "Error: issues" : "Issues");
	list = tmpl_list(r->data);
	issue_rows(r, list, v, n);
	tmpl_map_set(root, "issues", list);
	tmpl_map_bool(r->data, root, "none", n == 0);
	add_str(r, root, "error", error);
	add_str(r, root, "new_id", desk_field(r, "id"));
	add_str(r, root, "new_title", desk_field(r, "title"));
	add_str(r, root, "new_deadline", desk_field(r, "deadline"));
	desk_render(r, status, "desk/issues.html");
	issuelist_free(v, n);
}

void desk_issues_page(struct desk_req *r, const char *arg)
{
	(void)arg;
	issues_list(r, 200, NULL);
}

static int is_date(const char *s)
{
	struct tm tm;
	int has_time;

	return !*s ||
	       (issue_parse_datetime(s, &tm, &has_time) == 0 && !has_time);
}

void desk_new_issue(struct desk_req *r, const char *arg)
{
	const char *id = desk_field(r, "id"), *title = desk_field(r, "title"),
	           *deadline = desk_field(r, "deadline");
	struct err err = ERR_INIT;

	(void)arg;
	if (!newissue_valid_id(id))
		issues_list(r, 400,
		            "Issue name: use letters, digits, '-' and '_', "
		            "e.g. 2027-01");
	else if (!is_date(deadline))
		issues_list(r, 400,
		            "Deadline: write the date as YYYY-MM-DD, e.g. "
		            "2027-01-15");
	else if (newissue_make(r->d->cfg, id, *title ? title : NULL, NULL,
	                       *deadline ? deadline : NULL, &err) < 0)
		issues_list(r, 409, err_msg(&err));
	else {
		desk_event(r, "new-issue", id, title);
		if (store_issue_event(r->st, id, "created", r->user.name, NULL,
		                      &err) < 0)
			desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
		desk_redirect(r, "/desk/issues/%s", id);
	}
	err_release(&err);
}

/* One issue. */

/* The problems of one file (NULL: those of no contribution). */
static struct tmpl_value *problems(struct desk_req *r, const struct diags *d,
                                   const struct issue *is, const char *file)
{
	struct tmpl_value *list = tmpl_list(r->data);

	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		int ours = 0;
		struct tmpl_value *m;

		if (file)
			ours = !strcmp(g->file, file);
		else
			for (size_t k = 0; k < is->n && !ours; k++)
				ours = !strcmp(g->file, is->v[k].path);
		if (file ? !ours : ours)
			continue;
		m = tmpl_map(r->data);
		add_str(r, m, "level",
		        g->level == DIAG_ERROR ? "Error" : "Warning");
		add_str(r, m, "file", g->file);
		add_num(r, m, "line", g->line);
		add_str(r, m, "message", g->msg);
		tmpl_list_add(list, m);
	}
	return list;
}

static const char *section_title(const struct config *cfg, const char *key)
{
	for (size_t i = 0; key && i < cfg->nsections; i++)
		if (!strcmp(cfg->sections[i].key, key))
			return cfg->sections[i].title;
	return key ? key : "";
}

static void pieces(struct desk_req *r, struct tmpl_value *root,
                   const struct issue *is, const struct diags *d)
{
	struct tmpl_value *list = tmpl_list(r->data);
	char ease[32];

	for (size_t i = 0; i < is->n; i++) {
		const struct contribution *c = &is->v[i];
		struct tmpl_value *m = tmpl_map(r->data);

		add_str(r, m, "title", c->title ? c->title : c->slug);
		add_str(r, m, "file", c->path);
		add_str(r, m, "partner", c->partner ? c->partner : "");
		add_str(r, m, "section", section_title(r->d->cfg, c->section));
		add_str(r, m, "type", c->type ? c->type : "");
		add_num(r, m, "words", (long long)c->words);
		snprintf(ease, sizeof(ease), "%.0f", c->reading_ease);
		add_str(r, m, "reading_ease", ease);
		tmpl_map_set(m, "problems", problems(r, d, is, c->path));
		tmpl_list_add(list, m);
	}
	tmpl_map_set(root, "pieces", list);
	tmpl_map_set(root, "issue_problems", problems(r, d, is, NULL));
	add_num(r, root, "warnings", (long long)diags_count(d, DIAG_WARNING));
	add_num(r, root, "errors", (long long)diags_count(d, DIAG_ERROR));
}

/* The contributions with their problems, as the files are now. */
static void issue_content(struct desk_req *r, struct tmpl_value *root,
                          const char *id)
{
	const struct issuecache_view *v =
	        issuecache_view(r->d->issues, r->d->cfg, id);

	if (v->loaded) {
		add_str(r, root, "issue_title", v->is.title);
		add_str(r, root, "deadline",
		        v->is.deadline ? v->is.deadline : "");
		pieces(r, root, &v->is, &v->d);
	} else {
		add_str(r, root, "load_error", err_msg(&v->err));
	}
	issuecache_put(r->d->issues, v);
}

/* What changed since the last approval, one line each. */
static void since_approval(struct desk_req *r, struct tmpl_value *root,
                           const struct lifecycle *lc)
{
	struct inputs was;
	struct buf why = BUF_INIT, when = BUF_INIT;
	struct err err = ERR_INIT;

	if (!lc->approved)
		return;
	lifecycle_when(lc->approval.at, &when);
	add_str(r, root, "approved_by", lc->approval.by);
	add_str(r, root, "approved_when", when.data);
	add_str(r, root, "approved_digest", lc->approval.digest);
	tmpl_map_bool(r->data, root, "approval_holds", lc->approval_holds);
	if (inputs_parse(&was, lc->approval.manifest,
	                 strlen(lc->approval.manifest), "the approval",
	                 &err) == 0) {
		lifecycle_explain(&was, &lc->now, "the last approval", &why);
		inputs_release(&was);
	}
	add_str(r, root, "changed_since_approval", why.data);
	buf_release(&why);
	buf_release(&when);
	err_release(&err);
}

static void lifecycle_data(struct desk_req *r, struct tmpl_value *root,
                           const struct lifecycle *lc)
{
	struct buf when = BUF_INIT;

	add_str(r, root, "state", lifecycle_state_name(lc->state));
	tmpl_map_bool(r->data, root, "compiled", lc->compiled && !lc->stale);
	tmpl_map_bool(r->data, root, "stale", lc->stale);
	issuelist_when(lc->compiled_at, &when);
	add_str(r, root, "compiled_when", when.data);
	add_str(r, root, "compiled_by", lc->compile.who ? lc->compile.who : "");
	add_str(r, root, "digest", lc->now_digest);
	tmpl_map_bool(r->data, root, "published", lc->published);
	tmpl_map_bool(r->data, root, "has_campaign", lc->has_campaign);
	tmpl_map_bool(r->data, root, "sendable",
	              lc->state == LIFECYCLE_APPROVED ||
	                      lc->state == LIFECYCLE_SENDING ||
	                      (lc->state == LIFECYCLE_COMPILED &&
	                       strcmp(r->d->cfg->approval, "required")));
	since_approval(r, root, lc);
	buf_release(&when);
}

/*
 * The issue's page, with a notice (what the last action did) or an
 * error; status as given.
 */
static void issue_page(struct desk_req *r, const char *id, int status,
                       const char *notice, const char *error)
{
	struct lifecycle lc;
	struct err err = ERR_INIT;
	struct tmpl_value *root;
	struct buf title = BUF_INIT;

	if (lifecycle_load_cached(&lc, r->d->cfg, r->st, r->d->issues, id,
	                          &err) < 0) {
		server_trouble(r, &err);
		err_release(&err);
		return;
	}
	buf_addf(&title, "%sIssue %s", error ? "Error: " : "", id);
	root = desk_page(r, title.data);
	add_str(r, root, "id", id);
	add_str(r, root, "notice", notice);
	add_str(r, root, "error", error);
	add_str(r, root, "test_to", r->user.email);
	lifecycle_data(r, root, &lc);
	issue_content(r, root, id);
	desk_render(r, status, "desk/issue.html");
	lifecycle_release(&lc);
	buf_release(&title);
}

void desk_issue_page(struct desk_req *r, const char *id)
{
	if (known_issue(r, id))
		issue_page(r, id, 200, NULL, NULL);
}

/* Compile. */

static void compile_failed(struct desk_req *r, const char *id,
                           const struct diags *d,
                           const struct build_result *res)
{
	struct buf msg = BUF_INIT;

	buf_addf(&msg,
	         "Not compiled: %zu error%s to fix first (listed with each "
	         "piece below); nothing was written.",
	         res->errors, res->errors == 1 ? "" : "s");
	(void)d;
	issue_page(r, id, 400, NULL, msg.data);
	buf_release(&msg);
}

void desk_compile(struct desk_req *r, const char *id)
{
	struct build_result res;
	struct diags d = DIAGS_INIT;
	struct err err = ERR_INIT;
	struct buf msg = BUF_INIT;

	if (!known_issue(r, id))
		return;
	if (build_issue(r->d->cfg, id, 0, &d, &res, &err) < 0) {
		issue_page(r, id, 500, NULL, err_msg(&err));
	} else if (!res.written) {
		desk_event(r, "compile-failed", id, NULL);
		compile_failed(r, id, &d, &res);
	} else {
		if (store_issue_event(r->st, id, "compiled", r->user.name,
		                      res.digest, &err) < 0)
			desk_say(r->d, "bulletin: desk: %s", err_msg(&err));
		buf_addf(&msg, "Compiled: %zu piece%s, %zu warning%s.",
		         res.pieces, res.pieces == 1 ? "" : "s", res.warnings,
		         res.warnings == 1 ? "" : "s");
		desk_event(r, "compile", id, msg.data);
		issue_page(r, id, 200, msg.data, NULL);
	}
	build_result_release(&res);
	diags_release(&d);
	buf_release(&msg);
	err_release(&err);
}

/* Preview. */

/* build/NAME of issue id, after checking the build is of the inputs now. */
static int read_build(struct desk_req *r, const char *id, const char *name,
                      struct buf *out)
{
	struct buf p = BUF_INIT;
	struct err err = ERR_INIT;
	int ret = lifecycle_check_build(r->d->cfg, id, "previewing", &err);

	if (ret == 0) {
		config_path(r->d->cfg, &p, "issues/%s/build/%s", id, name);
		ret = buf_read_file(out, p.data, 8 << 20);
		if (ret < 0)
			err_errno(&err, "issues/%s/build/%s cannot be read", id,
			          name);
	}
	if (ret < 0)
		desk_message(r, 409, "No preview yet", err_msg(&err));
	buf_release(&p);
	err_release(&err);
	return ret;
}

void desk_preview(struct desk_req *r, const char *id)
{
	struct buf html = BUF_INIT;
	struct preview_reader reader = {r->user.name,
	                                *r->user.email ? r->user.email
	                                               : PREVIEW_SAMPLE_EMAIL};

	if (!known_issue(r, id) || read_build(r, id, "email.html", &html) < 0)
		goto out;
	buf_reset(&r->ex->resp.body);
	preview_html(r->d->cfg, id, html.data, html.len, &reader, "files/",
	             &r->ex->resp.body);
	r->ex->resp.csp = preview_csp;
	r->ex->resp.frame_same_origin = 1;
out:
	buf_release(&html);
}

void desk_preview_text(struct desk_req *r, const char *id)
{
	struct buf text = BUF_INIT;
	struct render_split split;
	const struct render_fields f = {r->user.name,
	                                *r->user.email ? r->user.email
	                                               : PREVIEW_SAMPLE_EMAIL,
	                                "(the reader's own unsubscribe link)",
	                                "(the reader's own preferences link)"};

	if (!known_issue(r, id) || read_build(r, id, "email.txt", &text) < 0)
		goto out;
	render_split_init(&split, text.data, text.len);
	buf_reset(&r->ex->resp.body);
	render_personalise(&split, &f, 0, &r->ex->resp.body);
	render_split_release(&split);
	r->ex->resp.content_type = "text/plain; charset=utf-8";
out:
	buf_release(&text);
}

void desk_issue_file(struct desk_req *r, const char *id)
{
	struct issue_image im;
	struct buf dir = BUF_INIT;
	struct err err = ERR_INIT;

	if (!known_issue(r, id))
		return;
	config_path(r->d->cfg, &dir, "issues/%s", id);
	if (issue_image_read(dir.data, r->arg2, &im, &err) < 0) {
		desk_message(r, 404, "No such picture", err_msg(&err));
	} else {
		buf_reset(&r->ex->resp.body);
		buf_add(&r->ex->resp.body, im.data, im.len);
		r->ex->resp.content_type = image_media_type(im.info.type);
	}
	issue_image_release(&im);
	buf_release(&dir);
	err_release(&err);
}

/* Test send. */

/* The addresses typed, normalised into to[] (≤ TEST_TO_MAX). */
static const char *test_addresses(const char *typed, struct buf *to, size_t *n)
{
	struct err err = ERR_INIT;
	const char *p = typed;

	*n = 0;
	while (*(p += strspn(p, " ,;\r\n\t"))) {
		size_t len = strcspn(p, " ,;\r\n\t");

		if (*n == TEST_TO_MAX) {
			err_release(&err);
			return "Send a test to 5 addresses at most";
		}
		if (address_normalise(p, len, &to[*n], &err) < 0) {
			err_release(&err);
			return "Test addresses: one is not an email address "
			       "(like name@example.org); separate them with "
			       "commas";
		}
		(*n)++;
		p += len;
	}
	err_release(&err);
	return *n ? NULL : "Test addresses: give at least one";
}

static void test_send(struct desk_req *r, const char *id, const char **to,
                      size_t n)
{
	struct campaign_issue ci;
	struct buf results = BUF_INIT, who = BUF_INIT;
	struct err err = ERR_INIT;
	int failed;

	if (campaign_issue_load(&ci, r->d->cfg, id, &err) < 0) {
		issue_page(r, id, 409, NULL, err_msg(&err));
		goto out;
	}
	failed = campaign_test_send(r->d->cfg, &ci, to, n,
	                            r->d->opt.smtp_password, &results, &err);
	campaign_issue_release(&ci);
	for (size_t i = 0; i < n; i++)
		buf_addf(&who, "%s%s", i ? ", " : "", to[i]);
	desk_event(r, "test-send", id, who.data);
	if (failed < 0)
		issue_page(r, id, 500, NULL, err_msg(&err));
	else
		issue_page(r, id, failed ? 502 : 200,
		           failed ? NULL : "Test sent (subject starts [TEST]):",
		           failed ? results.data : NULL);
	if (!failed)
		desk_say(r->d, "bulletin: desk: %s", results.data);
out:
	buf_release(&results);
	buf_release(&who);
	err_release(&err);
}

void desk_test_send(struct desk_req *r, const char *id)
{
	struct buf to[TEST_TO_MAX];
	const char *list[TEST_TO_MAX];
	const char *bad;
	size_t n = 0;

	if (!known_issue(r, id))
		return;
	for (size_t i = 0; i < TEST_TO_MAX; i++)
		buf_init(&to[i]);
	bad = test_addresses(desk_field(r, "to"), to, &n);
	for (size_t i = 0; i < n; i++)
		list[i] = to[i].data;
	if (bad)
		issue_page(r, id, 400, NULL, bad);
	else
		test_send(r, id, list, n);
	for (size_t i = 0; i < TEST_TO_MAX; i++)
		buf_release(&to[i]);
}

/* Approve, publish. */

void desk_approve(struct desk_req *r, const char *id)
{
	struct err err = ERR_INIT;
	struct buf said = BUF_INIT;
	int sending;

	if (!known_issue(r, id))
		return;
	sending =
	        lifecycle_check_not_sending(r->d->cfg, r->st, id, &said, &err);
	if (sending > 0) {
		issue_page(r, id, 200, said.data, NULL);
	} else if (sending < 0 || lifecycle_approve(r->d->cfg, r->st, id,
	                                            r->user.name, &err) < 0) {
		desk_event(r, "approve-refused", id, err_msg(&err));
		issue_page(r, id, 409, NULL, err_msg(&err));
	} else {
		desk_event(r, "approve", id, NULL);
		issue_page(r, id, 200,
		           "Approved: the full send may go while its files "
		           "stay as they are.",
		           NULL);
	}
	buf_release(&said);
	err_release(&err);
}

/* Publishes (publish 1) or unpublishes issue id and rebuilds the site. */
static void set_public(struct desk_req *r, const char *id, int publish)
{
	struct site_report rep;
	struct err err = ERR_INIT;
	int r1 = publish ? store_site_publish(r->st, id, r->user.name, &err)
	                 : store_site_unpublish(r->st, id, r->user.name, &err);

	memset(&rep, 0, sizeof(rep));
	if (r1 < 0 ||
	    site_build(r->d->cfg, r->st, time(NULL), &rep, &err) < 0) {
		issue_page(r, id, 500, NULL, err_msg(&err));
	} else {
		desk_event(r, publish ? "publish" : "unpublish", id, NULL);
		issue_page(
		        r, id, 200,
		        publish ? "Published: the issue is on the public site."
		                : "Unpublished: the issue is off the public "
		                  "site.",
		        NULL);
	}
	site_report_release(&rep);
	err_release(&err);
}

void desk_publish(struct desk_req *r, const char *id)
{
	if (known_issue(r, id))
		set_public(r, id, 1);
}

void desk_unpublish(struct desk_req *r, const char *id)
{
	if (known_issue(r, id))
		set_public(r, id, 0);
}
