#ifndef FILE_H
#define FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"
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
/* The same for name in the open folder dirfd (or AT_FDCWD), without
 * making folders: never through a link at name. */
int file_write_atomic_at(int dirfd, const char *name, const void *data,
                         size_t len, mode_t mode, int flags, struct err *err);

/* Creates path if missing: refuses nothing, like mkdir -p. */
int file_mkdirs(const char *path, struct err *err);

/*
 * Writes data to dst as a public file (mode 0644, atomically, not
 * durably); a dst that already holds the same bytes is left alone. The
 * bytes are the caller's, already checked: nothing is read from a path
 * that could have changed since.
 */
int file_publish(const char *dst, const void *data, size_t len,
                 struct err *err);

/*
 * Opens name, a single file name in the folder dirfd, for reading only if
 * it is a regular file: a symbolic link is not followed (O_NOFOLLOW), a
 * pipe or device is never opened in a way that blocks or has effects,
 * and the type is checked again with fstat on what was opened. Returns
 * the descriptor (the caller closes it) with *st filled, or -1 with errno
 * set and st->st_mode the type found (0 when nothing was found): ELOOP
 * for a link, EISDIR for a folder, EINVAL for any other kind of file.
 */
int file_open_regular(int dirfd, const char *name, struct stat *st);

/*
 * Reads fd to its end into b (appending), refusing more than max bytes.
 * Returns 0, or -1 with errno set (EFBIG when over the limit).
 */
int file_read_fd(int fd, struct buf *b, size_t max);

/*
 * file_open_regular and file_read_fd in one: appends the regular file
 * name in dirfd to b, refusing more than max bytes. Returns 0, or -1
 * with errno set (EFBIG when over max) and st as file_open_regular
 * leaves it.
 */
int file_read_regular(int dirfd, const char *name, struct buf *b, size_t max,
                      struct stat *st);

/* Writes data to path only if path does not exist (O_EXCL). */
int file_create_new(const char *path, const void *data, size_t len, mode_t mode,
                    struct err *err);

#endif
