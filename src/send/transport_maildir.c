/*
 * The Maildir transport: each message is written to DIR/tmp under a name
 * no other writer can pick, flushed to disk, then renamed into DIR/new,
 * so a reader never sees half a message and a message handed over (send
 * returned "sent") survives a crash. With group_commit the flush and the
 * rename wait for transport_conn_commit, which flushes the file system
 * once (syncfs) for all the messages waiting, then renames them: a reader
 * still sees only whole messages, and each one survives a crash from the
 * commit on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "transport_impl.h"

#include "banned.h"

struct maildir {
	char *dir;
	char host[128]; /* gethostname with '/' and ':' escaped */
	int group_commit;
};

struct maildir_conn {
	const struct maildir *md;
	int new_fd; /* DIR/new, to flush the renames */
	int tmp_fd;
	char **waiting; /* names in tmp/ until the commit (group_commit) */
	size_t nwaiting, cap;
};

/* mkdir -p: makes dir and any missing parents of the Maildir md. */
static int make_dirs(const char *dir, const char *md, struct err *err)
{
	char *path = xstrdup(dir);
	int ret = 0;

	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			ret = err_errno(err, "maildir %s: cannot create %s", md,
			                path);
			break;
		}
		*p = c;
		if (!c)
			break;
	}
	free(path);
	return ret;
}

/*
 * The host part of a Maildir name, with '/' and ':' written as \057 and
 * \072 as the Maildir convention asks (':' starts the flags).
 */
