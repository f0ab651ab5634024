#ifndef ROLE_H
#define ROLE_H

/*
 * Who may do what at the desk: three roles, each with everything the one
 * before it may do. The one place the rule is written: every desk
 * handler asks role_may before it acts.
 *
 *   editor    compile, preview, test sends, partners and their pieces,
 *             read subscribers
 *   approver  also approve, send, publish and unpublish; add,
 *             unsubscribe and resubscribe one subscriber
 *   admin     also users; import, export and erase
 *             subscribers
 */

enum role { ROLE_EDITOR, ROLE_APPROVER, ROLE_ADMIN, ROLE_COUNT };

enum role_action {
	ROLE_READ,        /* any page */
	ROLE_COMPILE,     /* compile, start an issue */
	ROLE_TEST_SEND,   /* a test send */
	ROLE_PARTNERS,    /* partners and their pieces */
	ROLE_APPROVE,     /* approve a build */
	ROLE_SEND,        /* the full send */
	ROLE_PUBLISH,     /* publish, unpublish */
	ROLE_SUBSCRIBERS, /* add, unsubscribe, resubscribe one */
	ROLE_IMPORT,      /* import a CSV */
	ROLE_EXPORT,      /* export the list */
	ROLE_ERASE,       /* erase a subscriber */
	ROLE_USERS,       /* the desk's users */
	ROLE_ACTION_COUNT
};

/* "editor", "approver", "admin" (static); "?" for anything else. */
const char *role_name(enum role r);

/* Returns 0 and sets *r, or -1 when name is not a role. */
int role_parse(const char *name, enum role *r);

/* Whether someone with role r may do action a. */
int role_may(enum role r, enum role_action a);

/* The least role that may do a (for messages: "needs an approver"). */
enum role role_needed(enum role_action a);

#endif
