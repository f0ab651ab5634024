#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "banned.h"

#ifdef BULLETIN_FRONT
static int run_net(int argc, char **argv);
#endif

/*
 * The command table, generated from the files in src/cmd/. In bulletin
 * (BULLETIN_FRONT), a NET command is one that only bulletin-net holds
 * (CMakeLists.txt says why): bulletin runs that program for it.
 */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
#define CMD(n)          {#n, cmd_##n, cmd_##n##_summary},
#define NET(n, summary) {#n, run_net, summary},
#ifdef BULLETIN_FRONT
#include "front.def"
#else
#include "commands.def"
#endif
#undef NET
#undef CMD
        {NULL, NULL, NULL},
};

#ifdef BULLETIN_FRONT
/*
 * Runs the command argv[0] in bulletin-net, in this process: beside this
 * program (the build tree), or in ../libexec/bulletin/ (installed). The
 * current directory, which -C may have changed, carries over.
 */
static int run_net(int argc, char **argv)
{
	static const char *const places[] = {
	        "bulletin-net", "../libexec/bulletin/bulletin-net"};
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash, **args = calloc((size_t)argc + 2, sizeof(*args));

	if (n <= 0 || !args) {
		fprintf(stderr, "bulletin: cannot find where bulletin is "
		                "installed (/proc/self/exe)\n");
		free(args);
		return EXIT_FAIL;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	args[0] = "bulletin";
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", self, places[i]);
		execv(path, args);
	}
	fprintf(stderr,
	        "bulletin: cannot run '%s': bulletin-net, which holds it, is "
	        "not in %s nor in %s/../libexec/bulletin: install bulletin "
	        "again (cmake --install)\n",
	        argv[0], self, self);
	free(args);
	return EXIT_FAIL;
}
#endif

static void usage(FILE *f)
{
	fputs("usage: bulletin [-C DIR] COMMAND [OPTIONS]\n"
	      "       bulletin COMMAND --help\n"
	      "       bulletin --version\n\n"
	      "commands:\n",
	      f);
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name,
		        commands[i].summary);
	fputs("\nThe workspace is the nearest directory at or above the "
	      "current one\nthat holds bulletin.yaml (or -C DIR).\n",
	      f);
}

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("bulletin %s\n", BULLETIN_VERSION);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			if (chdir(argv[i + 1]) < 0) {
				fprintf(stderr, "bulletin: cannot enter %s: ",
				        argv[i + 1]);
				perror(NULL);
				return EXIT_FAIL;
			}
			i += 2;
		} else {
			fprintf(stderr, "bulletin: unknown option '%s'\n",
			        argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t c = 0; commands[c].name; c++)
		if (!strcmp(commands[c].name, argv[i]))
			return commands[c].run(argc - i, argv + i);
	fprintf(stderr,
	        "bulletin: '%s' is not a command; see 'bulletin --help'\n",
	        argv[i]);
	return EXIT_USAGE;
}
