/*
 * report_map.h - the containers of mtasts-report: a string-keyed hash table
 * (open addressing, grows as needed), a short list of distinct strings
 * that stops growing at a cap but keeps counting what it dropped, and an
 * arena for the many small values that live as long as the report.
 */
#ifndef MTASTS_REPORT_MAP_H
#define MTASTS_REPORT_MAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {		/* 24 bytes: there is one per sender */
	char		*key;		/* NULL = empty slot */
	void		*value;
	uint32_t	 len;		/* keys are shorter than 4 GB */
	uint32_t	 hash;
};

struct strmap {
	struct strmap_slot *slots;
	size_t		 cap;		/* power of two, or 0 */
	size_t		 count;
	int		 borrowed;	/* keys are the caller's (strmap_add) */
};

void	strmap_init(struct strmap *);
/*
 * The value pointer stored for key[0..len), created as NULL when the key is
 * new. Returns NULL only when memory runs out.
 */
void	**strmap_slot(struct strmap *, const char *key, size_t len);
/*
 * Add key[0..len) (not in m yet, NUL-terminated) with value, the key not
 * copied: it must live as long as m (e.g. in the value). A map takes
 * either these or strmap_slot's keys, never both. -1 when memory runs out.
 */
int	strmap_add(struct strmap *, const char *key, size_t len, void *value);
/* The value stored for key[0..len), or NULL when there is none. */
void	*strmap_get(const struct strmap *, const char *key, size_t len);
/* Every value, in no particular order, into a new array (free it). */
void	**strmap_values(const struct strmap *);
void	strmap_free(struct strmap *, void (*free_value)(void *));

/*
 * An integer-keyed table (keys from 1; 0 marks an empty slot) whose slots
 * hold two counters and a pointer in place: the report keeps one per
 * sender and recipient domain, found with no string to hash or compare.
 * Multiplicative hashing, linear probing, load under 3/4.
 */
struct idmap_slot {
	uint32_t	 key;
	unsigned long	 n[2];
	void		*value;
};

struct idmap {
	struct idmap_slot *slots;
	size_t		 cap;		/* power of two, or 0 */
	size_t		 count;
};

void	idmap_init(struct idmap *);
/*
 * The slot of key (> 0), created zeroed when new; valid until the next
 * idmap_slot on the same map. NULL only when memory runs out.
 */
struct idmap_slot *idmap_slot(struct idmap *, uint32_t key);
void	idmap_free(struct idmap *, void (*free_value)(void *));

struct strlist {
	char		**v;
	size_t		 n;
	int		 more;		/* some values past the cap not kept */
};

/* Add s unless already present; past cap entries only set more. */
int	strlist_add(struct strlist *, const char *s, size_t cap);
void	strlist_free(struct strlist *);

/*
 * Memory handed out in order from 1 MiB chunks and freed all at once:
 * no per-value header or free, and the values added one after another
 * lie next to each other.
 */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

void	arena_init(struct arena *);
/* n bytes, zeroed, aligned for any value; NULL when memory runs out. */
void	*arena_alloc(struct arena *, size_t n);
/* Every chunk of from becomes to's; from is left empty. */
void	arena_take(struct arena *to, struct arena *from);
void	arena_free(struct arena *);

#endif
