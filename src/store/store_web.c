#include "store_web.h"

#include <sqlite3.h>

#include "banned.h"

int store_web_defer_checkpoints(struct store *st, struct err *err)
{
	if (sqlite3_wal_autocheckpoint(st->db, 0) != SQLITE_OK)
		return err_set(err, "store %s: cannot defer checkpoints: %s",
		               st->path, sqlite3_errmsg(st->db));
	return 0;
}

int store_web_checkpoint(struct store *st, int *log_pages, struct err *err)
{
	int log = 0, copied = 0;
	int rc = sqlite3_wal_checkpoint_v2(
	        st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);

	/* Busy: another checkpoint is running; this one is not needed. */
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return err_set(err, "store %s: checkpoint failed: %s", st->path,
		               sqlite3_errmsg(st->db));
	if (log_pages)
		*log_pages = log;
	return 0;
}
