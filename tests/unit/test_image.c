#include "image.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

/*
 * Probes an exact-size heap copy, so ASan catches any read past the end;
 * returns the probe's result with *info filled.
 */
static int probe(const void *data, size_t len, struct image_info *info)
{
	struct err err = ERR_INIT;
	void *copy = xmalloc(len ? len : 1);
	int r;

	memcpy(copy, data, len);
	r = image_probe(copy, len, info, &err);
	CHECK((r < 0) == (err_msg(&err)[0] != '\0'));
	free(copy);
	err_release(&err);
	return r;
}

/* Every strict prefix of a valid header must be refused, not over-read. */
static void prefixes_fail(const unsigned char *p, size_t need)
{
	struct image_info info;

	for (size_t n = 0; n < need; n++)
		CHECK(probe(p, n, &info) < 0);
}

static const unsigned char png[] = {
        0x89, 'P', 'N',  'G',  '\r', '\n', 0x1a, '\n', 0,    0,
        0,    13,  'I',  'H',  'D',  'R',  0,    0,    0x02, 0x58, /* 600 */
        0,    0,   0x01, 0x2c,                                     /* 300 */
        8,    2,   0,    0,    0,
};

static void test_png(void)
{
	struct image_info info;
	unsigned char bad[sizeof(png)];

	CHECK(probe(png, sizeof(png), &info) == 0);
	CHECK(info.type == IMAGE_PNG);
	CHECK(info.width == 600 && info.height == 300);
	prefixes_fail(png, 24);
	memcpy(bad, png, sizeof(png));
	memset(bad + 16, 0, 4); /* zero width */
	CHECK(probe(bad, sizeof(bad), &info) < 0);
	CHECK(info.type == IMAGE_PNG && info.width == 0);
	memcpy(bad, png, sizeof(png));
	memcpy(bad + 12, "IDAT", 4); /* IHDR must come first */
	CHECK(probe(bad, sizeof(bad), &info) < 0);
	memcpy(bad, png, sizeof(png));
	bad[16] = 0x80; /* over 2^31 - 1 */
	CHECK(probe(bad, sizeof(bad), &info) < 0);
}

static void test_sample_png(void)
{
	struct buf b = BUF_INIT;
	struct image_info info;

	CHECK(buf_read_file(&b, "issues/2026-12/flying-start.png", 1 << 20) ==
	      0);
	CHECK(probe(b.data, b.len, &info) == 0);
	CHECK(info.type == IMAGE_PNG && info.width == 600 &&
	      info.height == 300);
	buf_release(&b);
}

static void test_jpeg(void)
{
	/* SOI, APP0 (JFIF), fill bytes, DQT, DHT, SOF2 (progressive). */
	static const unsigned char jpg[] = {
	        0xff, 0xd8, 0xff, 0xe0, 0,    16,   'J', 'F',  'I',  'F',
	        0,    1,    1,    0,    0,    1,    0,   1,    0,    0,
	        0xff, 0xff, 0xff, 0xdb, 0,    3,    0,   0xff, 0xc4, 0,
	        3,    0,    0xff, 0xc2, 0,    11,   8,   0x01, 0xe0, /* 480 */
	        0x02, 0x80,                                          /* 640 */
	        1,    1,    0x11, 0,    0xff, 0xd9,
	};
	static const unsigned char no_frame[] = {0xff, 0xd8, 0xff, 0xda,
	                                         0,    2,    0xff, 0xd9};
	static const unsigned char long_seg[] = {0xff, 0xd8, 0xff, 0xe1,
	                                         0x7f, 0xff, 0,    0};
	struct image_info info;

	CHECK(probe(jpg, sizeof(jpg), &info) == 0);
	CHECK(info.type == IMAGE_JPEG);
	CHECK(info.width == 640 && info.height == 480);
	prefixes_fail(jpg, 41);
	CHECK(probe(no_frame, sizeof(no_frame), &info) < 0);
	CHECK(info.type == IMAGE_JPEG);
	CHECK(probe(long_seg, sizeof(long_seg), &info) < 0);
}

static void test_gif(void)
{
	static const unsigned char gif[] = {'G',  'I',  'F',  '8',  '9', 'a',
	                                    0x40, 0x01, 0xc8, 0x00, 0x80};
	static const unsigned char gif87[] = {'G', 'I', 'F', '8', '7',
	                                      'a', 1,   0,   1,   0};
	struct image_info info;

	CHECK(probe(gif, sizeof(gif), &info) == 0);
	CHECK(info.type == IMAGE_GIF && info.width == 320 &&
	      info.height == 200);
	CHECK(probe(gif87, sizeof(gif87), &info) == 0);
	CHECK(info.width == 1 && info.height == 1);
	prefixes_fail(gif, 10);
}

