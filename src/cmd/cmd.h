#ifndef CMD_H
#define CMD_H

/*
 * Commands: each src/cmd/cmd_NAME.c defines cmd_NAME() and its one-line
 * summary cmd_NAME_summary. They parse options, call library modules,
 * print, and return an exit code.
 */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

#define CMD(name)                              \
	int cmd_##name(int argc, char **argv); \
	extern const char cmd_##name##_summary[];
#include "commands.def"
#undef CMD

#endif
