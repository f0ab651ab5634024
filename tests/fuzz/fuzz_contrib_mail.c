/*
 * libFuzzer target for the contribution mail reader: any bytes give a
 * piece or a refusal with a reason, header values stay on one line, the
 * body and details are valid UTF-8, and the HTML converter never fails
 * on the same bytes.
 */
#include <stdint.h>
#include <string.h>

#include "contrib_mail.h"
#include "html_md.h"

#include "banned.h"

static void one_line(const char *s)
{
	if (!s)
		__builtin_trap();
	for (; *s; s++)
		if ((unsigned char)*s < 32 && *s != '\t')
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct contrib_mail cm;
	struct contrib_limits lim = {size % 3 ? 0 : 64, 0};
	struct buf md = BUF_INIT;
	struct err err = ERR_INIT;

	contrib_mail_init(&cm);
	contrib_mail_parse(&cm, (const char *)data, size, &lim);
	if (cm.refusal && !cm.refusal_text.len)
		__builtin_trap();
	if (cm.refusal && cm.body.len)
		__builtin_trap();
	one_line(cm.subject);
	one_line(cm.from);
	one_line(cm.subj.title);
	one_line(cm.message_id);
	one_line(cm.references);
	for (size_t i = 0; i < cm.nimages; i++)
		if (!cm.images[i].image.width)
			__builtin_trap();
	contrib_mail_release(&cm);
	html_md_convert(&md, (const char *)data, size, &err);
	buf_release(&md);
	err_release(&err);
	return 0;
}
