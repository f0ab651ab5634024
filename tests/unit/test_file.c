#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"

static char root[] = "/tmp/bulletin-file.XXXXXX";

static void put(const char *name, const char *text)
{
	struct buf p = BUF_INIT;
	struct err err = ERR_INIT;

	buf_addf(&p, "%s/%s", root, name);
	CHECK(file_write_atomic(p.data, text, strlen(text), 0600, 0, &err) ==
	      0);
	buf_release(&p);
	err_release(&err);
}

static void test_open_regular(int dfd)
{
	struct stat st;
	struct buf b = BUF_INIT;
	int fd;

	put("plain.txt", "hello");
	put("secret.db", "the store");
	CHECK(symlinkat("secret.db", dfd, "link.png") == 0);
	CHECK(symlinkat("/nonexistent", dfd, "dangling.png") == 0);
	CHECK(mkfifoat(dfd, "pipe.png", 0600) == 0);
	CHECK(mkdirat(dfd, "folder.png", 0700) == 0);

	fd = file_open_regular(dfd, "plain.txt", &st);
	CHECK(fd >= 0 && S_ISREG(st.st_mode) && st.st_size == 5);
	CHECK(file_read_fd(fd, &b, 100) == 0);
	CHECK_STR(b.data, "hello");
	close(fd);

	errno = 0;
	CHECK(file_open_regular(dfd, "link.png", &st) < 0);
	CHECK(errno == ELOOP && S_ISLNK(st.st_mode));
	CHECK(file_open_regular(dfd, "dangling.png", &st) < 0);
	CHECK(errno == ELOOP && S_ISLNK(st.st_mode));
	/* A pipe is refused without waiting for a writer. */
	CHECK(file_open_regular(dfd, "pipe.png", &st) < 0);
	CHECK(errno == EINVAL && S_ISFIFO(st.st_mode));
	CHECK(file_open_regular(dfd, "folder.png", &st) < 0);
	CHECK(errno == EISDIR && S_ISDIR(st.st_mode));
	CHECK(file_open_regular(dfd, "nothere.png", &st) < 0);
	CHECK(errno == ENOENT && st.st_mode == 0);
	/* A device, by absolute name (a dirfd is ignored then). */
	CHECK(file_open_regular(dfd, "/dev/null", &st) < 0);
	CHECK(errno == EINVAL && S_ISCHR(st.st_mode));
	buf_release(&b);
}

static void test_read_fd_limit(int dfd)
{
	struct buf b = BUF_INIT;
	struct stat st;
	int fd;

	put("ten.txt", "0123456789");
	fd = file_open_regular(dfd, "ten.txt", &st);
	CHECK(fd >= 0);
	buf_adds(&b, "kept");
	CHECK(file_read_fd(fd, &b, 9) < 0 && errno == EFBIG);
	CHECK_STR(b.data, "kept"); /* what was there before stays */
	close(fd);
	buf_release(&b);
}

/* Open and read in one, with the same refusals and the same limit. */
static void test_read_regular(int dfd)
{
	struct buf b = BUF_INIT;
	struct stat st;

	put("five.txt", "01234");
	CHECK(file_read_regular(dfd, "five.txt", &b, 5, &st) == 0);
	CHECK_STR(b.data, "01234");
	CHECK(S_ISREG(st.st_mode) && st.st_size == 5);
	buf_reset(&b);
	CHECK(file_read_regular(dfd, "five.txt", &b, 4, &st) < 0);
	CHECK(errno == EFBIG && b.len == 0);
	CHECK(file_read_regular(dfd, "link.png", &b, 100, &st) < 0);
	CHECK(errno == ELOOP && S_ISLNK(st.st_mode));
	CHECK(file_read_regular(dfd, "nothere", &b, 100, &st) < 0);
	CHECK(errno == ENOENT && st.st_mode == 0);
	buf_release(&b);
}

static void test_publish(void)
{
	struct buf p = BUF_INIT, got = BUF_INIT, link = BUF_INIT;
	struct err err = ERR_INIT;
	struct stat st;

	buf_addf(&p, "%s/public/x/pic.png", root);
	CHECK(file_publish(p.data, "PIC", 3, &err) == 0);
	CHECK(stat(p.data, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(buf_read_file(&got, p.data, 10) == 0);
	CHECK_STR(got.data, "PIC");
	/* A link planted where the file goes is replaced, not written
	 * through. */
	buf_addf(&link, "%s/public/x/planted.png", root);
	CHECK(symlink("../../secret.db", link.data) == 0);
	CHECK(file_publish(link.data, "NEW", 3, &err) == 0);
	CHECK(lstat(link.data, &st) == 0 && S_ISREG(st.st_mode));
	/* Even when the link points at the very same bytes. */
	CHECK(unlink(link.data) == 0);
	CHECK(symlink("pic.png", link.data) == 0);
	CHECK(file_publish(link.data, "PIC", 3, &err) == 0);
	CHECK(lstat(link.data, &st) == 0 && S_ISREG(st.st_mode));
	buf_reset(&got);
	buf_reset(&p);
	buf_addf(&p, "%s/secret.db", root);
	CHECK(buf_read_file(&got, p.data, 100) == 0);
	CHECK_STR(got.data, "the store");
	buf_release(&p);
	buf_release(&got);
	buf_release(&link);
	err_release(&err);
}

int main(void)
{
	struct buf cmd = BUF_INIT;
	int dfd;

	if (!mkdtemp(root))
		return 1;
	dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	test_open_regular(dfd);
	test_read_fd_limit(dfd);
	test_read_regular(dfd);
	test_publish();
	close(dfd);
	buf_addf(&cmd, "rm -rf '%s'", root);
	if (system(cmd.data) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	buf_release(&cmd);
	return check_done();
}
