#include "common.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "store.h"
#include "banned.h"

void cmd_error(const char *msg)
{
	fprintf(stderr, "bulletin: %s\n", msg);
}

int cmd_store_open(struct store *st, const char *path)
{
	struct err err = ERR_INIT;

	if (store_open(st, path, &err) < 0) {
		cmd_error(err_msg(&err));
		err_release(&err);
		return -1;
	}
	if (st->notice)
		fprintf(stderr, "bulletin: %s\n", st->notice);
	return 0;
}

int cmd_workspace(struct config *cfg, char **prefix)
{
	char start[PATH_MAX], dir[PATH_MAX];
	struct err err = ERR_INIT;
	struct stat st;

	if (!getcwd(start, sizeof(start))) {
		perror("bulletin: cannot read the current directory");
		return -1;
	}
	memcpy(dir, start, sizeof(dir));
	for (;;) {
		struct buf p = BUF_INIT;
		int found;

		buf_addf(&p, "%s/bulletin.yaml", dir);
		found = stat(p.data, &st) == 0;
		buf_release(&p);
		if (found)
			break;
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir) {
			fprintf(stderr,
			        "bulletin: no bulletin.yaml here or in any "
			        "folder above %s\n"
			        "  run 'bulletin init' to make a workspace, "
			        "or use -C DIR\n",
			        start);
			return -1;
		}
		*slash = '\0';
	}
	if (chdir(dir) < 0) {
		fprintf(stderr, "bulletin: cannot enter %s: %s\n", dir,
		        strerror(errno));
		return -1;
	}
	if (prefix) {
		size_t n = strlen(dir);
		const char *rest = start + n;

		while (*rest == '/')
			rest++;
		*prefix = xstrdup(rest);
	}
	config_init(cfg);
	if (config_load(cfg, "bulletin.yaml", &err) < 0) {
		fprintf(stderr, "%s\n", err_msg(&err));
		err_release(&err);
		config_release(cfg);
		return -1;
	}
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *cmd_issue_id(const char *arg, const char *prefix)
{
	struct buf path = BUF_INIT;
	const char *id = NULL;
	char *ret = NULL;
	size_t n;

	/* A path from where the user stood, then from the root, then an id. */
	if (prefix && *prefix && arg[0] != '/')
		buf_addf(&path, "%s/%s", prefix, arg);
	else
		buf_adds(&path, arg);
	n = path.len;
	while (n > 1 && path.data[n - 1] == '/')
		buf_setlen(&path, --n);
	if (!strncmp(path.data, "issues/", 7) && !strchr(path.data + 7, '/'))
		id = path.data + 7;
	else if (!strchr(arg, '/'))
		id = arg;
	if (id && *id && id[0] != '.') {
		struct buf d = BUF_INIT;

		buf_addf(&d, "issues/%s", id);
		if (is_dir(d.data))
			ret = xstrdup(id);
		buf_release(&d);
	}
	if (!ret)
		fprintf(stderr,
		        "bulletin: '%s' is not an issue: expected a folder "
		        "issues/ID in the workspace (create one with "
		        "'bulletin new ID')\n",
		        arg);
	buf_release(&path);
	return ret;
}
