/*
 * fuzz_servedcert.c - libFuzzer target for the tls_ourcert text of a
 * policy request (servedcert_health): a PEM certificate on one line or
 * not, or a SHA-256 fingerprint, or anything else a client sends. The
 * holder is not started, so nothing is judged: what is fuzzed is the
 * reading of the text (PEM markers, base64, DER, hex digits and colons)
 * and the lookup. An unknown text must answer 0 and leave out untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "servedcert.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct servedcert *s;
	struct cert_health h, untouched;
	char	*text;

	if (s == NULL && (s = servedcert_new()) == NULL)
		abort();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&h, 0x5a, sizeof(h));
	untouched = h;
	if (servedcert_health(s, text, "mx1.example.test", "", 0, &h) != 0 ||
	    memcmp(&h, &untouched, sizeof(h)) != 0)
		abort();
	free(text);
	return 0;
}
