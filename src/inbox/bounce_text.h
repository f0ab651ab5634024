#ifndef BOUNCE_TEXT_H
#define BOUNCE_TEXT_H

/*
 * Inside the bounce module: reading the human-readable side of reports
 * (bounce_text.c) and the helpers bounce.c shares with it. Not for use
 * outside src/bounce*.c.
 */
#include <stddef.h>

#include "bounce.h"

/* Recipients and mentioned addresses kept per message, at most. */
#define BOUNCE_MAX_RCPTS     256
#define BOUNCE_MAX_MENTIONED 32

/*
 * The length of the addr-spec starting exactly at p (before end): a
 * dot-atom local part, '@', a domain with a dot and a letter in its last
 * label. 0 when there is none.
 */
size_t bounce_addr_at(const char *p, const char *end);

/*
 * The first address in s[0..n) at or after *pos: its start in *start and
 * length returned (0 when none); *pos moves past it.
 */
size_t bounce_addr_next(const char *s, size_t n, size_t *pos,
                        const char **start);

/*
 * Adds addr[0..n) as a recipient, or returns the one already there with
 * the same address ignoring case. NULL when the address is not plausible
 * or the list is full. The list never moves: room for BOUNCE_MAX_RCPTS is
 * made at the first, so pointers into it stay valid.
 */
struct bounce_rcpt *bounce_add_rcpt(struct bounce *b, const char *addr,
                                    size_t n);
/* The recipient with addr[0..n) ignoring case, or NULL. */
struct bounce_rcpt *bounce_rcpt_lookup(struct bounce *b, const char *addr,
                                       size_t n);
/*
 * Adds addr[0..n) to the mentioned addresses unless it is a recipient or
 * there already.
 */
void bounce_add_mentioned(struct bounce *b, const char *addr, size_t n);

/* The enhanced status code in s, else an SMTP reply code, else "". */
void bounce_status_find(const char *s, char out[12]);

/*
 * Sets r's kind, policy and mailbox_full from its action, status and
 * diagnostic (text, if not NULL, is judged when the diagnostic is empty).
 */
void bounce_rcpt_judge(struct bounce_rcpt *r, const char *text);

/* Whether lower-cased text s says the delivery is only delayed. */
int bounce_says_delay(const char *s);

/*
 * Reads the text of a report (the body of a plain-text bounce, or the
 * readable parts of a MIME one): recipients from the address lists that
 * servers write after phrases like "the following addresses failed",
 * with what was said about each. daemon tells whether the sender looks
 * like a mail system (MAILER-DAEMON, an empty Return-Path, a failure
 * subject), which lets bare "<addr>:" lines count. Returns 1 when the
 * text reads as a delivery failure, 2 as a delay, else 0; *cut receives where
 * a returned message quoted in the text begins (len when none), and
 * b->reason names the phrase that decided.
 */
int bounce_text_scan(struct bounce *b, const char *text, size_t len,
                     const char *subject, int daemon, size_t *cut);

/*
 * The looser shapes of a mail system's report that names its recipient
 * without a list phrase, read in text[0..len) (the report, above the
 * returned message): the address alone on its line ("<addr>"), after a
 * label ("Recipient: <addr>", "RCPT TO:<addr>", "Unknown user: addr"), or
 * on a line that, with the next, says what failed ("addr - no such user
 * here"). Header lines (From:, To:, ...) and the addresses in own (the
 * report's own From and To) are never taken. Only for a message a mail
 * system sent. Returns 1 when it took a recipient of a failure, 2 of a
 * delay, else 0.
 */
int bounce_text_loose(struct bounce *b, const char *text, size_t len,
                      const char *own, const char *subject);

/*
 * Amazon SES's notification of a bounce or complaint, mailed as JSON
 * (through SNS, with its quotes escaped or not): a text that starts with
 * '{' and names "notificationType". Takes the bouncedRecipients (hard
 * when the bounceType is Permanent, else soft) or complainedRecipients
 * and returns the class; BOUNCE_OTHER when text is not one.
 */
enum bounce_class bounce_text_ses(struct bounce *b, const char *text,
                                  size_t len);

/*
 * The phrase by which lower-cased s reads as a challenge-response
 * request (the sender is asked to confirm before delivery: the address
 * is good), or NULL.
 */
const char *bounce_says_challenge(const char *s);

/*
 * How much of text[0..len) is the report: up to the line where a
 * returned message quoted in it begins (as bounce_text_scan's cut).
 */
size_t bounce_text_report_len(const char *text, size_t len);

/*
 * AOL lists its members by screen name alone under "the following
 * recipients": each such name in text[0..len) becomes name@domain.
 * Returns how many were taken.
 */
size_t bounce_text_screen_names(struct bounce *b, const char *text, size_t len,
                                const char *domain);

/* Whether lower-cased subject s reads as an auto-reply. */
int bounce_subject_autoreply(const char *s);
/* Whether lower-cased subject s reads as a delivery failure report. */
int bounce_subject_failure(const char *s);

#endif
