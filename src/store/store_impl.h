#ifndef STORE_IMPL_H
#define STORE_IMPL_H

/*
 * Between store.c and the store's other parts (store_send.c,
 * store_inbox.c, store_web.c): what they share and nobody outside
 * src/store/ may use. struct store itself stays in store.h, because its
 * callers own it (on their stack, as every handle in bulletin); its
 * fields are the store's, read by no other module.
 */
#include "buf.h"
#include "err.h"
#include "store.h"

/*
 * Reports the connection's last error as every part of the store words
 * it, naming the store and what failed: a damaged file ("restore it from
 * a backup"), a store another process kept busy ("try again"), or
 * SQLite's own words. Returns -1.
 */
int store_db_fail(struct store *st, const char *what, struct err *err);

/*
 * A write of the store's own: store_write_begin starts a transaction
 * unless the caller's store_begin already did; store_write_end commits
 * what it started when ret >= 0, else rolls it back, and returns ret (or
 * -1 when the commit failed). A caller's transaction is left to it.
 */
int store_write_begin(struct store *st, struct err *err);
int store_write_end(struct store *st, int ret, struct err *err);

/*
 * A statement prepared on st's connection (caller finalizes), or NULL
 * after store_db_fail(st, what, err).
 */
struct sqlite3_stmt *store_prepare(struct store *st, const char *sql,
                                   const char *what, struct err *err);

/* Column i of the current row as text ("" for NULL); caller owns. */
char *store_column_text(struct sqlite3_stmt *s, int i);

/* Whether an SQLite result code says the file is damaged. */
int store_is_damage(int code);

/*
 * What the inbox holds about a subscriber, for store_data_json: appends
 * ",\n  \"soft_bounces\": [...],\n  \"inbox_messages\": [...]" to out.
 */
int store_inbox_data_json(struct store *st, int64_t subscriber, struct buf *out,
                          struct err *err);

/*
 * What the partner registry holds about an address, for
 * store_data_json: appends ",\n  \"partner_contact_of\": [NAMES]" (the
 * partners it is a contact of).
 */
int store_partner_data_json(struct store *st, const char *email,
                            struct buf *out, struct err *err);
int store_add_event(struct store *st, int64_t id, int old_status,
                    enum store_status new_status, const char *source,
                    const char *detail, struct err *err);
int store_change_status(struct store *st, int64_t id, int old_status,
                        enum store_status status, const char *source,
                        const char *detail, struct err *err);
/* Sets name, organisation (NULL: kept) and topics (0: kept) of cur. */
int store_set_details(struct store *st, const struct store_subscriber *cur,
                      const char *name, const char *organisation,
                      int64_t topics, struct err *err);
/* The subscriber with id: 1 (out filled, release it), 0 none, -1. */
int store_find_id(struct store *st, int64_t id, struct store_subscriber *out,
                  struct err *err);
/* Secrets of TOKEN_LEN compared in time independent of the data. */
int store_same_secret(const char *a, const char *b);

#endif
