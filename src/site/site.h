#ifndef SITE_H
#define SITE_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "store.h"

/*
 * The public site: public/ built from the published issues' sources
 * (the store says which are published), and nothing else.
 *
 * Every page, picture, feed and calendar file is written from the
 * issues' files through issue_load and the templates in templates/site/
 * (the workspace's own, or the built-in ones); then every file under
 * public/ this build did not write is removed, but those listed in
 * bulletin.yaml's site.keep. A piece deleted or marked withdrawn, or a
 * picture no longer used, therefore leaves the site at the next build.
 *
 * Layout (canonical addresses are BASE/PATH without index.html):
 *   index.html                     home: latest issue, events, principles
 *   issues/index.html              every issue, newest first
 *   issues/ID/index.html           an issue, its pictures, SLUG.ics
 *   ID/index.html                  the old address: sends to issues/ID/
 *   case-studies/index.html        every case study, newest first
 *   case-studies/KEY/index.html    those under one principle
 *   case-studies/feed.xml          Atom
 *   sections/KEY/index.html        one principle, everything under it
 *   partners/index.html, partners/SLUG/index.html
 *   events/index.html              upcoming events, past events, news
 *   events.ics                     every upcoming event (RFC 5545)
 *   feed.xml, style.css
 *
 * The same sources, settings and now give the same bytes. A file whose
 * bytes would not change is not written again, and an issue whose files
 * (and the templates and settings) are unchanged since the last build is
 * not even read: public/.manifest keeps what each issue produced.
 */

/* What a build did, for the command to print. */
struct site_report {
	size_t issues;    /* published issues on the site */
	size_t rebuilt;   /* of those, read and rendered again */
	size_t written;   /* files written (new or changed) */
	size_t unchanged; /* files left as they were */
	char **removed;   /* "public/..." files taken away (caller releases) */
	size_t nremoved;
	char **notes; /* pieces withdrawn or left out, and why */
	size_t nnotes;
};

void site_report_release(struct site_report *rep);

/*
 * Builds public/ in cfg's workspace for the issues published in st, at
 * time now (which events are upcoming). Builds run one at a time: a
 * second waits for the first (a lock on public/). Returns 0, or -1 with
 * err set (the site may then be half updated; building again repairs it).
 */
int site_build(const struct config *cfg, struct store *st, time_t now,
               struct site_report *rep, struct err *err);

/*
 * The slug of a partner's name for its page ("Luton Council Public
 * Health" -> "luton-council-public-health"); caller owns.
 */
char *site_slug(const char *name);

#endif
