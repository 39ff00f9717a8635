/*
 * castore.c - one parsed trust store for the process (see castore.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "castore.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* under lock */
static X509_STORE *cached;
static char	*cached_path;
static time_t	 cached_at;

static X509_STORE *
load(const char *path)
{
	X509_STORE *st;

	if ((st = X509_STORE_new()) == NULL)
		return NULL;
	if (X509_STORE_load_file(st, path) != 1 ||
	    sk_X509_OBJECT_num(X509_STORE_get0_objects(st)) == 0) {
		X509_STORE_free(st);
		return NULL;
	}
	X509_STORE_set_flags(st, X509_V_FLAG_TRUSTED_FIRST |
	    X509_V_FLAG_PARTIAL_CHAIN);
	return st;
}

X509_STORE *
castore_get(const char *path, time_t now)
{
	X509_STORE *st = NULL, *old = NULL;
	char	*copy = NULL;

	if (path == NULL || *path == '\0')
		return NULL;
	pthread_mutex_lock(&lock);
	if (cached != NULL && strcmp(cached_path, path) == 0 &&
	    now >= cached_at && now - cached_at < CASTORE_SECONDS) {
		st = cached;
		X509_STORE_up_ref(st);
		pthread_mutex_unlock(&lock);
		return st;
	}
	/* Parsed under the lock: the others wait for it, not parse it too. */
	if ((st = load(path)) != NULL && (copy = strdup(path)) != NULL) {
		old = cached;
		free(cached_path);
		cached = st;
		cached_path = copy;
		cached_at = now;
		X509_STORE_up_ref(st);	/* the cache's, and the caller's */
	}
	pthread_mutex_unlock(&lock);
	/* In use elsewhere still: freed with its last reference. (No
	 * memory for the path: st is the caller's alone, not kept.) */
	X509_STORE_free(old);
	return st;
}

void
castore_put(X509_STORE *st)
{
	X509_STORE_free(st);
}
