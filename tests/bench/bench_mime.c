/*
 * How many complete personalised messages mime_write builds per second on
 * one core, for a newsletter of about 35 KB.
 *
 * Each message is made the way a send makes it: the issue's text and HTML
 * with the recipient's name and unsubscribe token put in (copied into a
 * reused buffer, as a renderer would), then mime_write with fresh headers,
 * quoted-printable encoding of both bodies, a new Message-ID and boundary.
 * A second run encodes the shared pieces of the bodies once and only the
 * per-recipient pieces per message (struct mime_body .encoded).
 *
 *   bench_mime [MESSAGES]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mime.h"

#include "banned.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The issue, split where the per-recipient fields go: piece, field, piece,
 * field, piece (name, then unsubscribe token). */
struct issue {
	struct buf text[3], html[3];
};

static void make_issue(struct issue *is)
{
	static const char *para =
	        "Partners across Luton are working together so that every "
	        "child gets the best start in life \xe2\x80\x93 from Flying "
	        "Start play sessions to the caf\xc3\xa9 where parents meet "
	        "health visitors. Here\xe2\x80\x99s what we learnt this "
	        "quarter, and what comes next.";

	for (int i = 0; i < 3; i++) {
		buf_init(&is->text[i]);
		buf_init(&is->html[i]);
	}
	buf_adds(&is->html[0],
	         "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta "
	         "charset=\"utf-8\"><meta name=\"viewport\" "
	         "content=\"width=device-width\"><title>Luton Health Equity "
	         "Town News</title><style>body{margin:0;padding:0}"
	         "@media (max-width:620px){.w{width:100%!important}}</style>"
	         "</head><body style=\"margin:0;padding:0;background:#f4f4f4\">"
	         "<table role=\"presentation\" class=\"w\" width=\"600\" "
	         "align=\"center\" style=\"width:600px;max-width:100%;"
	         "background:#ffffff;font-family:Arial,sans-serif\"><tr><td "
	         "style=\"padding:24px\"><p style=\"margin:0 0 16px;font-size:"
	         "16px;line-height:24px;color:#1a1a1a\">Dear ");
	buf_adds(&is->text[0], "LUTON HEALTH EQUITY TOWN NEWS\nSpring issue\n\n"
	                       "Dear ");
	buf_adds(&is->html[1], ",</p>\n");
	buf_adds(&is->text[1], ",\n\n");
	for (int a = 0; is->html[1].len < 24500; a++) {
		buf_addf(&is->html[1],
		         "<h2 style=\"margin:24px 0 8px;font-size:20px;"
		         "line-height:28px;color:#0b3d5c\">Article %d: Flying "
		         "Start reaches two more wards</h2>\n<p style=\"margin:"
		         "0 0 16px;font-size:16px;line-height:24px;color:"
		         "#1a1a1a\">%s %s</p>\n<p style=\"margin:0 0 16px\"><a "
		         "href=\"https://het-news.example.org/2026-03/"
		         "article-%d\" style=\"color:#0b5cab;text-decoration:"
		         "underline\">Read how Flying Start works in Farley "
		         "and Dallow</a></p>\n",
		         a, para, para, a);
		buf_addf(
		        &is->text[1],
		        "ARTICLE %d: FLYING START REACHES TWO MORE WARDS\n\n"
		        "Partners across Luton are working together so that\n"
		        "every child gets the best start in life \xe2\x80\x93 "
		        "from Flying\nStart play sessions to the caf\xc3\xa9 "
		        "where parents meet health\nvisitors. Here\xe2\x80\x99s"
		        " what we learnt this quarter, and what\ncomes next. "
		        "Read how Flying Start works in Farley and\nDallow [%d]"
		        "\n\n[%d] https://het-news.example.org/2026-03/"
		        "article-%d\n\n",
		        a, a + 1, a + 1, a);
	}
	buf_adds(&is->html[1],
	         "<p style=\"font-size:13px;color:#555555\">You get this "
	         "because you subscribed. <a href=\"https://"
	         "het-news.example.org/unsubscribe/");
	buf_adds(&is->text[1], "You get this because you subscribed. "
	                       "Unsubscribe:\nhttps://het-news.example.org/"
	                       "unsubscribe/");
	buf_adds(&is->html[2], "\">Unsubscribe</a></p></td></tr></table>"
	                       "</body></html>\n");
	buf_adds(&is->text[2], "\n");
}

static void release_issue(struct issue *is)
{
	for (int i = 0; i < 3; i++) {
		buf_release(&is->text[i]);
		buf_release(&is->html[i]);
	}
}

/* One recipient's body: the pieces and the fields joined. */
static void render(struct buf *out, const struct buf piece[3], const char *name,
                   const char *token)
{
	const char *parts[5] = {piece[0].data, name, piece[1].data, token,
	                        piece[2].data};
	size_t lens[5] = {piece[0].len, strlen(name), piece[1].len,
	                  strlen(token), piece[2].len};

	buf_reset(out);
	for (int i = 0; i < 5; i++)
		buf_add(out, parts[i], lens[i]);
}

