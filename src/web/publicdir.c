#include "publicdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

#define NAME_MAX_LEN 255
#define MAX_DEPTH    16

static const struct {
	const char *ext, *type;
} types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"xml", "application/atom+xml; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"ics", "text/calendar; charset=utf-8"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"svg", "image/svg+xml"},
        {"ico", "image/x-icon"},
        {"pdf", "application/pdf"},
};

const char *publicdir_content_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcasecmp(dot + 1, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

static int name_ok(const char *s, size_t n)
{
	return n > 0 && n <= NAME_MAX_LEN && s[0] != '.' && !memchr(s, 0, n);
}

/* Opens the next name below dirfd without following a link. */
static int open_below(int dirfd, const char *s, size_t n, int flags)
{
	char name[NAME_MAX_LEN + 1];

	memcpy(name, s, n);
	name[n] = '\0';
	return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
}

static void describe(const char *name, const struct stat *st,
                     struct publicdir_file *out)
{
	const char *type = publicdir_content_type(name);

	out->size = (uint64_t)st->st_size;
	out->content_type = type;
	/* Pages change when an issue is compiled again: ask each time. */
	out->cache_control = !strncmp(type, "image/", 6)
	                             ? "public, max-age=86400"
	                             : "no-cache";
	snprintf(out->etag, sizeof(out->etag), "\"%llx-%llx-%llx\"",
	         (unsigned long long)st->st_ino,
	         (unsigned long long)st->st_size,
	         (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
	                 (unsigned long long)st->st_mtim.tv_nsec);
}

enum publicdir_result publicdir_find(const char *dir, const char *rel,
                                     struct publicdir_file *out)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = rel;
	struct stat st;
	int depth = 0;

	if (fd < 0)
		return PUBLICDIR_NOT_FOUND;
	for (;;) {
		size_t n = strcspn(p, "/");
		int next;

		if (n == 0 && !p[0]) {
			/* "" or a trailing '/': the folder's index page */
			p = "index.html";
			n = 10;
		}
		if (!name_ok(p, n) || ++depth > MAX_DEPTH)
			break;
		if (p[n] == '/') {
			next = open_below(fd, p, n, O_RDONLY | O_DIRECTORY);
			close(fd);
			if (next < 0)
				return PUBLICDIR_NOT_FOUND;
			fd = next;
			p += n + 1;
			continue;
		}
		next = open_below(fd, p, n, O_RDONLY | O_NONBLOCK);
		close(fd);
		fd = next;
		if (fd < 0 || fstat(fd, &st) < 0)
			break;
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			return PUBLICDIR_IS_DIR;
		}
		if (!S_ISREG(st.st_mode))
			break;
		/* Reads block from here on, as a served file's should. */
		fcntl(fd, F_SETFL, 0);
		out->fd = fd;
		describe(p, &st, out);
		return PUBLICDIR_FOUND;
	}
	if (fd >= 0)
		close(fd);
	return PUBLICDIR_NOT_FOUND;
}
