#ifndef DIAG_H
#define DIAG_H

#include <stddef.h>

#include "buf.h"

/*
 * Diagnostics about user files, collected so one run reports every
 * problem: "path:line:col: error: message".
 */
/*
 * A note tells, and never stops a build, even under --strict (a file
 * converted from an older format; a file nothing uses).
 */
enum diag_level { DIAG_WARNING, DIAG_ERROR, DIAG_NOTE };

struct diag {
	enum diag_level level;
	char *file;    /* path relative to the workspace */
	int line, col; /* 1-based; 0 when the whole file is meant */
	char *code;    /* short stable id, e.g. "unknown-section" */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n, cap;
};

#define DIAGS_INIT         \
	{                  \
		NULL, 0, 0 \
	}

void diags_add(struct diags *d, enum diag_level level, const char *file,
               int line, int col, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));
void diags_release(struct diags *d);
/* Counts at a level. */
size_t diags_count(const struct diags *d, enum diag_level level);
/* Sorts by file, line, column (stable), for reproducible output. */
void diags_sort(struct diags *d);
/* "error", "warning" or "note": warnings are errors when strict. */
const char *diag_level_name(const struct diag *g, int strict);
/* Appends one diagnostic in the compiler format (with "\n"). */
void diag_format(const struct diag *g, int strict, struct buf *out);

#endif
