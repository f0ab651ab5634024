#ifndef INPUTS_H
#define INPUTS_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "sha256.h"

/*
 * What shapes an issue's messages, by content: the SHA-256 of every file
 * in the issue's folder (its contributions, pictures and issue.yaml;
 * not build/, not hidden files or editor backups ending in '~'), of
 * each email template the messages use (the workspace's, or the built-in
 * one it falls back to: the partials they include are found by their
 * {{> name}} tags), and of the settings in bulletin.yaml that reach the
 * message (the newsletter's name, sender, addresses, language, footer,
 * sections, embedded pictures and the unsubscribe address).
 *
 * The list is the manifest: one line per input, "HEX  NAME", sorted by
 * name, written by compile to issues/ID/build/inputs. Its digest (the
 * SHA-256 of those lines) is what an approval records. Timestamps play no
 * part: content decides.
 */

/* The name of the entry standing for bulletin.yaml's settings. */
#define INPUTS_SETTINGS "bulletin.yaml (newsletter and sections)"

struct inputs_entry {
	char *name; /* a path from the workspace root, or INPUTS_SETTINGS */
	char hex[SHA256_LEN * 2 + 1];
};

struct inputs {
	struct inputs_entry *v; /* sorted by name */
	size_t n;
};

enum inputs_change_kind {
	INPUTS_CHANGED,
	INPUTS_ADDED,
	INPUTS_REMOVED,
};

struct inputs_change {
	const char *name; /* borrowed from one of the two lists compared */
	enum inputs_change_kind kind;
};

void inputs_init(struct inputs *in);
void inputs_release(struct inputs *in);

/*
 * Reads what issue id is made of now into in (initialised by this
 * call). Returns 0, or -1 with err when a file cannot be read.
 */
int inputs_collect(struct inputs *in, const struct config *cfg, const char *id,
                   struct err *err);

/*
 * inputs_collect in its parts, for a cache (issuecache): the issue's own
 * files, then the templates and settings every issue shares, then the
 * order of a manifest.
 */
/* The issue's files by content into in (initialised by this call). */
int inputs_collect_issue(struct inputs *in, const struct config *cfg,
                         const char *id, struct err *err);
/*
 * Adds the email templates and the settings. With looked, *looked
 * (caller frees each and the array) gets the name of every template
 * looked for (found in the workspace, built in, or nowhere: "email.html"
 * is templates/email.html.mustache), *nlooked how many.
 */
void inputs_collect_shared(struct inputs *in, const struct config *cfg,
                           char ***looked, size_t *nlooked);
void inputs_sort(struct inputs *in);

/*
 * Stat records, to tell cheaply that files may have changed, as git's
 * index does: the name, then size, inode, device, mode and both times
 * (any write changes the ctime, which no one sets by hand). Two equal
 * records mean the file is as it was, unless it changed within the
 * clock's resolution of being looked at: *racy is set when a time is at
 * or after since (nanoseconds since the epoch), and then the record
 * proves nothing.
 */
/* Appends path's record ("-ERRNO" when it cannot be looked at). */
void inputs_stat_record(const char *path, struct buf *rec, long long since,
                        int *racy);
/* Appends the record of every file inputs_collect_issue reads. */
int inputs_stat_issue(const struct config *cfg, const char *id, struct buf *rec,
                      long long since, int *racy, struct err *err);

/* Appends the manifest: one "HEX  NAME\n" line per entry. */
void inputs_format(const struct inputs *in, struct buf *out);

/*
 * Parses a manifest (lines starting '#' are comments) into in
 * (initialised by this call); name is used in messages.
 */
int inputs_parse(struct inputs *in, const char *text, size_t len,
                 const char *name, struct err *err);

/* The digest of the whole list (hex, NUL-terminated). */
void inputs_digest(const struct inputs *in, char hex[SHA256_LEN * 2 + 1]);

/*
 * Writes issues/ID/build/inputs: a comment saying what it is, then the
 * manifest. The same inputs give the same bytes.
 */
int inputs_write(const struct inputs *in, const struct config *cfg,
                 const char *id, struct err *err);

/*
 * Reads issues/ID/build/inputs: 1 (fills in, and *when with the file's
 * modification time, for messages only), 0 when the issue was never
 * compiled, -1 with err.
 */
int inputs_read(struct inputs *in, const struct config *cfg, const char *id,
                long long *when, struct err *err);

/*
 * What differs between was and now, by name: every entry changed, added
 * (in now only) or removed (in was only), in name order. Returns how many;
 * *out (caller frees; NULL when none) borrows names from was and now.
 */
size_t inputs_compare(const struct inputs *was, const struct inputs *now,
                      struct inputs_change **out);

/* "changed", "was added", "was removed". */
const char *inputs_change_verb(enum inputs_change_kind kind);

#endif
