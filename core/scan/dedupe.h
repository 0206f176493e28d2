/* Duplicate suppression for results: retries, retransmitted SYN-ACKs and a RST after a
 * SYN-ACK must produce one result per (address, protocol, port). First wins.
 * Contract: a Judy1 bit set keyed by dedupe_key() (address << 24 | proto << 16 | port, one
 * 64-bit word, so each key is unique and neighbouring ports share Judy nodes). Per rx queue,
 * not shared between threads (RSS by source address keeps a host on one queue).
 * dedupe_insert() allocates inside Judy only; dedupe_free() releases everything. */
#ifndef ORBIT_CORE_DEDUPE_H
#define ORBIT_CORE_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

struct dedupe {
	void *judy;          /* Pvoid_t Judy1 array; NULL when empty */
	uint64_t unique;     /* keys inserted for the first time */
	uint64_t duplicates; /* inserts of a key already present */
};

static inline uint64_t dedupe_key(uint32_t addr, uint8_t proto, uint16_t port)
{
	return ((uint64_t)addr << 24) | ((uint64_t)proto << 16) | port;
}

void dedupe_init(struct dedupe *d);

/* Returns 1 when the key is new, 0 for a duplicate (counted), -1 when Judy ran out of
 * memory (nothing counted). */
int dedupe_insert(struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port);

/* 1 when the key is in the set (read-only: safe once the inserting thread is done). */
int dedupe_contains(const struct dedupe *d, uint32_t addr, uint8_t proto, uint16_t port);

/* Bytes Judy holds for the set. */
size_t dedupe_memory(const struct dedupe *d);

void dedupe_free(struct dedupe *d);

#endif
