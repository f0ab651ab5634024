#ifndef CONTRIBUTION_H
#define CONTRIBUTION_H

#include <stddef.h>

#include "config.h"
#include "diag.h"
#include "issue.h"
#include "yamldoc.h"

/*
 * One piece (a contribution) from its bytes: the encoding its editor
 * used turned into UTF-8, the details at the top read and checked, the
 * Markdown below them parsed. The same code serves a file dropped in an
 * issue's folder (issue_load) and a piece written in the partner's form.
 */

/*
 * THE ENTRY POINT FOR CHECKING ONE PIECE FROM MEMORY (the contribution
 * form calls this, and scripts/bench contribute measures it).
 *
 * Runs every check the compiler runs on a contribution that needs no
 * file besides the piece itself: the encoding, the details at the top
 * (fields, section, type, event times, picture description), the text
 * (empty, control characters, headings, links, picture descriptions,
 * length, reading ease). Picture files are not read: the form checks an
 * upload with image_probe, issue_load the folder's files.
 *
 * path names the piece in messages, as the partner knows it
 * ("issues/2027-01/our-news.md"); its file name (without the folder and
 * the extension .md, .markdown or .txt) becomes c->slug. is, when not
 * NULL, is the issue it belongs to (its pictures already read are used
 * for the size checks). data is borrowed. Problems go to d, in the
 * partner's words, with the line and column in the piece. c is filled
 * (caller owns: contribution_release) so that a caller can show a preview from
 * c->doc; c->doc is NULL when the piece could not be read at all.
 */
void contribution_check(const struct config *cfg, const struct issue *is,
                        const char *path, const char *data, size_t len,
                        struct contribution *c, struct diags *d);

/*
 * The reading part of contribution_check, without the plain-English and
 * accessibility checks (lint): c->path must be set; the rest of c is
 * filled from data. issue_load calls this for each file.
 */
void contribution_load(struct contribution *c, const struct config *cfg,
                       const char *data, size_t len, struct diags *d);

/*
 * Copies the scalar v into *dst (replacing it), trimmed, with any
 * control character shown as U+FFFD and reported in d as an error naming
 * field; *line (when not NULL) gets v's line. For issue.yaml too.
 */
void contribution_take(struct yamldoc *y, yaml_node_t *v, char **dst, int *line,
                       const char *file, const char *field, struct diags *d);

/* Frees what c holds and zeroes it. */
void contribution_release(struct contribution *c);

/*
 * Whether name is a piece by its name: ends in .md, .markdown or .txt
 * (any case), is not hidden and is not a guide bulletin writes
 * (CONTRIBUTING.md, README.md). Returns the length of the extension
 * with its dot, or 0.
 */
size_t contribution_name_ext(const char *name);

/*
 * The slug of a piece's file name (its web page anchor, its calendar
 * file): the name without its extension (a piece's, or .docx: the piece
 * made from a Word file), every run of characters other than ASCII
 * letters, digits, '-' and '_' made one '-' ("Big Photo Story.MD" gives
 * "Big-Photo-Story"; a name that was already safe is unchanged, so
 * published addresses stay as they were). Caller owns.
 */
char *contribution_slug(const char *name);

#endif
