/*
 * One piece from any bytes, as the form and issue_load check it: the
 * encoding, the details at the top, the Markdown and every check on it.
 * Whatever comes in, every message is valid UTF-8 with no control
 * character, and a piece without errors has a parsed body.
 */
#include <stdint.h>
#include <string.h>

#include "contribution.h"
#include "text.h"

static const char settings[] =
        "newsletter:\n  name: Fuzz\n  from: Fuzz <news@example.org>\n"
        "  base_url: https://example.org/\n"
        "sections:\n  - key: best-start\n    title: Give every child the "
        "best start in life\n  - key: work\n    title: Create fair "
        "employment and good work for all\n";

static int clean(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t k = text_utf8_len((const unsigned char *)s + i, n - i);

		if (!k || text_control_len(s + i, 0))
			return 0;
		i += k;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static int loaded;
	struct diags d = DIAGS_INIT;
	struct contribution c;
	struct err err = ERR_INIT;

	if (!loaded) {
		config_init(&cfg);
		if (config_parse(&cfg, settings, sizeof(settings) - 1,
		                 "fuzz.yaml", &err) < 0)
			__builtin_trap();
		loaded = 1;
	}
	contribution_check(&cfg, NULL, "issues/f/x.md", (const char *)data,
	                   size, &c, &d);
	for (size_t i = 0; i < d.n; i++)
		if (!clean(d.v[i].msg) || d.v[i].line < 0)
			__builtin_trap();
	if (c.ok && (!c.doc || !c.title || !c.partner || !c.section))
		__builtin_trap();
	contribution_release(&c);
	diags_release(&d);
	err_release(&err);
	return 0;
}