static void maildir_host(char *out, size_t size)
{
	char name[64] = "localhost";
	size_t o = 0;

	gethostname(name, sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (const char *p = name; *p && o + 5 < size; p++) {
		if (*p == '/' || *p == ':') {
			snprintf(out + o, size - o, "\\%03o", (unsigned)*p);
			o += 4;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static void maildir_release(void *impl)
{
	struct maildir *md = impl;

	free(md->dir);
	free(md);
}

static void *maildir_conn_open(struct transport *t, struct err *err)
{
	struct maildir *md = t->impl;
	struct maildir_conn *c = xcalloc(1, sizeof(*c));
	struct buf path = BUF_INIT;

	c->md = md;
	buf_addf(&path, "%s/new", md->dir);
	c->new_fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_reset(&path);
	buf_addf(&path, "%s/tmp", md->dir);
	c->tmp_fd = open(path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->new_fd < 0 || c->tmp_fd < 0) {
		err_errno(err, "maildir %s: cannot open %s", md->dir,
		          path.data);
		if (c->new_fd >= 0)
			close(c->new_fd);
		if (c->tmp_fd >= 0)
			close(c->tmp_fd);
		free(c);
		c = NULL;
	}
	buf_release(&path);
	return c;
}

static void maildir_conn_close(void *impl)
{
	struct maildir_conn *c = impl;

	for (size_t i = 0; i < c->nwaiting; i++) {
		unlinkat(c->tmp_fd, c->waiting[i], 0);
		free(c->waiting[i]);
	}
	free(c->waiting);
	close(c->new_fd);
	close(c->tmp_fd);
	free(c);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A local failure: transient, since a full disk or a permission can be
 * put right and the message sent later. */
static int fail_local(struct transport_result *res, const char *what,
                      const char *dir, const char *name)
{
	transport_set_text(res, "maildir %s: %s %s: %s", dir, what, name,
	                   strerror(errno));
	res->reason = TRANSPORT_LOCAL;
	transport_classify(res);
	return -1;
}

static int maildir_send(void *impl, const char *envelope_from, const char *rcpt,
                        const char *msg, size_t len,
                        struct transport_result *res)
{
	struct maildir_conn *c = impl;
	const char *dir = c->md->dir;
	unsigned long long rnd = 0;
	struct timeval tv;
	char name[256];
	int fd;

	/* time.MusecPpidRrandom.host: the random part keeps names apart
	 * between threads and processes without any shared counter. */
	gettimeofday(&tv, NULL);
	while (getrandom(&rnd, sizeof(rnd), 0) < 0 && errno == EINTR)
		;
	snprintf(name, sizeof(name), "%lld.M%06ldP%ldR%016llx.%s",
	         (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), rnd,
	         c->md->host);
	res->stage = TRANSPORT_STAGE_DATA;
	fd = openat(c->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	            0600);
	if (fd < 0)
		return fail_local(res, "cannot create tmp/", dir, name);
	if (write_all(fd, msg, len) < 0 ||
	    (!c->md->group_commit && fsync(fd) < 0)) {
		int saved = errno;

		close(fd);
		unlinkat(c->tmp_fd, name, 0);
		errno = saved;
		return fail_local(res, "cannot write tmp/", dir, name);
	}
	if (close(fd) < 0) {
		unlinkat(c->tmp_fd, name, 0);
		return fail_local(res, "cannot write tmp/", dir, name);
	}
	res->stage = TRANSPORT_STAGE_DOT;
	if (c->md->group_commit) {
		if (c->nwaiting == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->waiting = xrealloc(c->waiting,
			                      c->cap * sizeof(*c->waiting));
		}
		c->waiting[c->nwaiting++] = xstrdup(name);
		res->code = 250;
		transport_set_text(res, "written to %s/tmp/%s until the commit",
		                   dir, name);
		transport_classify(res);
		return 0;
	}
	if (renameat(c->tmp_fd, name, c->new_fd, name) < 0) {
		int saved = errno;

		unlinkat(c->tmp_fd, name, 0);
		errno = saved;
		return fail_local(res, "cannot move into new/", dir, name);
	}
	/* The rename is only durable once the directory is. */
	if (fsync(c->new_fd) < 0)
		return fail_local(res, "cannot flush new/ after", dir, name);
	res->code = 250;
	transport_set_text(res, "delivered to %s/new/%s", dir, name);
	transport_classify(res);
	return 0;
}

static int maildir_commit(void *impl, struct err *err)
{
	struct maildir_conn *c = impl;
	const char *dir = c->md->dir;
	size_t done = 0;
	int ret = -1;

	if (!c->nwaiting)
		return 0;
	/* One flush of the file system for every message waiting: the
	 * data is on disk before any name appears in new/. */
	if (syncfs(c->tmp_fd) < 0)
		return err_errno(err, "maildir %s: cannot flush tmp/", dir);
	for (; done < c->nwaiting; done++)
		if (renameat(c->tmp_fd, c->waiting[done], c->new_fd,
		             c->waiting[done]) < 0) {
			err_errno(err,
			          "maildir %s: cannot move tmp/%s into new/",
			          dir, c->waiting[done]);
			goto out;
		}
	if (fsync(c->new_fd) < 0) {
		err_errno(err, "maildir %s: cannot flush new/", dir);
		goto out;
	}
	ret = 0;
out:
	/* Those moved are no longer this connection's to remove. */
	for (size_t i = 0; i < done; i++)
		free(c->waiting[i]);
	memmove(c->waiting, c->waiting + done,
	        (c->nwaiting - done) * sizeof(*c->waiting));
	c->nwaiting -= done;
	return ret;
}

static const struct transport_ops maildir_ops = {
        .conn_open = maildir_conn_open,
        .conn_close = maildir_conn_close,
        .send = maildir_send,
        .commit = maildir_commit,
        .release = maildir_release,
};

int transport_maildir_init(struct transport *t, const char *dir,
                           const struct transport_options *opt, struct err *err)
{
	static const char *const subdirs[] = {"tmp", "new", "cur"};
	struct maildir *md;
	struct buf path = BUF_INIT;
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n)
		return err_set(err, "transport 'maildir:': no folder given; "
		                    "use maildir:DIR");
	md = xcalloc(1, sizeof(*md));
	md->dir = xstrndup(dir, n);
	md->group_commit = opt->group_commit;
	maildir_host(md->host, sizeof(md->host));
	for (size_t i = 0; i < 3; i++) {
		buf_reset(&path);
		buf_addf(&path, "%s/%s", md->dir, subdirs[i]);
		if (make_dirs(path.data, md->dir, err) < 0) {
			buf_release(&path);
			maildir_release(md);
			return -1;
		}
	}
	buf_release(&path);
	t->ops = &maildir_ops;
	t->impl = md;
	return 0;
}
