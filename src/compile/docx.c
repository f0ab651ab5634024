#include "docx.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "image.h"
#include "issue.h"
#include "contribution.h"
#include "text.h"
#include "yamldoc.h"
#include "banned.h"

/* What pandoc may write: the piece and each picture. */
#define DOCX_FILE_MAX (64 << 20)
/* Pictures taken from one document. */
#define DOCX_PICTURES_MAX 50

/*
 * The document's title (Word's Title style) as a first "# " line; the
 * document's own headings, one level down, follow as "## ".
 */
static const char template_text[] = "$if(title)$# $title$\n\n$endif$$body$\n";

void docx_release(struct docx *d)
{
	buf_release(&d->markdown);
	for (size_t i = 0; i < d->npictures; i++) {
		free(d->pictures[i].ref);
		free(d->pictures[i].ext);
		free(d->pictures[i].data);
	}
	free(d->pictures);
	d->pictures = NULL;
	d->npictures = 0;
}

/* In the child: limits, a private folder, no shell, then pandoc. */
static void run_child(const char *dir)
{
	static const char *const argv[] = {
	        "pandoc",
	        "--sandbox", /* reads only in.docx */
	        "+RTS",
	        "-M512m", /* memory limit of pandoc's runtime */
	        "-RTS",
	        "--from=docx",
	        "--to=commonmark-raw_html",
	        "--wrap=none",
	        "--standalone",
	        "--template=template.md",
	        "--shift-heading-level-by=1",
	        "--extract-media=m",
	        "--output=out.md",
	        "in.docx",
	        NULL};
	struct rlimit cpu = {DOCX_TIMEOUT, DOCX_TIMEOUT};
	struct rlimit fsize = {DOCX_FILE_MAX, DOCX_FILE_MAX};
	int in, out;

	setpgid(0, 0);
	if (chdir(dir) < 0)
		_exit(126);
	in = open("/dev/null", O_RDONLY);
	out = open("errors.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || setrlimit(RLIMIT_CPU, &cpu) < 0 ||
	    setrlimit(RLIMIT_FSIZE, &fsize) < 0)
		_exit(126);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* Waits for pid up to DOCX_TIMEOUT: 0 done, 1 killed for taking too long. */
static int wait_child(pid_t pid, int *status)
{
	const struct timespec tick = {0, 20 * 1000 * 1000};

	for (long i = 0; i < DOCX_TIMEOUT * 50L; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return 0;
		nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 1;
}

/* pandoc's first line of complaint, for the message. */
static void first_error_line(const char *dir, struct buf *why)
{
	struct buf path = BUF_INIT, text = BUF_INIT;

	buf_addf(&path, "%s/errors.txt", dir);
	if (buf_read_file(&text, path.data, 4096) == 0 ||
	    (errno == EFBIG && text.len)) {
		size_t n = strcspn(text.data, "\r\n");

		for (size_t i = 0; i < n && i < 200; i++)
			if (!text_control_len(text.data + i, 0))
				buf_addch(why, text.data[i]);
	}
	buf_release(&path);
	buf_release(&text);
}

static int run_pandoc(const char *dir, struct err *err)
{
	struct buf why = BUF_INIT;
	int status = 0, late, ret = -1;
	pid_t pid = fork();

	if (pid < 0)
		return err_errno(err, "cannot start pandoc");
	if (pid == 0)
		run_child(dir);
	late = wait_child(pid, &status);
	if (late)
		err_set(err,
		        "pandoc took over %d seconds to read it and was "
		        "stopped: save it again from Word, or paste the "
		        "text into a .txt file",
		        DOCX_TIMEOUT);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err_set(err, "Word files are converted by pandoc, which is not "
		             "installed here: ask whoever runs bulletin to "
		             "install it (on Debian: apt-get install pandoc)");
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		first_error_line(dir, &why);
		err_set(err,
		        "this Word file could not be read (pandoc said: %s): "
		        "save it again from Word as .docx, or paste the text "
		        "into a .txt file",
		        why.len ? why.data : "nothing");
	} else
		ret = 0;
	buf_release(&why);
	return ret;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static const char *picture_ext(enum image_type t)
{
	switch (t) {
	case IMAGE_PNG:
		return "png";
	case IMAGE_JPEG:
		return "jpg";
	case IMAGE_GIF:
		return "gif";
	case IMAGE_WEBP:
		return "webp";
	default:
		return NULL;
	}
}

/* One file pandoc extracted: read within limits, checked by its bytes. */
static void take_picture(struct docx *d, int dfd, const char *name)
{
	struct docx_picture *p;
	struct image_info info;
	struct err why = ERR_INIT;
	struct buf data = BUF_INIT, ref = BUF_INIT;
	struct stat st;

	if (file_read_regular(dfd, name, &data, ISSUE_IMAGE_MAX, &st) < 0) {
		buf_release(&data);
		return;
	}
	d->pictures = xrealloc(d->pictures,
	                       (d->npictures + 1) * sizeof(*d->pictures));
	p = &d->pictures[d->npictures++];
	buf_addf(&ref, "m/media/%s", name);
	p->ref = buf_detach(&ref);
	p->ext = image_probe(data.data, data.len, &info, &why) == 0 &&
	                         picture_ext(info.type)
	                 ? xstrdup(picture_ext(info.type))
	                 : NULL;
	p->len = data.len;
	p->data = buf_detach(&data);
	err_release(&why);
}

/* The pictures in dir/m/media, by name (pandoc names them). */
static void take_pictures(struct docx *d, const char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *dh;

	buf_addf(&path, "%s/m/media", dir);
	dh = opendir(path.data);
	buf_release(&path);
	if (!dh)
		return;
	while ((de = readdir(dh)) && d->npictures < DOCX_PICTURES_MAX)
		if (de->d_name[0] != '.')
			take_picture(d, dirfd(dh), de->d_name);
	closedir(dh);
}

int docx_convert(const char *data, size_t len, struct docx *d, struct err *err)
{
	char dir[] = "/tmp/bulletin-docx.XXXXXX";
	struct buf path = BUF_INIT;
	int ret = -1;

	memset(d, 0, sizeof(*d));
	buf_init(&d->markdown);
	if (len > DOCX_MAX)
		return err_set(err,
		               "over %d MB, too big to convert: save the "
		               "pictures smaller, or paste the text into a "
		               ".txt file",
		               DOCX_MAX >> 20);
	if (!mkdtemp(dir))
		return err_errno(err, "cannot make a temporary folder");
	buf_addf(&path, "%s/in.docx", dir);
	if (file_create_new(path.data, data, len, 0600, err) < 0)
		goto out;
	buf_reset(&path);
	buf_addf(&path, "%s/template.md", dir);
	if (file_create_new(path.data, template_text, strlen(template_text),
	                    0600, err) < 0 ||
	    run_pandoc(dir, err) < 0)
		goto out;
	buf_reset(&path);
	buf_addf(&path, "%s/out.md", dir);
	if (buf_read_file(&d->markdown, path.data, 1 << 20) < 0) {
		err_set(err, errno == EFBIG ? "its text is over 1 MB, too long "
		                              "for a piece"
		                            : "pandoc wrote nothing");
		goto out;
	}
	take_pictures(d, dir);
	ret = 0;
out:
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	buf_release(&path);
	return ret;
}

/* Replaces every from in b with to. */
static void replace_all(struct buf *b, const char *from, const char *to)
{
	struct buf out = BUF_INIT;
	size_t n = strlen(from);
	const char *p = b->data, *hit;

	while ((hit = strstr(p, from))) {
		buf_add(&out, p, (size_t)(hit - p));
		buf_adds(&out, to);
		p = hit + n;
	}
	buf_adds(&out, p);
	buf_reset(b);
	buf_add(b, out.data, out.len);
	buf_release(&out);
}

/*
 * Where the picture "![...](" at hit (the "](" of it) ends: after
 * "ref)", "ref \"title\")" or "<ref>)" (pandoc writes the last for a
 * reference with spaces). NULL when it is none of these.
 */
static const char *picture_end(const char *hit, const char *ref)
{
	size_t n = strlen(ref);
	const char *p = hit + 2;
	int angle = *p == '<';

	p += angle;
	if (strncmp(p, ref, n))
		return NULL;
	p += n;
	if (angle && *p++ != '>')
		return NULL;
	if (*p == ' ' && p[1] == '"') {
		for (p += 2; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p++ != '"')
			return NULL;
	}
	return *p == ')' ? p + 1 : NULL;
}

/* Removes each "![...](ref)" (with a title or not) from b. */
static void drop_picture(struct buf *b, const char *ref)
{
	size_t at = 0;
	char *hit;

	while ((hit = strstr(b->data + at, "]("))) {
		const char *end = picture_end(hit, ref);
		char *start = hit;

		at = (size_t)(hit - b->data) + 2;
		if (!end)
			continue;
		while (start > b->data && strncmp(start, "![", 2))
			start--;
		if (strncmp(start, "![", 2))
			continue;
		/* A picture alone in its paragraph takes the paragraph. */
		if ((start == b->data || start[-1] == '\n') && *end == '\n')
			end += 1 + (end[1] == '\n');
		memmove(start, end, b->len - (size_t)(end - b->data) + 1);
		buf_setlen(b, b->len - (size_t)(end - start));
		at = (size_t)(start - b->data);
	}
}

void docx_unplace_pictures(struct docx *d)
{
	for (size_t i = 0; i < d->npictures; i++)
		drop_picture(&d->markdown, d->pictures[i].ref);
}

/* Whether name exists in the folder dfd (as anything). */
static int exists(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * Writes each picture beside the piece as SLUG-N.EXT (a name not taken),
 * pointing the Markdown at it; pictures email cannot show are dropped
 * and named in a note. Returns how many were written.
 */
static size_t place_pictures(struct docx *x, int dfd, const char *dir,
                             const char *slug, const char *path,
                             struct diags *d)
{
	struct buf name = BUF_INIT, full = BUF_INIT;
	struct err err = ERR_INIT;
	size_t written = 0;
	int n = 0;

	for (size_t i = 0; i < x->npictures; i++) {
		struct docx_picture *p = &x->pictures[i];

		if (!p->ext) {
			drop_picture(&x->markdown, p->ref);
			diags_add(d, DIAG_NOTE, path, 0, 0, "docx-picture",
			          "a picture in the Word file is in a format "
			          "email cannot show, so it was left out: save "
			          "it as JPEG or PNG and add it with "
			          "![what it shows](file name)");
			continue;
		}
		do {
			buf_reset(&name);
			buf_addf(&name, "%s-%d.%s", slug, ++n, p->ext);
		} while (exists(dfd, name.data));
		buf_reset(&full);
		buf_addf(&full, "%s/%s", dir, name.data);
		if (file_create_new(full.data, p->data, p->len, 0644, &err) <
		    0) {
			diags_add(d, DIAG_ERROR, path, 0, 0, "docx-picture",
			          "%s", err_msg(&err));
			err_clear(&err);
			continue;
		}
		replace_all(&x->markdown, p->ref, name.data);
		written++;
	}
	err_release(&err);
	buf_release(&name);
	buf_release(&full);
	return written;
}

/* Appends body, with one '#' less on "###..." lines when up. */
static void add_body(struct buf *out, const char *body, int up)
{
	for (const char *line = body; *line;) {
		size_t n = strcspn(line, "\n");

		if (up && !strncmp(line, "###", 3)) {
			line++;
			n--;
		}
		buf_add(out, line, n);
		buf_addch(out, '\n');
		line += n + (line[n] == '\n');
	}
}

/*
 * The piece's text: details at the top for the partner to complete, the
 * title from the document's Title (or first heading) or its file name.
 */
static void piece_text(const struct docx *x, const char *docx_name,
                       struct buf *out)
{
	const char *body = x->markdown.data, *title = NULL;
	size_t title_len = 0;
	int heading1;
	char *t;

	while (*body == '\n')
		body++;
	heading1 = !strncmp(body, "## ", 3);
	if (!strncmp(body, "# ", 2) || heading1) {
		title = body + (body[1] == ' ' ? 2 : 3);
		title_len = strcspn(title, "\n");
		body = title + title_len;
		while (*body == '\n')
			body++;
	}
	t = title ? xstrndup(title, title_len)
	          : xstrndup(docx_name, strlen(docx_name) - 5);
	buf_adds(out, "---\ntitle: ");
	yamldoc_add_quoted(out, t);
	buf_adds(out, "\npartner: \nsection: \nsummary: \n---\n");
	/* Word's Heading 1 made the title: its Heading 2s are the piece's
	 * own top level, "##", when no other Heading 1 follows. */
	add_body(out, body,
	         heading1 && !strstr(body, "\n## ") && strncmp(body, "## ", 3));
	free(t);
}

/* The name of the piece in the folder (names) with slug, or NULL. */
static const char *piece_named(char **names, size_t n, const char *slug)
{
	const char *found = NULL;

	for (size_t i = 0; i < n && !found; i++)
		if (contribution_name_ext(names[i])) {
			char *s = contribution_slug(names[i]);

			if (!strcmp(s, slug))
				found = names[i];
			free(s);
		}
	return found;
}

/*
 * A Word file saved again after its piece was made: the piece is what
 * is used, so say so rather than convert over the partner's edits.
 */
static void check_newer(const char *id, int dfd, const char *name,
                        const char *piece, struct diags *d)
{
	struct stat w, p;
	struct buf where = BUF_INIT;

	if (fstatat(dfd, name, &w, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(dfd, piece, &p, AT_SYMLINK_NOFOLLOW) < 0 ||
	    w.st_mtime <= p.st_mtime)
		return;
	buf_addf(&where, "issues/%s/%s", id, name);
	diags_add(d, DIAG_NOTE, where.data, 0, 0, "docx-newer",
	          "changed after it was made into %s, which is what the "
	          "newsletter uses: copy the changes into %s, or remove %s "
	          "to make the Word file into a piece again",
	          piece, piece, piece);
	buf_release(&where);
}

static int read_docx(int dfd, const char *name, struct buf *data,
                     struct err *err)
{
	struct stat st;

	if (file_read_regular(dfd, name, data, DOCX_MAX, &st) == 0)
		return 0;
	return err_set(err, "cannot read it: %s",
	               errno == EFBIG ? "over 20 MB; save the pictures smaller"
	                              : strerror(errno));
}

/* Makes the .docx name into SLUG.md with its pictures beside it. */
static void convert_one(const char *id, const char *dir, int dfd,
                        const char *name, const char *slug, struct diags *d)
{
	struct buf data = BUF_INIT, where = BUF_INIT, text = BUF_INIT;
	struct buf piece = BUF_INIT;
	struct err err = ERR_INIT;
	struct docx x;

	memset(&x, 0, sizeof(x));
	buf_init(&x.markdown);
	buf_addf(&where, "issues/%s/%s", id, name);
	buf_addf(&piece, "issues/%s/%s.md", id, slug);
	if (read_docx(dfd, name, &data, &err) < 0 ||
	    docx_convert(data.data, data.len, &x, &err) < 0) {
		diags_add(d, DIAG_ERROR, where.data, 0, 0, "docx", "%s",
		          err_msg(&err));
		goto out;
	}
	place_pictures(&x, dfd, dir, slug, piece.data, d);
	piece_text(&x, name, &text);
	buf_reset(&data);
	buf_addf(&data, "%s/%s.md", dir, slug);
	if (file_create_new(data.data, text.data, text.len, 0644, &err) < 0)
		diags_add(d, DIAG_ERROR, where.data, 0, 0, "docx",
		          "cannot write %s: %s", piece.data, err_msg(&err));
	else
		diags_add(
		        d, DIAG_NOTE, piece.data, 1, 1, "docx",
		        "made into this piece from '%s': complete the details "
		        "at the top (what is missing is listed here); from "
		        "now on change this file, not the Word file",
		        name);
out:
	docx_release(&x);
	buf_release(&data);
	buf_release(&where);
	buf_release(&text);
	buf_release(&piece);
	err_release(&err);
}

int docx_convert_issue(const struct config *cfg, const char *id,
                       struct diags *d, struct err *err)
{
	struct buf dir = BUF_INIT;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *dh;

	config_path(cfg, &dir, "issues/%s", id);
	dh = opendir(dir.data);
	if (!dh) {
		buf_release(&dir);
		return err_errno(err, "issues/%s: cannot open the folder", id);
	}
	while ((de = readdir(dh))) {
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		const char *piece;
		char *slug;

		if (names[i][0] == '.' || len < 6 ||
		    strcasecmp(names[i] + len - 5, ".docx") ||
		    text_control_at(names[i]))
			continue;
		slug = contribution_slug(names[i]);
		piece = piece_named(names, n, slug);
		if (piece)
			check_newer(id, dirfd(dh), names[i], piece, d);
		else
			convert_one(id, dir.data, dirfd(dh), names[i], slug, d);
		free(slug);
	}
	closedir(dh);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_release(&dir);
	return 0;
}
