#ifndef FILE_H
#define FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * Writes data to path atomically: a temporary file beside it, fsync, then
 * rename, so readers see the old or the new file and never half of one.
 * Creates missing parent folders.
 */
int file_write_atomic(const char *path, const void *data, size_t len,
                      mode_t mode, struct err *err);

/* Creates path if missing: refuses nothing, like mkdir -p. */
int file_mkdirs(const char *path, struct err *err);

/* Copies src to dst (atomically), keeping nothing but the bytes. */
int file_copy(const char *src, const char *dst, struct err *err);

/* Writes data to path only if path does not exist (O_EXCL). */
int file_create_new(const char *path, const void *data, size_t len, mode_t mode,
                    struct err *err);

#endif