/* The shared pieces encoded once, fields encoded per recipient. */
struct encoded_issue {
	struct buf text[3], html[3];
};

static void render_encoded(struct buf *out, const struct buf enc[3],
                           const char *name, const char *token)
{
	buf_reset(out);
	buf_add(out, enc[0].data, enc[0].len);
	mime_qp_encode(out, name, strlen(name), MIME_QP_PIECE);
	buf_add(out, enc[1].data, enc[1].len);
	mime_qp_encode(out, token, strlen(token), MIME_QP_PIECE);
	buf_add(out, enc[2].data, enc[2].len);
}

static int run(const struct issue *is, long count, int encoded, double *rate,
               size_t *size)
{
	struct buf msg = BUF_INIT, text = BUF_INIT, html = BUF_INIT,
	           id = BUF_INIT, url = BUF_INIT, mailto = BUF_INIT;
	struct encoded_issue enc;
	struct err err = ERR_INIT;
	char name[64], addr[64], token[32];
	double t0;
	size_t total = 0;
	int ret = 0;

	for (int i = 0; i < 3; i++) {
		buf_init(&enc.text[i]);
		buf_init(&enc.html[i]);
		mime_qp_encode(&enc.text[i], is->text[i].data, is->text[i].len,
		               MIME_QP_PIECE);
		mime_qp_encode(&enc.html[i], is->html[i].data, is->html[i].len,
		               MIME_QP_PIECE);
	}
	t0 = now();
	for (long r = 0; r < count; r++) {
		struct mime_message m = {
		        .date = 1772539200,
		        .from_name = "Luton Health Equity Town",
		        .from_addr = "het-news@example.org",
		        .to_name = name,
		        .to_addr = addr,
		        .subject =
		                "Spring issue: Flying Start reaches two more "
		                "wards \xe2\x80\x93 and six other stories",
		        .list_name = "Luton Health Equity Town News",
		        .list_id = "het-news.example.org",
		        .feedback_id = "2026-03:het-news:bulletin",
		};

		snprintf(name, sizeof(name), "Subscriber Zo\xc3\xab %ld", r);
		snprintf(addr, sizeof(addr), "subscriber%ld@example.net", r);
		snprintf(token, sizeof(token), "t%021ld", r * 7919);
		buf_reset(&url);
		buf_addf(&url, "https://het-news.example.org/unsubscribe/%s",
		         token);
		buf_reset(&mailto);
		buf_addf(&mailto, "mailto:unsubscribe+%s@example.org", token);
		m.unsubscribe_url = url.data;
		m.unsubscribe_mailto = mailto.data;
		if (encoded) {
			render_encoded(&text, enc.text, name, token);
			render_encoded(&html, enc.html, name, token);
		} else {
			render(&text, is->text, name, token);
			render(&html, is->html, name, token);
		}
		m.text = (struct mime_body){text.data, text.len, encoded};
		m.html = (struct mime_body){html.data, html.len, encoded};
		buf_reset(&msg);
		if (mime_write(&msg, &m, &id, &err) < 0) {
			fprintf(stderr, "bench_mime: %s\n", err_msg(&err));
			ret = -1;
			break;
		}
		total += msg.len;
	}
	*rate = (double)count / (now() - t0);
	*size = count ? total / (size_t)count : 0;
	for (int i = 0; i < 3; i++) {
		buf_release(&enc.text[i]);
		buf_release(&enc.html[i]);
	}
	buf_release(&msg);
	buf_release(&text);
	buf_release(&html);
	buf_release(&id);
	buf_release(&url);
	buf_release(&mailto);
	err_release(&err);
	return ret;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 50000;
	struct issue is;
	double raw_rate, enc_rate;
	size_t raw_size, enc_size;
	int ret = 0;

	make_issue(&is);
	/* A short warm-up so page faults and the allocator settle. */
	if (run(&is, count / 10 + 1, 0, &raw_rate, &raw_size) < 0 ||
	    run(&is, count, 0, &raw_rate, &raw_size) < 0 ||
	    run(&is, count, 1, &enc_rate, &enc_size) < 0)
		ret = 1;
	else {
		printf("mime: %ld messages of %zu bytes, bodies rendered per "
		       "recipient: %.0f messages/s (%.0f MB/s)\n",
		       count, raw_size, raw_rate, raw_rate * raw_size / 1e6);
		printf("mime: %ld messages of %zu bytes, shared pieces "
		       "encoded once: %.0f messages/s (%.0f MB/s)\n",
		       count, enc_size, enc_rate, enc_rate * enc_size / 1e6);
	}
	release_issue(&is);
	return ret;
}
