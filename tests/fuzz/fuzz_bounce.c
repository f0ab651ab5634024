/*
 * libFuzzer target for the bounce classifier: any bytes give a class and
 * a reason, and whatever it extracts is safe to print and store (one
 * line, no control characters, addresses with an '@').
 */
#include <stdint.h>
#include <string.h>

#include "bounce.h"

#include "banned.h"

static void one_line(const char *s)
{
	if (!s)
		__builtin_trap();
	for (; *s; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bounce_patterns pat = {
	        "bounces+{token}@news.example.org",
	        "unsubscribe+{token}@news.example.org",
	};
	struct bounce b;

	bounce_init(&b);
	bounce_classify(&b, (const char *)data, size, size % 2 ? &pat : NULL);
	if ((unsigned)b.class > BOUNCE_AUTOREPLY || !*b.reason)
		__builtin_trap();
	one_line(b.reason);
	one_line(b.message_id);
	one_line(b.subject);
	one_line(b.reporting_mta);
	one_line(b.feedback_type);
	if (b.nrcpts && b.class != BOUNCE_HARD && b.class != BOUNCE_SOFT &&
	    b.class != BOUNCE_COMPLAINT)
		__builtin_trap();
	for (size_t i = 0; i < b.nrcpts; i++) {
		const struct bounce_rcpt *r = &b.rcpts[i];

		one_line(r->addr);
		one_line(r->diagnostic);
		if (!strchr(r->addr, '@') || strlen(r->status) > 11 ||
		    bounce_find_rcpt(&b, r->addr) != r)
			__builtin_trap();
	}
	for (size_t i = 0; i < b.nmentioned; i++)
		if (!strchr(b.mentioned[i], '@'))
			__builtin_trap();
	if (b.token)
		one_line(b.token);
	/* Message-IDs looked up in the journal: bare, one word, bounded. */
	if (b.nreturned_ids > BOUNCE_MAX_RETURNED_IDS)
		__builtin_trap();
	for (size_t i = 0; i < b.nreturned_ids; i++) {
		one_line(b.returned_ids[i]);
		if (!strchr(b.returned_ids[i], '@') ||
		    strpbrk(b.returned_ids[i], "<> "))
			__builtin_trap();
	}
	bounce_release(&b);
	return 0;
}
