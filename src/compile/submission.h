#ifndef SUBMISSION_H
#define SUBMISSION_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "diag.h"
#include "err.h"
#include "image.h"
#include "issue.h"

/*
 * Writing one contribution ("piece") from its fields, for those who do
 * not write the file themselves: the partner form in `bulletin serve`
 * and contributions by email. The file is issues/ID/SLUG.md with the
 * details at the top generated (every value double-quoted and escaped,
 * so a title holding ": ", quotes, '#', a leading '-', '&', '*', '!' or
 * a line break reads back exactly) and the text below as given, and the
 * picture, if any, beside it under a generated name.
 *
 * Saving is atomic and durable: each file is written to a temporary
 * file, flushed and renamed (a new piece is linked, so two writers never
 * take the same name), then the folder is flushed; a crash at any point
 * leaves the previous version whole. A new picture gets a fresh name, so
 * the old text never points at new bytes. The version replaced, and a
 * picture replaced or removed, move to issues/ID/.history/ (the compiler,
 * the inputs manifest and the site skip names starting with '.').
 *
 * Saves of one piece must not run at once within one process (the web
 * endpoint holds a lock); separate processes are safe.
 */

/* The fields of a piece: borrowed UTF-8; NULL or "" when not given. */
struct submission {
	const char *title, *partner, *author, *section, *type, *summary;
	const char *image_alt;
	const char *start, *end, *location; /* events: "YYYY-MM-DDTHH:MM" */
	const char *received; /* "YYYY-MM-DD"; NULL: today on a new piece */
	long weight;          /* 0: not written */
	int withdrawn;
	const char *withdrawn_reason;
	const char *body; /* the Markdown text, written as given */
	/* Set: the issue's folder is not flushed after the save (its files
	 * are); the caller flushes it before counting the save as done (the
	 * inbox, once for a batch of mails). */
	int folder_flushed_by_caller;
};

/* What happens to the picture of a piece being saved. */
enum submission_image_change {
	SUBMISSION_IMAGE_KEEP,    /* the one it has, if any */
	SUBMISSION_IMAGE_REPLACE, /* data: a new one (or the first) */
	SUBMISSION_IMAGE_REMOVE,  /* none any more */
};

struct submission_image {
	enum submission_image_change change;
	const void *data; /* borrowed; REPLACE */
	size_t len;
};

/* Pictures larger than this are refused unless the caller says. */
#define SUBMISSION_IMAGE_MAX_DEFAULT (5u << 20)

/* What a save did. Strings are the caller's (submission_saved_release). */
struct submission_saved {
	char *slug;                   /* "flying-start" */
	char *path;                   /* "issues/ID/flying-start.md" */
	char *image;                  /* the picture's file name now, or NULL */
	struct image_info image_info; /* of a picture saved now */
	int created;                  /* a new piece */
	int withdrawn;                /* saved marked withdrawn */
	char *history; /* the replaced version, "issues/ID/.history/..." */
};

void submission_saved_release(struct submission_saved *s);

/*
 * Appends the whole file for p to out: "---", the details, "---", the
 * text. image is the picture's file name (NULL: none). Text fields have
 * CRLF and lone CR turned into LF and, but for the body, spaces and line
 * breaks at their ends removed (the compiler removes them when reading).
 * Returns 0, or -1 with err naming the field for a NUL byte or text that
 * is not UTF-8.
 */
int submission_text(const struct submission *p, const char *image,
                    struct buf *out, struct err *err);

/*
 * Appends a file name stem for title: lower-case ASCII letters and
 * digits, anything else one '-', at most 60 characters; "piece" when
 * nothing is left.
 */
void submission_slug(const char *title, struct buf *out);

/*
 * Checks an uploaded picture by its bytes: at most max bytes, a PNG,
 * JPEG, GIF or WebP (SVG refused). Returns 0 with *info filled, or -1
 * with err in a partner's words.
 */
int submission_check_image(const void *data, size_t len, size_t max,
                           struct image_info *info, struct err *err);

/*
 * Saves p in issue id of cfg's workspace: a new piece when slug is NULL
 * (its name from the title, unique in the issue folder), else the piece
 * slug, which must exist. img says what happens to its picture (NULL:
 * keep); a new picture is checked with submission_check_image(max). A new
 * piece with no received date gets today's; an existing one keeps the
 * date it had when p->received is NULL. Returns 0 with *out filled, or
 * -1 with err set and nothing changed.
 */
int submission_save(const struct config *cfg, const char *id, const char *slug,
                    const struct submission *p,
                    const struct submission_image *img, size_t max,
                    struct submission_saved *out, struct err *err);

/*
 * Marks the piece slug withdrawn (kept in the folder, left out of the
 * newsletter and the site), with reason. Returns 0 or -1 as submission_save.
 */
int submission_withdraw(const struct config *cfg, const char *id,
                        const char *slug, const char *reason,
                        struct submission_saved *out, struct err *err);

/*
 * Fills p with the fields of a loaded contribution c (borrowed from c),
 * to save it again changed.
 */
void submission_from_contribution(struct submission *p,
                                  const struct contribution *c);

/*
 * Loads the piece slug with the compiler's checks (issue_load_one, then
 * lint_issue): its problems in d, the piece in is (release it with
 * issue_release). Returns 1 when the piece exists, 0 when it does not
 * (nothing in d about it), -1 with err set.
 */
int submission_check(const struct config *cfg, const char *id, const char *slug,
                     struct issue *is, struct diags *d, struct err *err);

/*
 * Records a save in the store as an event of issue id ("piece-added",
 * "piece-changed" or "piece-withdrawn", the path as its detail) by who.
 */
struct store;
int submission_record(struct store *st, const char *id,
                      const struct submission_saved *s, const char *who,
                      struct err *err);

/*
 * The partner a contribution's text names in its details (the 'partner'
 * field), appended to out: 1 when there is one, 0 when not (no details,
 * details that do not read, no such field). Reads nothing else, for
 * finding a partner's pieces among many quickly.
 */
int submission_partner(const char *text, size_t len, struct buf *out);

/* The loaded piece in is (withdrawn or not), or NULL. */
const struct contribution *submission_of(const struct issue *is);

#endif
