#include "role.h"

#include <string.h>

#include "banned.h"

static const char *const names[ROLE_COUNT] = {"editor", "approver", "admin"};

/* The least role for each action. */
static const enum role needs[ROLE_ACTION_COUNT] = {
        [ROLE_READ] = ROLE_EDITOR,      [ROLE_COMPILE] = ROLE_EDITOR,
        [ROLE_TEST_SEND] = ROLE_EDITOR, [ROLE_PARTNERS] = ROLE_EDITOR,
        [ROLE_APPROVE] = ROLE_APPROVER, [ROLE_SEND] = ROLE_APPROVER,
        [ROLE_PUBLISH] = ROLE_APPROVER, [ROLE_SUBSCRIBERS] = ROLE_APPROVER,
        [ROLE_IMPORT] = ROLE_ADMIN,     [ROLE_EXPORT] = ROLE_ADMIN,
        [ROLE_ERASE] = ROLE_ADMIN,      [ROLE_USERS] = ROLE_ADMIN,
};

const char *role_name(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? names[r] : "?";
}

int role_parse(const char *name, enum role *r)
{
	for (int i = 0; i < ROLE_COUNT; i++) {
		if (!strcmp(name, names[i])) {
			*r = (enum role)i;
			return 0;
		}
	}
	return -1;
}

enum role role_needed(enum role_action a)
{
	return (unsigned)a < ROLE_ACTION_COUNT ? needs[a] : ROLE_COUNT;
}

int role_may(enum role r, enum role_action a)
{
	return (unsigned)r < ROLE_COUNT && (unsigned)a < ROLE_ACTION_COUNT &&
	       r >= needs[a];
}
