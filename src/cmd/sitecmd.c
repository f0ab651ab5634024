#include "sitecmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "issue.h"
#include "site.h"
#include "banned.h"

static int parse_time(const char *s, time_t *now)
{
	struct tm tm;
	char *end;
	int has_time;
	size_t n = strlen(s);

	if (n && strspn(s, "0123456789") == n) {
		errno = 0;
		long long v = strtoll(s, &end, 10);

		if (errno || *end)
			return -1;
		*now = (time_t)v;
		return 0;
	}
	char copy[32];

	if (n >= sizeof(copy))
		return -1;
	memcpy(copy, s, n + 1);
	if (n && (copy[n - 1] == 'Z' || copy[n - 1] == 'z'))
		copy[n - 1] = '\0';
	if (issue_parse_datetime(copy, &tm, &has_time) < 0)
		return -1;
	*now = timegm(&tm);
	return 0;
}

int cmd_site_now(const char *opt, time_t *now)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");

	if (opt) {
		if (parse_time(opt, now) == 0)
			return 0;
		cmd_error("--now '%s' is not a time: give it as "
		          "2027-01-01T09:00Z (UTC) or as seconds since 1970",
		          opt);
		return -1;
	}
	if (env && *env) {
		if (strspn(env, "0123456789") == strlen(env) &&
		    parse_time(env, now) == 0)
			return 0;
		cmd_error("SOURCE_DATE_EPOCH '%s' is not a number of seconds "
		          "since 1970",
		          env);
		return -1;
	}
	*now = time(NULL);
	return 0;
}

int cmd_site_rebuild(const struct config *cfg, struct store *st, time_t now)
{
	struct site_report rep;
	struct err err = ERR_INIT;
	int ret = 0;

	if (site_build(cfg, st, now, &rep, &err) < 0) {
		cmd_fail(&err);
		ret = -1;
	} else {
		printf("site: %zu issue%s published (%zu read again), %zu "
		       "file%s written, %zu unchanged, %zu removed\n",
		       rep.issues, rep.issues == 1 ? "" : "s", rep.rebuilt,
		       rep.written, rep.written == 1 ? "" : "s", rep.unchanged,
		       rep.nremoved);
		for (size_t i = 0; i < rep.nremoved; i++)
			printf("  removed %s\n", rep.removed[i]);
		for (size_t i = 0; i < rep.nnotes; i++)
			printf("  %s\n", rep.notes[i]);
	}
	site_report_release(&rep);
	err_release(&err);
	return ret;
}