static void test_webp(void)
{
	static const unsigned char vp8l[] = {
	        'R',
	        'I',
	        'F',
	        'F',
	        26,
	        0,
	        0,
	        0,
	        'W',
	        'E',
	        'B',
	        'P',
	        'V',
	        'P',
	        '8',
	        'L',
	        13,
	        0,
	        0,
	        0,
	        0x2f,
	        /* width-1 = 299, height-1 = 199: 299 | 199 << 14 */
	        0x2b,
	        0xc1,
	        0x31,
	        0x00,
	        0,
	        0,
	        0,
	        0,
	        0,
	        0,
	        0,
	        0,
	        0,
	};
	static const unsigned char vp8[] = {
	        'R',  'I',  'F',  'F',  30, 0, 0, 0, 'W', 'E', 'B',  'P',  'V',
	        'P',  '8',  ' ',  18,   0,  0, 0, 0, 0,   0,   0x9d, 0x01, 0x2a,
	        0x90, 0x01, 0x2c, 0x01, 0,  0, 0, 0, 0,   0,   0,    0,
	};
	static const unsigned char vp8x[] = {
	        'R', 'I', 'F', 'F', 22,   0,    0,  0,    'W',  'E',
	        'B', 'P', 'V', 'P', '8',  'X',  10, 0,    0,    0,
	        0,   0,   0,   0,   0xf3, 0x01, 0,  0x8f, 0x01, 0,
	};
	unsigned char bad[sizeof(vp8)];
	struct image_info info;

	CHECK(probe(vp8l, sizeof(vp8l), &info) == 0);
	CHECK(info.type == IMAGE_WEBP && info.width == 300 &&
	      info.height == 200);
	prefixes_fail(vp8l, 25);
	CHECK(probe(vp8, sizeof(vp8), &info) == 0);
	CHECK(info.width == 400 && info.height == 300);
	prefixes_fail(vp8, 30);
	CHECK(probe(vp8x, sizeof(vp8x), &info) == 0);
	CHECK(info.width == 500 && info.height == 400);
	prefixes_fail(vp8x, 30);
	memcpy(bad, vp8, sizeof(vp8));
	bad[23] = 0; /* broken start code */
	CHECK(probe(bad, sizeof(bad), &info) < 0);
	CHECK(info.type == IMAGE_WEBP);
	memcpy(bad, vp8, sizeof(vp8));
	memcpy(bad + 12, "ALPH", 4);
	CHECK(probe(bad, sizeof(bad), &info) < 0);
}

static void test_refused(void)
{
	static const char *const svgs[] = {
	        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
	        "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- hi -->\n<SVG>",
	        "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"><svg>",
	};
	struct image_info info;
	struct err err = ERR_INIT;

	for (size_t i = 0; i < sizeof(svgs) / sizeof(*svgs); i++) {
		CHECK(probe(svgs[i], strlen(svgs[i]), &info) < 0);
		CHECK(info.type == IMAGE_SVG);
	}
	CHECK(image_probe("<svg", 4, &info, &err) < 0);
	CHECK(strstr(err_msg(&err), "SVG") != NULL);
	err_clear(&err);
	CHECK(image_probe("Just some text\n", 15, &info, &err) < 0);
	CHECK(info.type == IMAGE_UNKNOWN);
	CHECK_STR(err_msg(&err), "not a PNG, JPEG, GIF or WebP picture");
	CHECK(probe("SQLite format 3", 16, &info) < 0);
	CHECK(info.type == IMAGE_UNKNOWN);
	CHECK(probe("", 0, &info) < 0);
	err_release(&err);
}

static void test_names(void)
{
	CHECK(image_type_of_name("a.png") == IMAGE_PNG);
	CHECK(image_type_of_name("a.PNG") == IMAGE_PNG);
	CHECK(image_type_of_name("a.jpg") == IMAGE_JPEG);
	CHECK(image_type_of_name("a.b.JPEG") == IMAGE_JPEG);
	CHECK(image_type_of_name("a.gif") == IMAGE_GIF);
	CHECK(image_type_of_name("a.webp") == IMAGE_WEBP);
	CHECK(image_type_of_name("a.svg") == IMAGE_SVG);
	CHECK(image_type_of_name("png") == IMAGE_UNKNOWN);
	CHECK(image_type_of_name("a.png.txt") == IMAGE_UNKNOWN);
	CHECK_STR(image_type_name(IMAGE_WEBP), "WebP");
}

int main(void)
{
	test_png();
	test_sample_png();
	test_jpeg();
	test_gif();
	test_webp();
	test_refused();
	test_names();
	return check_done();
}
