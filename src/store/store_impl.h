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

#endif
