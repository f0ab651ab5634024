#include "preview.h"

#include <string.h>

#include "render.h"
#include "banned.h"

/* Points every picture the email loads from the archive at the issue
 * folder instead. */
static void local_images(const struct config *cfg, const char *id,
                         const char *html, const char *images, struct buf *out)
{
	struct buf from = BUF_INIT;
	const char *p = html, *hit;

	buf_adds(&from, "src=\"");
	render_issue_url(cfg, id, &from);
	while ((hit = strstr(p, from.data))) {
		buf_add(out, p, (size_t)(hit - p));
		buf_adds(out, "src=\"");
		buf_add_html(out, images, strlen(images));
		p = hit + from.len;
	}
	buf_adds(out, p);
	buf_release(&from);
}

/* The line at the top of the page, just inside <body>. */
static void add_banner(const struct preview_reader *r, struct buf *out)
{
	buf_adds(out, "\n<p style=\"margin:0;padding:12px 16px;background:"
	              "#fff7bf;color:#0b0c0c;font-family:Arial,sans-serif;"
	              "font-size:16px;\">Preview: this issue as ");
	if (*r->name) {
		buf_add_html(out, r->name, strlen(r->name));
		buf_adds(out, " &lt;");
		buf_add_html(out, r->email, strlen(r->email));
		buf_adds(out, "&gt;");
	} else
		buf_add_html(out, r->email, strlen(r->email));
	buf_adds(out, " will see it. The unsubscribe and preferences links "
	              "do nothing in a preview.</p>");
}

void preview_html(const struct config *cfg, const char *id, const char *html,
                  size_t len, const struct preview_reader *r,
                  const char *images, struct buf *out)
{
	struct render_split sp;
	struct render_fields f = {r->name, r->email, "#", "#"};
	struct buf personal = BUF_INIT, page = BUF_INIT;
	const char *body, *end;

	render_split_init(&sp, html, len);
	render_personalise(&sp, &f, 1, &personal);
	render_split_release(&sp);
	local_images(cfg, id, personal.data, images, &page);
	body = strstr(page.data, "<body");
	end = body ? strchr(body, '>') : NULL;
	if (end) {
		buf_add(out, page.data, (size_t)(end + 1 - page.data));
		add_banner(r, out);
		buf_adds(out, end + 1);
	} else {
		add_banner(r, out);
		buf_add(out, page.data, page.len);
	}
	buf_release(&personal);
	buf_release(&page);
}

void preview_relative(const char *from, const char *to, struct buf *out)
{
	size_t common = 0, i;

	/* The longest shared prefix that ends at a folder boundary. */
	for (i = 0; from[i] && from[i] == to[i]; i++)
		if (from[i] == '/')
			common = i;
	/* ... or the whole of the shorter one, when the other goes on
	 * from there into a folder. */
	if ((!from[i] && (!to[i] || to[i] == '/')) ||
	    (!to[i] && from[i] == '/'))
		common = i;
	for (const char *p = from + common; *p; p++)
		if (*p == '/' && p[1])
			buf_adds(out, "../");
	if (to[common] == '/')
		common++;
	if (to[common])
		buf_addf(out, "%s/", to + common);
	if (!out->len)
		buf_adds(out, "./");
}
