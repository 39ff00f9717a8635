/*
 * addr.h - the addresses and names an MTA hands the milter: envelope
 * addresses (MAIL FROM, RCPT TO), host names from macros, and Sendmail's
 * xtext-encoded certificate DNs.
 *
 * All of this text comes from the SMTP peer through the MTA. Every function
 * here is pure and bounded: it writes at most size bytes, always
 * NUL-terminated, and all but addr_xtext_decode() write printable ASCII.
 */
#ifndef MTASTS_ADDR_H
#define MTASTS_ADDR_H

#include <stddef.h>

/*
 * The domain of an envelope address, lower case without a trailing dot,
 * into out (size bytes). Accepted forms: "<u@D>", "u@D", a source route
 * "<@a,@b:u@D>" (skipped) and a quoted local part "<\"a@b\\\"c\"@D>".
 * Returns 1 when there is a domain, 0 (out = "") for "<>", a bare local
 * part, unbalanced brackets, an address literal ("[192.0.2.1]",
 * "[IPv6:...]": no DNS name, so no MTA-STS policy applies), a domain that
 * is not RFC 5321 syntax in A-labels (8-bit, over 253 bytes) or one that
 * does not fit in out.
 */
int	addr_domain(const char *addr, char *out, size_t size);

/*
 * A host name as a macro gave it ({j}, {client_ptr}, {tls_sni}): made
 * printable, lower case, one trailing dot removed. NULL copies as "".
 * Returns dst.
 */
char	*addr_host_copy(char *dst, size_t size, const char *src);

/*
 * Decode RFC 3461 xtext ("+2F" -> "/"; hex digits in either case) into
 * out, bounded; a '+' not followed by two hex digits stays as it is. The
 * result may hold any byte: make it printable before use. Returns out.
 */
char	*addr_xtext_decode(char *out, size_t size, const char *in);

/*
 * A certificate DN from {cert_subject} or {cert_issuer}, made printable.
 * Sendmail sends the whole DN ("/C=.../CN=...") xtext-encoded, Postfix a
 * bare CN: a value that starts with '/' and holds a '+' is decoded first.
 * NULL copies as "". Returns dst.
 */
char	*addr_dn_copy(char *dst, size_t size, const char *src);

#endif
