#ifndef ISSUECACHE_H
#define ISSUECACHE_H

#include "config.h"
#include "diag.h"
#include "err.h"
#include "inputs.h"
#include "issue.h"

/*
 * What an issue's files say, kept between looks by a long-running
 * process (the desk) so that a page costs a few stats, not a compile:
 * its inputs now (inputs_collect), its build/inputs (inputs_read), and
 * the issue loaded and checked (issue_load, lint_issue). Each is read
 * again as soon as a stat record of a file it came from differs
 * (inputs_stat_record: the issue's files and folder, the templates,
 * build/inputs), so a change made anywhere (the shell, the partner
 * form, an editor) shows at the next look; nothing needs telling. A
 * file changed too recently for its record to prove anything (racy)
 * is read again each time until it settles.
 *
 * Every function takes the cache or NULL (then it reads, keeping
 * nothing), and may be called from any thread. One cache serves one
 * workspace and one cfg.
 */

/* Files changed this recently are not trusted to their stat records
 * (the kernel's file times move in ticks; 2 s as site.c's digest). */
#define ISSUECACHE_RACY_NS 2000000000LL

struct issuecache;

/*
 * racy_ns: a file changed less than this before a look is read again at
 * the next (ISSUECACHE_RACY_NS; tests give 0 to see the cache at work
 * on files just written). Caller frees with issuecache_free.
 */
struct issuecache *issuecache_new(long long racy_ns);
void issuecache_free(struct issuecache *c);

/* As inputs_collect (now initialised by this call). */
int issuecache_inputs(struct issuecache *c, const struct config *cfg,
                      const char *id, struct inputs *now, struct err *err);

/* As inputs_read: 1 found, 0 never compiled, -1 with err. */
int issuecache_built(struct issuecache *c, const struct config *cfg,
                     const char *id, struct inputs *built, long long *when,
                     struct err *err);

/*
 * For a cache of what is worked out from these (issuelist's rows):
 * appends to stamp the stat records of everything the three above read
 * of issue id (its folder and files, build/inputs). Equal stamps, neither
 * racy, mean the same files. -1 with err when the folder cannot be read.
 */
int issuecache_stamp(struct issuecache *c, const struct config *cfg,
                     const char *id, struct buf *stamp, int *racy,
                     struct err *err);
/* The same for the templates every issue shares (racy: not read yet). */
void issuecache_shared_stamp(struct issuecache *c, const struct config *cfg,
                             struct buf *stamp, int *racy);

/*
 * Cheaper still for many issues at once: issue id's folder, every folder
 * and file in it (build/ too; a link's target) watched by the kernel
 * (inotify), so that nothing needs looking at until something changes.
 * Returns how many changes have been seen to them so far: while it
 * returns the same number, nothing was changed since (a change made
 * after the call that returned it shows at the next). -1 when they cannot
 * all be watched (no inotify, the kernel's limit): use issuecache_stamp.
 * Writes through a shared memory mapping are not seen (no editor saves
 * that way).
 */
long long issuecache_watch(struct issuecache *c, const struct config *cfg,
                           const char *id);

/* The issue loaded and checked, as the desk and `bulletin issues` show
 * it. Shared and read-only: nobody changes it. */
struct issuecache_view {
	int loaded;     /* issue_load worked: is and d are filled */
	struct err err; /* why not, when not loaded */
	struct issue is;
	struct diags d; /* issue_load's and lint_issue's, sorted */
	int refs;       /* the cache's own */
};

/* The view of issue id (never NULL); give it back with issuecache_put. */
const struct issuecache_view *
issuecache_view(struct issuecache *c, const struct config *cfg, const char *id);
void issuecache_put(struct issuecache *c, const struct issuecache_view *v);

#endif
