/* Duplicate suppression for results: retries, retransmitted SYN-ACKs and a RST after a
 * SYN-ACK must produce one result per (address, protocol, port). First wins.
 * Contract: a Judy1 bit set of 64-bit keys. A set made with dedupe_init_space() keys a
 * result of the scan's target space by its index there (target_space_encode: address
 * index * ports + port index), so the keys of a dense scan are dense and Judy keeps them
 * as bitmap leaves: a /16 x 65 ports of results is 0.3 MB instead of 17.8 MB and a new key
 * costs ~36 ns instead of ~400 in random order (bench/dedupe_layout.c measures both).
 * Results outside the space (and every key of a set made with dedupe_init()) use
 * dedupe_key() with the top bit set: address << 24 | proto << 16 | port. Per rx queue,
 * not shared between threads (RSS by source address keeps a host's own replies on one
 * queue). dedupe_insert() allocates inside Judy only; dedupe_free() releases everything.
 * Cross-queue keys: an ICMP error sent by a router (responder != address) hashes on the
 * router's address, so it can land on another queue than the target's own reply for the
 * same key. With several queues such results are deferred (dedupe_defer: kept per queue,
 * deduplicated among themselves) and resolved once every queue has stopped
 * (dedupe_resolve: kept only when no queue saw the key, then inserted there): one result
 * per key, always, and the target's own answer wins over a router's. The hot path (the
 * target's own replies) stays one per-queue insert. */
#ifndef ORBIT_CORE_DEDUPE_H
#define ORBIT_CORE_DEDUPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/result.h"

struct target_space;

struct dedupe {
	void *judy;          /* Pvoid_t Judy1 array; NULL when empty */
	const struct target_space *space; /* keys by index in it; NULL: dedupe_key() only */
	uint64_t unique;     /* keys inserted for the first time */
	uint64_t duplicates; /* inserts of a key already present */
};

static inline uint64_t dedupe_key(uint32_t addr, uint8_t proto, uint16_t port)
{
	return ((uint64_t)addr << 24) | ((uint64_t)proto << 16) | port;
}

void dedupe_init(struct dedupe *d);
/* A set keyed by the results' indices in space (which must outlive the set). */
void dedupe_init_space(struct dedupe *d, const struct target_space *space);

/* Returns 1 when the key is new, 0 for a duplicate (counted), -1 when Judy ran out of
 * memory (nothing counted). */
int dedupe_insert(struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port);

/* 1 when the key is in the set (read-only: safe once the inserting thread is done). */
int dedupe_contains(const struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port);

/* 1 when any key of addr is in the set (any protocol, any port): the host answered. */
int dedupe_has_addr(const struct dedupe *d, uint32_t addr);

/* Bytes Judy holds for the set. */
size_t dedupe_memory(const struct dedupe *d);

void dedupe_free(struct dedupe *d);

/* Was the result sent by someone else than its target (a router's ICMP error)? */
static inline bool dedupe_from_other_host(const struct scan_result *r)
{
	return r->responder && r->responder != r->addr;
}

struct dedupe_deferred {
	struct dedupe seen;    /* keys deferred on this queue */
	struct scan_result *v; /* in arrival order */
	size_t n, cap;
};

void dedupe_deferred_init(struct dedupe_deferred *q);
/* 1 kept for dedupe_resolve, 0 duplicate of a deferred key (counted in q->seen), -1 out of
 * memory (nothing kept: the caller reports it at once). */
int dedupe_defer(struct dedupe_deferred *q, const struct scan_result *r);
/* Once no queue inserts any more: for each queue i's deferred results in order, a key that
 * no set of sets[0..n) holds is inserted into sets[i] and passed to keep(); the others are
 * counted as duplicates of sets[i]. Returns the number kept. */
typedef void (*dedupe_keep_fn)(unsigned queue, const struct scan_result *r, void *arg);
size_t dedupe_resolve(struct dedupe *sets, struct dedupe_deferred *deferred, unsigned n,
		      dedupe_keep_fn keep, void *arg);
void dedupe_deferred_free(struct dedupe_deferred *q);

#endif
