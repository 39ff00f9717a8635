/*
 * certhealth.c - judge the certificate chain an MX serves the way a sending
 * MTA applying MTA-STS would (RFC 8461 4.2): PKIX chain to a trusted root,
 * not expired, SAN dNSName matching the MX name (RFC 6125 6.4: wildcard
 * only as the whole left-most label, CN never consulted).
 *
 * Every failure is collected, not only the first: a verify callback records
 * each error and lets OpenSSL carry on, so an expired certificate for the
 * wrong host from an unknown CA reports all three findings at once.
 *
 * Mapping of OpenSSL's errors onto the three findings:
 *   X509_V_ERR_CERT_HAS_EXPIRED (any depth)  -> expired
 *   X509_V_ERR_HOSTNAME_MISMATCH             -> host_mismatch
 *   anything else, including NOT_YET_VALID   -> not_trusted
 * A not-yet-valid certificate is "not trusted" rather than "expired": the
 * fix (wait, or correct the clock or the certificate) is not a renewal, and
 * TLS-RPT has no result type for it either.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certhealth.h"

/* Distinct verify errors remembered for the detail text. */
#define CERTHEALTH_ERRORS_MAX	8

struct verify_state {
	struct certhealth_result *out;
	int	errors[CERTHEALTH_ERRORS_MAX];
	size_t	nerrors;
};

/* Append "; text" (or text when first) to out->detail, bounded. */
static void
detail_append(struct certhealth_result *out, const char *text)
{
	size_t	len = strlen(out->detail);

	snprintf(out->detail + len, sizeof(out->detail) - len, "%s%s",
	    len > 0 ? "; " : "", text);
}

static void
record_error(struct verify_state *st, int err)
{
	struct cert_health *h = &st->out->health;
	size_t	i;

	for (i = 0; i < st->nerrors; i++)
		if (st->errors[i] == err)
			return;
	if (st->nerrors < CERTHEALTH_ERRORS_MAX)
		st->errors[st->nerrors++] = err;
	if (err == X509_V_ERR_CERT_HAS_EXPIRED)
		h->expired = 1;
	else if (err == X509_V_ERR_HOSTNAME_MISMATCH)
		h->host_mismatch = 1;
	else
		h->not_trusted = 1;
	detail_append(st->out, X509_verify_cert_error_string(err));
}

/* Record the failure and continue, so later checks still run. */
static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct verify_state *st = X509_STORE_CTX_get_app_data(ctx);

	if (!ok)
		record_error(st, X509_STORE_CTX_get_error(ctx));
	return 1;
}

/*
 * Read every certificate in the PEM file, in order; other PEM blocks (a
 * private key in a combined file, as Postfix's chain files allow) are
 * skipped. Returns NULL with out->error set on failure or no certificate.
 */
static STACK_OF(X509) *
read_chain(const char *path, struct certhealth_result *out)
{
	STACK_OF(X509) *chain;
	FILE	*fp;
	X509	*x;
	unsigned long e;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(out->error, sizeof(out->error), "cannot open %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	if ((chain = sk_X509_new_null()) == NULL) {
		fclose(fp);
		snprintf(out->error, sizeof(out->error), "out of memory");
		return NULL;
	}
	ERR_clear_error();
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(chain, x)) {
			X509_free(x);
			break;
		}
	}
	fclose(fp);
	e = ERR_peek_last_error();
	/* Running out of PEM blocks is how a good file ends. */
	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
		e = 0;
	ERR_clear_error();
	if (e != 0)
		snprintf(out->error, sizeof(out->error),
		    "%s: certificate %d: %s", path, sk_X509_num(chain) + 1,
		    ERR_reason_error_string(e) != NULL ?
		    ERR_reason_error_string(e) : "unreadable");
	else if (sk_X509_num(chain) == 0)
		snprintf(out->error, sizeof(out->error),
		    "%s: no PEM certificate in file", path);
	else
		return chain;
	sk_X509_pop_free(chain, X509_free);
	return NULL;
}

/* The trust anchors a sender would use: ca_file, or the system store. */
static X509_STORE *
load_store(const char *ca_file, struct certhealth_result *out)
{
	X509_STORE *store;
	int	ok;

	if ((store = X509_STORE_new()) == NULL) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		return NULL;
	}
	if (ca_file == NULL || *ca_file == '\0')
		ok = X509_STORE_set_default_paths(store);
	else
		ok = X509_STORE_load_file(store, ca_file);
	ERR_clear_error();
	if (!ok) {
		snprintf(out->error, sizeof(out->error),
		    "cannot load CA certificates from %s",
		    ca_file != NULL && *ca_file != '\0' ? ca_file :
		    "the system store");
		X509_STORE_free(store);
		return NULL;
	}
	return store;
}

