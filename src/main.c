#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "banned.h"

/* The command table, generated from the files in src/cmd/. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
#define CMD(n) {#n, cmd_##n, cmd_##n##_summary},
#include "commands.def"
#undef CMD
        {NULL, NULL, NULL},
};

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
