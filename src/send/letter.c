#include "letter.h"

#include "mime.h"
#include "render.h"
#include "banned.h"

int letter_build(const struct config *cfg, const struct letter *l,
                 struct buf *out, struct err *err)
{
	struct buf text = BUF_INIT, html = BUF_INIT, name = BUF_INIT;
	struct mime_message msg = {0};
	int ret = -1;

	buf_addf(&name, "%s.txt", l->templates);
	if (render_template(cfg, name.data, l->data, 0, &text, err) < 0)
		goto out;
	buf_reset(&name);
	buf_addf(&name, "%s.html", l->templates);
	if (render_template(cfg, name.data, l->data, 1, &html, err) < 0)
		goto out;
	msg.from_name = cfg->from_name;
	msg.from_addr = cfg->from_addr;
	msg.reply_to = *cfg->reply_to ? cfg->reply_to : NULL;
	msg.to_name = l->to_name;
	msg.to_addr = l->to_addr;
	msg.subject = l->subject;
	msg.text = (struct mime_body){text.data, text.len, 0};
	msg.html = (struct mime_body){html.data, html.len, 0};
	ret = mime_write(out, &msg, NULL, err);
out:
	buf_release(&text);
	buf_release(&html);
	buf_release(&name);
	return ret;
}