/* Seconds since the epoch of an ASN1_TIME, 0 when it cannot be read. */
static time_t
asn1_time_to_epoch(const ASN1_TIME *t)
{
	ASN1_TIME *epoch;
	int	days, secs;
	time_t	result = 0;

	if ((epoch = ASN1_TIME_set(NULL, 0)) == NULL)
		return 0;
	if (ASN1_TIME_diff(&days, &secs, epoch, t))
		result = (time_t)days * 86400 + secs;
	ASN1_TIME_free(epoch);
	return result;
}

/*
 * Verify leaf (with the rest of chain as untrusted intermediates) against
 * store for mx_name at now. Returns 0 when judged, -1 on internal failure.
 */
static int
verify_chain(X509_STORE *store, STACK_OF(X509) *chain, const char *mx_name,
    time_t now, struct certhealth_result *out)
{
	struct verify_state st = { .out = out };
	X509_STORE_CTX *ctx;
	X509_VERIFY_PARAM *param;
	size_t	namelen = strlen(mx_name);
	int	ret = -1;

	/* The MX name may come with its root dot ("mx.example.com."). */
	if (namelen > 1 && mx_name[namelen - 1] == '.')
		namelen--;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return -1;
	if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain))
		goto done;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, now);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!X509_VERIFY_PARAM_set1_host(param, mx_name, namelen) ||
	    !X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER))
		goto done;
	X509_STORE_CTX_set_app_data(ctx, &st);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	/*
	 * With the callback accepting every error, only an internal
	 * failure (memory) can make verification fail without a record.
	 */
	if (X509_verify_cert(ctx) > 0 || st.nerrors > 0)
		ret = 0;
done:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

int
certhealth_check_chain(STACK_OF(X509) *chain, const char *ca_file,
    const char *mx_name, time_t now, struct certhealth_result *out)
{
	X509_STORE *store;
	int	ret = -1;

	memset(out, 0, sizeof(*out));
	if (mx_name == NULL || *mx_name == '\0') {
		snprintf(out->error, sizeof(out->error),
		    "no MX name to check the certificate against");
		return -1;
	}
	if (chain == NULL || sk_X509_num(chain) == 0) {
		snprintf(out->error, sizeof(out->error), "no certificate");
		return -1;
	}
	if ((store = load_store(ca_file, out)) == NULL)
		return -1;
	out->not_after = asn1_time_to_epoch(
	    X509_get0_notAfter(sk_X509_value(chain, 0)));
	if (verify_chain(store, chain, mx_name, now, out) == 0) {
		out->health.known = 1;
		ret = 0;
	} else {
		memset(&out->health, 0, sizeof(out->health));
		out->detail[0] = '\0';
		snprintf(out->error, sizeof(out->error),
		    "cannot verify the chain (out of memory?)");
	}
	X509_STORE_free(store);
	return ret;
}

int
certhealth_check_file(const char *chain_file, const char *ca_file,
    const char *mx_name, time_t now, struct certhealth_result *out)
{
	STACK_OF(X509) *chain;
	int	ret;

	memset(out, 0, sizeof(*out));
	if (mx_name == NULL || *mx_name == '\0')
		return certhealth_check_chain(NULL, ca_file, mx_name, now, out);
	if ((chain = read_chain(chain_file, out)) == NULL)
		return -1;
	ret = certhealth_check_chain(chain, ca_file, mx_name, now, out);
	sk_X509_pop_free(chain, X509_free);
	return ret;
}

STACK_OF(X509) *
certhealth_read_chain(const char *path, struct certhealth_result *out)
{
	memset(out, 0, sizeof(*out));
	return read_chain(path, out);
}

char **
certhealth_leaf_names(const char *chain_file, size_t max, size_t *n)
{
	struct certhealth_result res;
	STACK_OF(X509) *chain;
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	char	**names;
	int	 i, len;

	*n = 0;
	if ((chain = read_chain(chain_file, &res)) == NULL)
		return NULL;
	gens = X509_get_ext_d2i(sk_X509_value(chain, 0), NID_subject_alt_name,
	    NULL, NULL);
	sk_X509_pop_free(chain, X509_free);
	if (gens == NULL)
		return NULL;
	if ((names = calloc(max > 0 ? max : 1, sizeof(*names))) == NULL) {
		GENERAL_NAMES_free(gens);
		return NULL;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && *n < max; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		len = ASN1_STRING_length(g->d.dNSName);
		/* A name with a NUL in it matches nothing a sender asks for. */
		if (len <= 0 || len > 253 || memchr(ASN1_STRING_get0_data(
		    g->d.dNSName), '\0', (size_t)len) != NULL)
			continue;
		if ((names[*n] = strndup((const char *)ASN1_STRING_get0_data(
		    g->d.dNSName), (size_t)len)) == NULL)
			break;
		(*n)++;
	}
	GENERAL_NAMES_free(gens);
	if (*n == 0) {
		free(names);
		return NULL;
	}
	return names;
}

void
certhealth_names_free(char **names, size_t n)
{
	size_t	i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}
