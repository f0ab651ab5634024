#include "image.h"

#include <string.h>
#include <strings.h>

#include "banned.h"

static unsigned long be16(const unsigned char *p)
{
	return (unsigned long)p[0] << 8 | p[1];
}

static unsigned long le16(const unsigned char *p)
{
	return (unsigned long)p[1] << 8 | p[0];
}

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	       (unsigned long)p[2] << 8 | p[3];
}

static unsigned long le24(const unsigned char *p)
{
	return (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0];
}

/* Signature, then the IHDR chunk, which the format requires first. */
static int probe_png(const unsigned char *p, size_t len,
                     struct image_info *info)
{
	if (len < 24 || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4))
		return -1;
	info->width = be32(p + 16);
	info->height = be32(p + 20);
	/* The format caps both at 2^31 - 1. */
	return info->width > 0x7fffffffUL || info->height > 0x7fffffffUL ? -1
	                                                                 : 0;
}

static int probe_gif(const unsigned char *p, size_t len,
                     struct image_info *info)
{
	if (len < 10)
		return -1;
	info->width = le16(p + 6);
	info->height = le16(p + 8);
	return 0;
}

/* A start-of-frame marker: C0-CF except DHT (C4), JPG (C8), DAC (CC). */
static int is_sof(unsigned char m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/* Walks the marker segments up to the first frame header. */
static int probe_jpeg(const unsigned char *p, size_t len,
                      struct image_info *info)
{
	size_t i = 2;

	for (;;) {
		unsigned char m;
		unsigned long seg;

		if (i >= len || p[i] != 0xff)
			return -1;
		while (i < len && p[i] == 0xff) /* fill bytes */
			i++;
		if (i >= len)
			return -1;
		m = p[i++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd8))
			continue; /* markers without a length */
		if (m == 0xd9 || m == 0xda || m == 0x00)
			return -1; /* image end or data before any frame */
		if (len - i < 2)
			return -1;
		seg = be16(p + i);
		if (seg < 2 || seg > len - i)
			return -1;
		if (is_sof(m)) {
			if (seg < 7)
				return -1;
			info->height = be16(p + i + 3);
			info->width = be16(p + i + 5);
			return 0;
		}
		i += seg;
	}
}

/* RIFF container, then the first chunk: lossy, lossless or extended. */
static int probe_webp(const unsigned char *p, size_t len,
                      struct image_info *info)
{
	const unsigned char *c = p + 20;

	if (len < 25)
		return -1;
	if (!memcmp(p + 12, "VP8 ", 4)) {
		/* Frame tag (3 bytes), start code, then 14-bit sizes. */
		if (len < 30 || c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a)
			return -1;
		info->width = le16(c + 6) & 0x3fff;
		info->height = le16(c + 8) & 0x3fff;
		return 0;
	}
	if (!memcmp(p + 12, "VP8L", 4)) {
		unsigned long bits;

		if (c[0] != 0x2f)
			return -1;
		bits = (unsigned long)c[1] | (unsigned long)c[2] << 8 |
		       (unsigned long)c[3] << 16 | (unsigned long)c[4] << 24;
		info->width = (bits & 0x3fff) + 1;
		info->height = ((bits >> 14) & 0x3fff) + 1;
		return 0;
	}
	if (!memcmp(p + 12, "VP8X", 4)) {
		if (len < 30)
			return -1;
		info->width = le24(c + 4) + 1;
		info->height = le24(c + 7) + 1;
		return 0;
	}
	return -1;
}

/* SVG is text: "<svg" near the start, after any XML prologue. */
static int looks_like_svg(const unsigned char *p, size_t len)
{
	size_t n = len < 4096 ? len : 4096;

	for (size_t i = 0; i + 4 <= n; i++)
		if (p[i] == '<' &&
		    !strncasecmp((const char *)p + i + 1, "svg", 3))
			return 1;
	return 0;
}

static enum image_type sniff(const unsigned char *p, size_t len)
{
	if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return IMAGE_PNG;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMAGE_JPEG;
	if (len >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return IMAGE_GIF;
	if (len >= 16 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return IMAGE_WEBP;
	if (looks_like_svg(p, len))
		return IMAGE_SVG;
	return IMAGE_UNKNOWN;
}

int image_probe(const void *data, size_t len, struct image_info *info,
                struct err *err)
{
	const unsigned char *p = data;
	int r = -1;

	memset(info, 0, sizeof(*info));
	info->type = sniff(p, len);
	switch (info->type) {
	case IMAGE_PNG:
		r = probe_png(p, len, info);
		break;
	case IMAGE_JPEG:
		r = probe_jpeg(p, len, info);
		break;
	case IMAGE_GIF:
		r = probe_gif(p, len, info);
		break;
	case IMAGE_WEBP:
		r = probe_webp(p, len, info);
		break;
	case IMAGE_SVG:
		return err_set(err, "an SVG drawing, which can carry a "
		                    "program and is not shown by most mail "
		                    "programs");
	case IMAGE_UNKNOWN:
		return err_set(err, "not a PNG, JPEG, GIF or WebP picture");
	}
	if (r == 0 && info->width && info->height)
		return 0;
	info->width = info->height = 0;
	return err_set(err, "a %s picture whose header is damaged",
	               image_type_name(info->type));
}

const char *image_type_name(enum image_type type)
{
	switch (type) {
	case IMAGE_PNG:
		return "PNG";
	case IMAGE_JPEG:
		return "JPEG";
	case IMAGE_GIF:
		return "GIF";
	case IMAGE_WEBP:
		return "WebP";
	case IMAGE_SVG:
		return "SVG";
	case IMAGE_UNKNOWN:
		break;
	}
	return "unknown";
}

enum image_type image_type_of_name(const char *name)
{
	static const struct {
		const char *ext;
		enum image_type type;
	} exts[] = {
	        {"png", IMAGE_PNG}, {"jpg", IMAGE_JPEG},  {"jpeg", IMAGE_JPEG},
	        {"gif", IMAGE_GIF}, {"webp", IMAGE_WEBP}, {"svg", IMAGE_SVG},
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcasecmp(dot + 1, exts[i].ext))
			return exts[i].type;
	return IMAGE_UNKNOWN;
}
