#include "redirect.h"

#include <string.h>

#include "check.h"

static void parses(const char *path, const char *id, size_t n)
{
	char got[128];
	size_t k = 0;

	CHECK(redirect_parse_path(path, got, sizeof(got), &k) == 1);
	CHECK_STR(got, id);
	CHECK(k == n);
}

static void refused(const char *path)
{
	char got[128];
	size_t k = 0;

	CHECK(redirect_parse_path(path, got, sizeof(got), &k) == 0);
	if (redirect_parse_path(path, got, sizeof(got), &k))
		fprintf(stderr, "  accepted: %s\n", path);
}

int main(void)
{
	parses("/r/2026-12/1", "2026-12", 1);
	parses("/r/2026-12/999999", "2026-12", 999999);
	parses("/r/spring_2027.b/12", "spring_2027.b", 12);
	/* Paths arrive percent-decoded: the tricks look like these. */
	refused("/r/2026-12/0");
	refused("/r/2026-12/01");
	refused("/r/2026-12/1234567");
	refused("/r/2026-12/");
	refused("/r/2026-12");
	refused("/r//1");
	refused("/r/2026-12//evil.example");
	refused("/r/2026-12/1/");
	refused("/r/2026-12/1//evil.example");
	refused("//evil.example/r/2026-12/1");
	refused("/r/2026-12/\\\\evil.example");
	refused("/r/2026-12\\/1");
	refused("/r/../1");
	refused("/r/./1");
	refused("/r/a..b/1");
	refused("/r/.hidden/1");
	refused("/r/x./1");
	refused("/r/2026-12/1?x");
	refused("/r/2026 12/1");
	refused("/r/2026-12/-1");
	refused("/r/2026-12/+1");
	refused("/r/2026-12/https://evil.example");
	refused("/rr/2026-12/1");
	{
		char small[4];
		size_t k;

		CHECK(redirect_parse_path("/r/2026-12/1", small, sizeof(small),
		                          &k) == 0);
	}
	CHECK(redirect_is_scanner(NULL));
	CHECK(redirect_is_scanner(""));
	CHECK(redirect_is_scanner(
	        "Mozilla/5.0 (compatible; BingPreview/1.0b)"));
	CHECK(redirect_is_scanner("Barracuda Sentinel (EE)"));
	CHECK(redirect_is_scanner("curl/7.88.1"));
	CHECK(redirect_is_scanner("python-requests/2.31"));
	CHECK(redirect_is_scanner("Mozilla/5.0 (compatible; Googlebot/2.1)"));
	CHECK(!redirect_is_scanner("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
	                           "Gecko/20100101 Firefox/128.0"));
	CHECK(!redirect_is_scanner("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 "
	                           "like Mac OS X) AppleWebKit/605.1.15 "
	                           "(KHTML, like Gecko) Version/17.5 "
	                           "Mobile/15E148 Safari/604.1"));
	return check_done();
}
