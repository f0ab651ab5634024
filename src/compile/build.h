#ifndef BUILD_H
#define BUILD_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "err.h"

/*
 * Compiling an issue, whoever asks (`bulletin compile`, the desk): its
 * inputs collected first, the issue loaded and checked (lint), the report
 * made, and, when nothing stops it, build/email.html, email.txt,
 * report.txt, report.json, preview.html and, last, build/inputs written.
 * Who compiled is the caller's to record (store_issue_event "compiled",
 * with the digest of build_result.digest).
 */

struct build_result {
	size_t pieces, errors, warnings;
	int written;     /* the build was written (no errors, or not strict) */
	char digest[65]; /* of the inputs (written builds) */
	struct buf json; /* the report as JSON (report_json) */
};

void build_result_release(struct build_result *r);

/*
 * Compiles issue id. Problems in its files go to d (sorted); warnings
 * stop it only when strict. Returns 0 (r filled: see r->written), or -1
 * with err when it could not be read or written at all.
 */
int build_issue(const struct config *cfg, const char *id, int strict,
                struct diags *d, struct build_result *r, struct err *err);

#endif
