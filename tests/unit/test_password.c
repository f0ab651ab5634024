#include "password.h"

#include <string.h>

#include "check.h"
#include "role.h"

static void test_hash_verify(void)
{
	struct buf phc = BUF_INIT, phc2 = BUF_INIT;
	struct err err = ERR_INIT;

	CHECK(password_hash("correct horse battery", &phc, &err) == 0);
	/* The parameters travel with the hash. */
	CHECK(!strncmp(phc.data, "$argon2id$v=19$m=19456,t=2,p=1$", 31));
	CHECK(password_verify(phc.data, "correct horse battery") == 1);
	CHECK(password_verify(phc.data, "correct horse batterY") == 0);
	CHECK(password_verify(phc.data, "") == 0);
	CHECK(!password_needs_rehash(phc.data));
	/* A new salt each time. */
	CHECK(password_hash("correct horse battery", &phc2, &err) == 0);
	CHECK(strcmp(phc.data, phc2.data) != 0);
	/* An unknown user: no hash, never a match. */
	CHECK(password_verify(NULL, "correct horse battery") == 0);
	CHECK(password_verify("plain", "plain") == 0);
	/* Weaker parameters than today's verify but want a new hash. */
	CHECK(password_needs_rehash(
	        "$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA"));
	buf_release(&phc);
	buf_release(&phc2);
	err_release(&err);
}

static void test_weak(void)
{
	CHECK(password_weak("short") != NULL);
	CHECK(password_weak("twelve chars") == NULL);
	CHECK(password_weak("with a\ttab in it") != NULL);
	/* Characters, not bytes: 11 letters of two bytes each are short. */
	CHECK(password_weak("ééééééééééé") != NULL);
}

static void test_roles(void)
{
	enum role r;

	CHECK(role_parse("approver", &r) == 0 && r == ROLE_APPROVER);
	CHECK(role_parse("root", &r) == -1);
	CHECK_STR(role_name(ROLE_ADMIN), "admin");
	CHECK(role_may(ROLE_EDITOR, ROLE_COMPILE));
	CHECK(role_may(ROLE_EDITOR, ROLE_TEST_SEND));
	CHECK(!role_may(ROLE_EDITOR, ROLE_APPROVE));
	CHECK(!role_may(ROLE_EDITOR, ROLE_SEND));
	CHECK(role_may(ROLE_APPROVER, ROLE_SEND));
	CHECK(role_may(ROLE_APPROVER, ROLE_PUBLISH));
	CHECK(!role_may(ROLE_APPROVER, ROLE_ERASE));
	CHECK(!role_may(ROLE_APPROVER, ROLE_USERS));
	CHECK(role_may(ROLE_ADMIN, ROLE_IMPORT));
	CHECK(role_may(ROLE_ADMIN, ROLE_SEND));
	CHECK(!role_may((enum role)7, ROLE_READ));
	CHECK(role_needed(ROLE_SEND) == ROLE_APPROVER);
}

int main(void)
{
	test_hash_verify();
	test_weak();
	test_roles();
	return check_done();
}
