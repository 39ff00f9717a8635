/*
 * report_map.c - string hash table, capped distinct-string lists and the
 * arena of mtasts-report (see report_map.h). FNV-1a hashing, linear
 * probing, load kept under 3/4; the table only grows (the report never
 * deletes).
 */
#include <stdlib.h>
#include <string.h>

#include "report_map.h"

#define MAP_MIN_CAP	64

static uint32_t
fnv1a(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#define ARENA_CHUNK	(1024 * 1024)
#define ARENA_ALIGN	16

struct arena_chunk {
	struct arena_chunk *next;
	size_t		 used, cap;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

void
strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = m->count = 0;
	m->borrowed = 0;
}

static struct strmap_slot *
probe(struct strmap_slot *slots, size_t cap, const char *key, size_t len,
    uint32_t h)
{
	size_t i = h & (cap - 1);

	while (slots[i].key != NULL && (slots[i].hash != h ||
	    slots[i].len != len || memcmp(slots[i].key, key, len) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int
grow(struct strmap *m)
{
	size_t cap = m->cap == 0 ? MAP_MIN_CAP : m->cap * 2;
	struct strmap_slot *slots, *s;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		s = probe(slots, cap, m->slots[i].key, m->slots[i].len,
		    m->slots[i].hash);
		*s = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

void **
strmap_slot(struct strmap *m, const char *key, size_t len)
{
	uint32_t h = fnv1a(key, len);
	struct strmap_slot *s;

	if (len >= UINT32_MAX)
		return NULL;
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) == -1)
		return NULL;
	s = probe(m->slots, m->cap, key, len, h);
	if (s->key != NULL)
		return &s->value;
	if ((s->key = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s->key, key, len);
	s->key[len] = '\0';
	s->len = (uint32_t)len;
	s->hash = h;
	s->value = NULL;
	m->count++;
	return &s->value;
}

int
strmap_add(struct strmap *m, const char *key, size_t len, void *value)
{
	uint32_t h = fnv1a(key, len);
	struct strmap_slot *s;

	if (len >= UINT32_MAX)
		return -1;
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) == -1)
		return -1;
	s = probe(m->slots, m->cap, key, len, h);
	s->key = (char *)key;
	s->len = (uint32_t)len;
	s->hash = h;
	s->value = value;
	m->borrowed = 1;
	m->count++;
	return 0;
}

void *
strmap_get(const struct strmap *m, const char *key, size_t len)
{
	const struct strmap_slot *s;

	if (m->cap == 0)
		return NULL;
	s = probe(m->slots, m->cap, key, len, fnv1a(key, len));
	return s->key != NULL ? s->value : NULL;
}

void **
strmap_values(const struct strmap *m)
{
	void **v;
	size_t n = 0;

	if ((v = calloc(m->count + 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key != NULL)
			v[n++] = m->slots[i].value;
	}
	return v;
}

void
strmap_free(struct strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL)
			continue;
		if (!m->borrowed)
			free(m->slots[i].key);
		if (free_value != NULL)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	strmap_init(m);
}

void
idmap_init(struct idmap *m)
{
	m->slots = NULL;
	m->cap = m->count = 0;
}

static size_t
id_home(uint32_t key, size_t cap)
{
	return (size_t)((key * 2654435761u) >> 7) & (cap - 1);
}

static struct idmap_slot *
id_probe(struct idmap_slot *slots, size_t cap, uint32_t key)
{
	size_t i = id_home(key, cap);

	while (slots[i].key != 0 && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int
id_grow(struct idmap *m)
{
	size_t cap = m->cap == 0 ? MAP_MIN_CAP / 4 : m->cap * 2;
	struct idmap_slot *slots;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key != 0)
			*id_probe(slots, cap, m->slots[i].key) = m->slots[i];
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

struct idmap_slot *
idmap_slot(struct idmap *m, uint32_t key)
{
	struct idmap_slot *s = NULL;

	if (m->cap > 0 && (s = id_probe(m->slots, m->cap, key))->key == key)
		return s;
	if ((m->count + 1) * 4 > m->cap * 3) {
		if (id_grow(m) == -1)
			return NULL;
		s = id_probe(m->slots, m->cap, key);
	}
	s->key = key;
	m->count++;
	return s;
}

void
idmap_free(struct idmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap && free_value != NULL; i++) {
		if (m->slots[i].key != 0)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	idmap_init(m);
}

int
strlist_add(struct strlist *l, const char *s, size_t cap)
{
	char **v;

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0)
			return 0;
	}
	if (l->n >= cap) {
		l->more = 1;
		return 0;
	}
	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return -1;
	l->v = v;
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

void
strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->more = 0;
}

void
arena_init(struct arena *a)
{
	a->head = NULL;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t cap;
	void *p;

	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (c == NULL || c->cap - c->used < n) {
		cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return memset(p, 0, n);
}

void
arena_take(struct arena *to, struct arena *from)
{
	struct arena_chunk *c = from->head;

	if (c == NULL)
		return;
	while (c->next != NULL)
		c = c->next;
	/* from's chunks go behind to's current one, which keeps filling. */
	if (to->head == NULL)
		to->head = from->head;
	else {
		c->next = to->head->next;
		to->head->next = from->head;
	}
	from->head = NULL;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}
