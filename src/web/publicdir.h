#ifndef PUBLICDIR_H
#define PUBLICDIR_H

#include <stdint.h>
#include <time.h>

/*
 * Finding files of the web archive (public/, written by compile) for the
 * web endpoint, so that nothing outside the folder can ever be reached:
 * the path is walked one name at a time from the folder, refusing "..",
 * ".", empty names and names starting with "." (hidden files), and
 * refusing symbolic links anywhere below the folder (compile writes
 * none), so that neither a crafted path nor a link planted in the tree
 * leads out of it.
 */

struct publicdir_file {
	int fd; /* open for reading; the caller closes it */
	uint64_t size;
	char etag[48];             /* from inode, size and modification time */
	const char *content_type;  /* static, from the file name's extension */
	const char *cache_control; /* static: pages revalidate, images keep */
};

enum publicdir_result {
	PUBLICDIR_NOT_FOUND = 0, /* missing, refused, or not a plain file */
	PUBLICDIR_FOUND = 1,
	PUBLICDIR_IS_DIR = 2, /* a folder: the caller may add "/" */
};

/*
 * Looks up rel (a decoded path relative to the folder, "" or ending in
 * "/" meaning its index.html) in the folder dir (a path, followed if it
 * is a link itself). Fills *out when found.
 */
enum publicdir_result publicdir_find(const char *dir, const char *rel,
                                     struct publicdir_file *out);

/* The content type served for a file name (static). */
const char *publicdir_content_type(const char *name);

#endif
