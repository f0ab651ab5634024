#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>

#include "err.h"

/*
 * Recognising a picture by its bytes, never by its name: the four formats
 * every mail client and browser shows (PNG, JPEG, GIF, WebP), with the
 * pixel size read from the header. SVG is recognised only to be refused:
 * a drawing in SVG can carry a script.
 */
enum image_type {
	IMAGE_UNKNOWN = 0,
	IMAGE_PNG,
	IMAGE_JPEG,
	IMAGE_GIF,
	IMAGE_WEBP,
	IMAGE_SVG,
};

struct image_info {
	enum image_type type; /* set even when the probe fails, if known */
	unsigned long width, height; /* pixels; 0 when unknown */
};

/*
 * Looks at data[0..len) and fills *info. Returns 0 for a PNG, JPEG, GIF
 * or WebP whose header gives a size of at least 1x1 pixels; -1 otherwise,
 * with a message for a person ("not a PNG, JPEG, GIF or WebP picture",
 * "an SVG drawing, ...", "a PNG picture whose header is damaged").
 */
int image_probe(const void *data, size_t len, struct image_info *info,
                struct err *err);

/* "PNG", "JPEG", "GIF", "WebP", "SVG" or "unknown" (static). */
const char *image_type_name(enum image_type type);

/*
 * The type a file name promises by its extension (".png", ".jpg",
 * ".jpeg", ".gif", ".webp", ".svg", any case); IMAGE_UNKNOWN otherwise.
 */
enum image_type image_type_of_name(const char *name);

#endif
