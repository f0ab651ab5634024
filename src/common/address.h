#ifndef ADDRESS_H
#define ADDRESS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Email addresses (addr-spec, RFC 5321 section 4.1.2 and RFC 5322
 * section 3.4.1): a dot-atom or quoted-string local part of at most 64
 * octets, '@', and a domain of LDH labels (punycode "xn--" labels
 * included) of at most 63 octets each; the whole address at most 254
 * octets so that the SMTP path "<addr>" fits in 256.
 *
 * Refused on purpose although some RFC would allow them: non-ASCII local
 * parts (they need SMTPUTF8, which relays cannot be relied on to offer),
 * non-ASCII domains (write them in punycode), address literals
 * ("[192.0.2.1]"), single-label domains and comments.
 */

/* The longest address accepted, in octets. */
#define ADDRESS_MAX 254

/*
 * Checks in[0..len) and writes its normal form to out (which is reset
 * first): surrounding white space trimmed, the domain lower-cased, a
 * quoted local part unquoted when the quotes are not needed. Returns 0,
 * or -1 with "invalid address 'IN': reason" in err.
 */
int address_normalise(const char *in, size_t len, struct buf *out,
                      struct err *err);

/* The domain of a normalised address (borrowed from addr). */
const char *address_domain(const char *addr);

/*
 * Checks a domain name by the rules above (no trailing dot). Returns 0 or
 * -1 with the reason in err.
 */
int address_check_domain(const char *domain, size_t len, struct err *err);

#endif
