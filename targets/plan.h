/* The walk plan of one scan process: the group, and this shard's arcs (one per tx
 * thread), fresh or resumed from a checkpoint.
 * Contract: walk_plan_init() derives everything from (target space, seed, shards, shard,
 * threads, max_targets); with a resume file it restores each arc's position and refuses a
 * checkpoint whose seed, target/port digest, shard or thread layout differs, naming the
 * mismatch. walk_plan_save() writes every arc's position atomically (temp + rename); a
 * later run resumed from it visits exactly the indices this one has not. */
#ifndef ORBIT_TARGETS_PLAN_H
#define ORBIT_TARGETS_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "core/base/error.h"
#include "targets/cyclic.h"
#include "targets/targets.h"
#include "targets/walk.h"

struct walk_plan_params {
	uint64_t seed;
	int seed_given;        /* else the resume file's seed, or a random one */
	unsigned shards, shard;
	unsigned threads;
	uint64_t max_targets;  /* 0 = no cap; split evenly over all shards' arcs */
	int in_order;          /* nmap's -r: no permutation (hosts, then ports, ascending) */
	const char *resume_path;
};

struct walk_plan {
	struct cyclic_group cg;
	uint64_t seed;
	uint64_t digest;
	unsigned shards, shard, threads;
	struct walk_arc *arcs; /* threads entries: this shard's arcs */
};

int walk_plan_init(struct walk_plan *plan, const struct target_space *ts,
		   const struct walk_plan_params *params, struct errbuf *e);
void walk_plan_free(struct walk_plan *plan);
int walk_plan_save(const struct walk_plan *plan, const char *path, struct errbuf *e);
/* The same text onto an open stream (a scan that has dropped root rewrites a checkpoint
 * it opened before); path is only quoted in the file's comment. -1 on a write error. */
int walk_plan_write(const struct walk_plan *plan, const char *path, FILE *f);
/* A random 64-bit seed from getrandom(2), for runs without --seed. */
uint64_t walk_plan_random_seed(void);

#endif
