#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "banned.h"

int file_mkdirs(const char *path, struct err *err)
{
	struct buf p = BUF_INIT;
	int ret = -1;

	buf_adds(&p, path);
	for (size_t i = 1; i <= p.len; i++) {
		if (p.data[i] != '/' && p.data[i] != '\0')
			continue;
		char saved = p.data[i];
		p.data[i] = '\0';
		if (mkdir(p.data, 0755) < 0 && errno != EEXIST) {
			err_errno(err, "cannot create folder %s", p.data);
			goto out;
		}
		p.data[i] = saved;
	}
	ret = 0;
out:
	buf_release(&p);
	return ret;
}

static int parent_dirs(const char *path, struct err *err)
{
	const char *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	int ret = 0;

	if (slash && slash != path) {
		buf_add(&dir, path, (size_t)(slash - path));
		ret = file_mkdirs(dir.data, err);
	}
	buf_release(&dir);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_write_atomic_at(int dirfd, const char *name, const void *data,
                         size_t len, mode_t mode, int flags, struct err *err)
{
	struct buf tmp = BUF_INIT;
	int fd = -1, ret = -1;

	buf_addf(&tmp, "%s.tmp.%ld", name, (long)getpid());
	fd = openat(dirfd, tmp.data,
	            O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	            mode);
	if (fd < 0) {
		err_errno(err, "cannot write %s", name);
		goto out;
	}
	if (write_all(fd, data, len) < 0 ||
	    ((flags & FILE_DURABLE) && fsync(fd) < 0)) {
		err_errno(err, "cannot write %s", name);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_errno(err, "cannot write %s", name);
		goto out;
	}
	fd = -1;
	if (renameat(dirfd, tmp.data, dirfd, name) < 0) {
		err_errno(err, "cannot replace %s", name);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmp.len)
		unlinkat(dirfd, tmp.data, 0);
	buf_release(&tmp);
	return ret;
}

int file_write_atomic(const char *path, const void *data, size_t len,
                      mode_t mode, int flags, struct err *err)
{
	if (parent_dirs(path, err) < 0)
		return -1;
	return file_write_atomic_at(AT_FDCWD, path, data, len, mode, flags,
	                            err);
}

int file_create_new(const char *path, const void *data, size_t len, mode_t mode,
                    struct err *err)
{
	int fd, ret = -1;

	if (parent_dirs(path, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return err_errno(err, "cannot create %s", path);
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
		err_errno(err, "cannot write %s", path);
	else
		ret = 0;
	if (close(fd) < 0 && !ret)
		ret = err_errno(err, "cannot write %s", path);
	return ret;
}

int file_publish(const char *dst, const void *data, size_t len, struct err *err)
{
	struct buf old = BUF_INIT;
	struct stat st;
	int ret = 0, fd;

	/* Rewriting identical files costs more than comparing them; only a
	 * regular file counts as already there (a link is replaced). */
	fd = file_open_regular(AT_FDCWD, dst, &st);
	if (fd < 0 || (size_t)st.st_size != len ||
	    file_read_fd(fd, &old, len) < 0 || old.len != len ||
	    memcmp(old.data, data, len))
		ret = file_write_atomic(dst, data, len, 0644, 0, err);
	if (fd >= 0)
		close(fd);
	buf_release(&old);
	return ret;
}

static int refuse_type(struct stat *st, int fd)
{
	if (fd >= 0)
		close(fd);
	errno = S_ISLNK(st->st_mode)   ? ELOOP
	        : S_ISDIR(st->st_mode) ? EISDIR
	                               : EINVAL;
	return -1;
}

int file_open_regular(int dirfd, const char *name, struct stat *st)
{
	int fd;

	memset(st, 0, sizeof(*st));
	/* A first look without opening: opening a device can have effects
	 * (a tape rewinds), and opening a FIFO waits for a writer. */
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		st->st_mode = 0;
		return -1;
	}
	if (!S_ISREG(st->st_mode))
		return refuse_type(st, -1);
	/* The name may have been swapped since: O_NOFOLLOW refuses a link,
	 * O_NONBLOCK keeps a FIFO from blocking, and fstat on the open file
	 * is the answer that counts. */
	fd = openat(dirfd, name,
	            O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;

		if (saved == ELOOP)
			st->st_mode = S_IFLNK;
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode))
		return refuse_type(st, fd);
	return fd;
}

int file_read_regular(int dirfd, const char *name, struct buf *b, size_t max,
                      struct stat *st)
{
	int fd = file_open_regular(dirfd, name, st), ret = -1, saved;

	if (fd < 0)
		return -1;
	if (st->st_size > 0 && (unsigned long long)st->st_size > max)
		errno = EFBIG;
	else
		ret = file_read_fd(fd, b, max);
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

int file_read_fd(int fd, struct buf *b, size_t max)
{
	size_t start = b->len;

	for (;;) {
		ssize_t n;

		buf_grow(b, 8192);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		if (b->len - start > max) {
			buf_setlen(b, start);
			errno = EFBIG;
			return -1;
		}
	}
}
