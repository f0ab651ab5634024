#ifndef RENDER_H
#define RENDER_H

#include "buf.h"
#include "config.h"
#include "err.h"
#include "issue.h"
#include "linktable.h"

/*
 * An issue model + Mustache templates -> the newsletter (email HTML and
 * text) and the issue's web page (the rest of the site is site.c's).
 *
 * Templates come from the workspace's templates/ folder, falling back to
 * the built-in defaults for any that are missing.
 *
 * Per-subscriber fields cannot be known at compile time, so the email
 * outputs hold these markers where the templates use {{subscriber.*}};
 * the sender replaces them per recipient (render_personalise).
 */
#define RENDER_MARK_NAME        "[[bulletin:name]]"
#define RENDER_MARK_EMAIL       "[[bulletin:email]]"
#define RENDER_MARK_UNSUBSCRIBE "[[bulletin:unsubscribe_url]]"
#define RENDER_MARK_PREFERENCES "[[bulletin:preferences_url]]"
/* "Hello Name," or "Hello," when the name is not known. */
#define RENDER_MARK_GREETING "[[bulletin:greeting]]"

/* One subscriber's values for the markers. */
struct render_fields {
	const char *name; /* "" when not known */
	const char *email;
	const char *unsubscribe_url;
	const char *preferences_url; /* the page to change topics, or leave */
};

/*
 * A compiled output cut at its markers once, so that each recipient's
 * copy is a few memcpy calls (sending runs at thousands a second).
 */
struct render_split {
	struct render_piece {
		const char *text; /* borrowed from the compiled output */
		size_t len;
		int field; /* the marker after the text; -1 after the last */
	} * v;
	size_t n;
};

/* Cuts text (borrowed: it must outlive s) at every marker. */
void render_split_init(struct render_split *s, const char *text, size_t len);
void render_split_release(struct render_split *s);
/* Appends the copy for one recipient; html escapes the values. */
void render_personalise(const struct render_split *s,
                        const struct render_fields *f, int html,
                        struct buf *out);
/* Appends the value of one marker (a piece's field; -1: nothing). */
void render_field(const struct render_fields *f, int field, int html,
                  struct buf *out);

struct render_output {
	struct buf email_html, email_txt;
	/* With tracking.clicks: every link of the email, numbered (the
	 * email points at BASE_URL/r/ISSUE/N); empty otherwise. */
	struct linktable links;
};

void render_output_release(struct render_output *o);

/*
 * The address a link numbered n of issue id is written as with
 * tracking.clicks: BASE_URL/r/ID/N.
 */
void render_click_url(const struct config *cfg, const char *id, size_t n,
                      struct buf *out);

/* Renders one issue (which must have loaded without errors). */
int render_issue(const struct issue *is, const struct config *cfg,
                 struct render_output *out, struct err *err);

/*
 * Renders an issue's web page with the template name ("site/issue.html"):
 * the data the email gets but the subscriber's, images and calendar
 * files by relative address, and "root", the way from the page to the
 * site's top folder ("../../").
 */
int render_issue_page(const struct issue *is, const struct config *cfg,
                      const char *name, const char *root, struct buf *out,
                      struct err *err);

/*
 * Renders a template by name (e.g. "contributing.md") with data, for
 * the other pages bulletin writes (partners' guide, web pages, the
 * confirmation email): cfg's workspace's templates/NAME.mustache, else
 * the built-in one, and partials the same way.
 */
struct tmpl_value;
int render_template(const struct config *cfg, const char *name,
                    const struct tmpl_value *data, int html, struct buf *out,
                    struct err *err);

/*
 * The newsletter's sections as a template list of {key, title}, in
 * their order, for the pages and emails that name them (allocated in d).
 */
struct tmpl_data;
struct tmpl_value *render_sections(const struct config *cfg,
                                   struct tmpl_data *d);

/*
 * The data one article gets in the templates (title, byline, summary,
 * when, location, image_url, body_html, ...), as the email (for_email)
 * or the web page has it: for previewing one piece as it will look.
 */
struct tmpl_value *render_article(struct tmpl_data *d,
                                  const struct contribution *c,
                                  const struct config *cfg, const char *id,
                                  int for_email);

/*
 * Appends s wrapped at width columns (UTF-8 aware): the first line starts
 * with first, later ones with indent; every line ends in "\n". A word
 * longer than the width gets a line of its own.
 */
void render_wrap(const char *s, int width, const char *first,
                 const char *indent, struct buf *out);

/* The web address of an issue's archive page ("BASE/issues/ID/"). */
void render_issue_url(const struct config *cfg, const char *id,
                      struct buf *out);

#endif
