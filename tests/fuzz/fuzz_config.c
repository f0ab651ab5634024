/* bulletin.yaml: any bytes give a config or a message, never a crash. */
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	struct err err = ERR_INIT;

	config_init(&cfg);
	if (config_parse(&cfg, (const char *)data, size, "fuzz.yaml", &err) ==
	    0) {
		/* A loaded config always has what the program relies on. */
		if (!cfg.from_addr || !strchr(cfg.from_addr, '@') ||
		    !cfg.nsections || !cfg.ntransports)
			__builtin_trap();
	} else if (!err.set) {
		__builtin_trap();
	}
	config_release(&cfg);
	err_release(&err);
	return 0;
}
