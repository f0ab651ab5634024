#ifndef DOCX_H
#define DOCX_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "err.h"

/*
 * Word files (.docx) dropped in an issue's folder, made into pieces by
 * pandoc (Debian package pandoc): headings, lists, links, bold, italics
 * and pictures kept. pandoc runs without a shell (argv), in a private
 * temporary folder, with --sandbox (it reads only the file it is given),
 * a memory limit, a CPU and wall-clock timeout and a file size limit;
 * the .docx and what comes back are size limited.
 */

/* A .docx bigger than this is refused unread. */
#define DOCX_MAX (20 << 20)
/* pandoc gets this long (wall clock, seconds) before it is killed. */
#define DOCX_TIMEOUT 60

/* One picture pandoc found in a .docx, checked by its bytes. */
struct docx_picture {
	char *ref;  /* as the Markdown refers to it (pandoc's name) */
	char *ext;  /* "png", "jpg", "gif", "webp"; NULL when not a picture
	               email can show (EMF, WMF, TIFF...) */
	char *data; /* the bytes */
	size_t len;
};

struct docx {
	struct buf markdown; /* CommonMark, headings shifted one level down */
	struct docx_picture *pictures;
	size_t npictures;
};

/*
 * Converts the .docx bytes data (borrowed) into d. Returns 0, or -1 with
 * err saying, for the person who dropped the file, why not: pandoc
 * missing (and what to install), the file unreadable as Word, too big,
 * too slow. Release d either way.
 */
int docx_convert(const char *data, size_t len, struct docx *d, struct err *err);
void docx_release(struct docx *d);

/*
 * Takes every picture out of d's Markdown ("![...](ref)", with a title
 * or not), for a caller that keeps the pictures apart: a piece mailed as
 * a Word file, whose first picture becomes the piece's image and whose
 * others wait beside it for the partner to place.
 */
void docx_unplace_pictures(struct docx *d);

/*
 * Makes each .docx (any case) in issues/ID that no piece comes from yet
 * into the piece SLUG.md (SLUG from contribution_slug), its pictures beside it
 * as SLUG-1.png, SLUG-2.jpg... (checked by their bytes; pictures email
 * cannot show are left out and named), the details at the top started
 * (title from the first heading or the file name; partner and section
 * left for the partner to fill in). A piece that exists is never
 * touched. Notes and problems go to diags; returns -1 only when the
 * folder cannot be read.
 */
int docx_convert_issue(const struct config *cfg, const char *id,
                       struct diags *d, struct err *err);

#endif
