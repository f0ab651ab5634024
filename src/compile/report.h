#ifndef REPORT_H
#define REPORT_H

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "issue.h"

/*
 * The compile report for the comms officer: one row per contribution
 * (partner, title, section, type, words, reading ease, warnings), the
 * sections nobody wrote for, totals, and every diagnostic.
 */
void report_text(const struct issue *is, const struct config *cfg,
                 const struct diags *d, int strict, struct buf *out);
void report_json(const struct issue *is, const struct config *cfg,
                 const struct diags *d, int strict, struct buf *out);

#endif
