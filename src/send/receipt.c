#include "receipt.h"

#include <stdlib.h>
#include <string.h>

#include "letter.h"
#include "template.h"
#include "banned.h"

static struct tmpl_value *receipt_data(const struct config *cfg,
                                       const struct receipt *r,
                                       struct tmpl_data *d)
{
	struct tmpl_value *root = tmpl_map(d), *nl = tmpl_map(d);
	struct tmpl_value *fix = tmpl_list(d), *check = tmpl_list(d);

	tmpl_map_str(d, nl, "name", cfg->name);
	tmpl_map_str(d, nl, "base_url", cfg->base_url);
	tmpl_map_str(d, nl, "contact",
	             *cfg->reply_to ? cfg->reply_to : cfg->from_addr);
	tmpl_map_set(root, "newsletter", nl);
	tmpl_map_str(d, root, "partner", r->partner);
	tmpl_map_str(d, root, "title", r->title);
	tmpl_map_str(d, root, "issue_title", r->issue_title);
	if (r->deadline)
		tmpl_map_str(d, root, "deadline", r->deadline);
	tmpl_map_str(d, root, "link", r->link);
	tmpl_map_bool(d, root, "withdrawn", r->withdrawn);
	for (size_t i = 0; i < r->nfix; i++) {
		struct tmpl_value *m = tmpl_map(d);

		tmpl_map_str(d, m, "message", r->fix[i]);
		tmpl_list_add(fix, m);
	}
	for (size_t i = 0; i < r->ncheck; i++) {
		struct tmpl_value *m = tmpl_map(d);

		tmpl_map_str(d, m, "message", r->check[i]);
		tmpl_list_add(check, m);
	}
	tmpl_map_set(root, "fix", fix);
	tmpl_map_set(root, "check", check);
	tmpl_map_bool(d, root, "has_fix", r->nfix > 0);
	tmpl_map_bool(d, root, "has_check", r->ncheck > 0);
	tmpl_map_bool(d, root, "all_good", !r->nfix && !r->ncheck);
	return root;
}

int receipt_build(const struct config *cfg, const struct receipt *r,
                  const char *to, struct buf *out, struct err *err)
{
	struct tmpl_data *d = tmpl_data_new();
	struct buf subject = BUF_INIT;
	struct letter l = {
	        .templates = "receipt-email",
	        .data = receipt_data(cfg, r, d),
	        .to_name = r->partner,
	        .to_addr = to,
	};
	int ret;

	buf_addf(&subject, "%s: %s", r->withdrawn ? "Withdrawn" : "Received",
	         r->title);
	l.subject = subject.data;
	ret = letter_build(cfg, &l, out, err);
	buf_release(&subject);
	tmpl_data_free(d);
	return ret;
}
