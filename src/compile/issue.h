#ifndef ISSUE_H
#define ISSUE_H

#include <cmark.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "diag.h"
#include "err.h"
#include "image.h"

/*
 * One contribution (a piece): Markdown with its details at the top, read
 * by contribution_load (piece.h).
 */
struct contribution {
	char *path; /* "issues/ID/slug.md" */
	char *slug; /* from the file name: contribution_slug */
	char *title, *partner, *author, *section, *type, *summary;
	char *image, *image_alt;
	long weight;
	char *start, *end, *location; /* events: "YYYY-MM-DDTHH:MM" */
	char *received;               /* optional "YYYY-MM-DD" */
	/* withdrawn: true: left out of the newsletter and the site */
	int withdrawn;
	char *withdrawn_reason; /* why (NULL when not given) */
	time_t mtime;
	/* Line of each detail (0 when absent), for messages. */
	int title_line, partner_line, section_line, type_line, image_line,
	        image_alt_line, start_line, end_line, received_line;
	int fm_line; /* first line of the details ("---") */
	char *body;  /* the Markdown text */
	int body_line;
	cmark_node *doc; /* parsed body; NULL when the file failed */
	size_t words;
	double reading_ease; /* Flesch, filled by lint */
	int ok;              /* no errors in this contribution */
};

/*
 * A picture a contribution uses: a regular file in the issue's folder,
 * read once through a descriptor that refused links, and checked by its
 * bytes. data is what compile publishes: the path is never read again.
 */
struct issue_image {
	char *name; /* as written: one file name in the issue's folder */
	char *path; /* "issues/ID/NAME" */
	char *data; /* the bytes read and checked (NULL unless ok) */
	size_t len;
	struct image_info info;
	int missing; /* no such file: reported where it is used */
	int ok;      /* a picture of the kind its name says */
};

struct issue {
	char *id;
	char *dir;  /* "issues/ID", as messages name it */
	char *path; /* the folder itself, in cfg's workspace (for opening) */
	char *title, *date, *deadline, *intro, *preheader;
	int date_line, deadline_line; /* in issue.yaml, 0 when absent */
	/* issue.yaml's topics: as "a, b", each one of bulletin.yaml's;
	 * NULL: every topic (the issue goes to everyone) */
	char *topics;
	int sample;
	struct contribution *v; /* in newsletter order once loaded */
	size_t n;
	struct issue_image *images; /* in the order first used */
	size_t nimages;
	/* Contributions marked withdrawn: true, in file name order: in no
	 * output, their pictures not read; kept for the reports. */
	struct contribution *withdrawn;
	size_t nwithdrawn;
};

/* Pictures over this width get a warning: mail is read at ~600 px. */
#define ISSUE_IMAGE_WIDE 1200
/* Pictures over this many bytes are refused outright. */
#define ISSUE_IMAGE_MAX (16 << 20)

/* Contribution types, in the order the report lists them. */
extern const char *const issue_types[4];

/*
 * Loads issues/ID/issue.yaml, every contribution and every image they
 * use. Contributions and images must be regular files in the folder
 * (links, folders, pipes and devices are refused), images must be PNG,
 * JPEG, GIF or WebP matching their names, and no text field may hold a
 * terminal control character. Problems with the
 * content go to d (all of them, one run); err is for failures to read
 * the folder at all. Contributions are ordered by the configured section
 * order, then weight, then title.
 */
int issue_load(struct issue *is, const struct config *cfg, const char *id,
               struct diags *d, struct err *err);
void issue_release(struct issue *is);

/* The image called name, or NULL when no contribution uses it. */
const struct issue_image *issue_image_find(const struct issue *is,
                                           const char *name);

/*
 * Reads one picture, name, from the issue folder dir with the checks
 * issue_load makes (a regular file in the folder, not a link; a PNG,
 * JPEG, GIF or WebP of the kind its name says), for those that use an
 * issue's pictures after compile (embedding them in messages): use the
 * bytes in im->data, never the path again. Returns 0, or -1 with a
 * message naming the file; release im with issue_image_release either way.
 */
int issue_image_read(const char *dir, const char *name, struct issue_image *im,
                     struct err *err);
void issue_image_release(struct issue_image *im);

/*
 * Whether an image address in a contribution names a file of the issue
 * (no scheme, not starting with "/"), rather than a web address.
 */
int issue_image_is_local(const char *url);

/*
 * Loads issues/ID/issue.yaml and one contribution, name ("SLUG.md"),
 * with its pictures and the checks issue_load makes: what the partner
 * form and the contribution writer check one piece with. The piece is
 * is->v[0] (is->n 1), or is->withdrawn[0] when it is marked withdrawn.
 * A name that is not a contribution's (a '/', a leading '.', not ".md")
 * is an error; a missing file is a diagnostic, as for issue_load.
 */
int issue_load_one(struct issue *is, const struct config *cfg, const char *id,
                   const char *name, struct diags *d, struct err *err);

/* Loads only issues/ID/issue.yaml of cfg's workspace (for lists). */
int issue_load_meta(struct issue *is, const struct config *cfg, const char *id,
                    struct diags *d, struct err *err);

/*
 * Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS]" (also with a space) into
 * tm (UTC fields). Returns 0 or -1. has_time says if a time was given.
 */
int issue_parse_datetime(const char *s, struct tm *tm, int *has_time);

/*
 * The moment a deadline (or a reopened-until date), "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM", passes, in Unix seconds, UTC: a date without a time
 * lasts to the end of that day. Returns 0, or -1 when s is not a date.
 * The one reading of a deadline: the lateness check, the partners' window
 * and reopen all use it.
 */
int issue_deadline_time(const char *s, int64_t *t);

/* "Thursday 21 January 2027" (+ ", 10:00" with a time); caller owns. */
char *issue_format_date(const char *s);

#endif
