#ifndef FILE_H
#define FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

enum {
	/* fsync before the rename: the new content survives a power cut.
	 * Outputs that can be rebuilt from their sources skip it. */
	FILE_DURABLE = 1,
};

/*
 * Writes data to path atomically: a temporary file beside it, then
 * rename, so readers see the old or the new file and never half of one.
 * Creates missing parent folders. flags: FILE_DURABLE.
 */
int file_write_atomic(const char *path, const void *data, size_t len,
                      mode_t mode, int flags, struct err *err);

/* Creates path if missing: refuses nothing, like mkdir -p. */
int file_mkdirs(const char *path, struct err *err);

/* Copies src to dst (atomically, not durably), keeping nothing but the
 * bytes; a dst that already holds the same bytes is left alone. */
int file_copy(const char *src, const char *dst, struct err *err);

/* Writes data to path only if path does not exist (O_EXCL). */
int file_create_new(const char *path, const void *data, size_t len, mode_t mode,
                    struct err *err);

#endif
