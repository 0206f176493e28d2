/* --shard auto: this process's shard from the scheduler that started it.
 * Contract: shard_choice_resolve() copies --shards/--shard/--seed when --shard is a
 * number; with auto it reads, through env (getenv in orbit, a table in tests):
 *  - Slurm job arrays: SLURM_ARRAY_TASK_ID, and SLURM_ARRAY_TASK_COUNT or _MIN/_MAX
 *    (shard = id - min, shards = the count; an array with a step other than 1 is
 *    refused); with --shards given the task id itself is the shard (so `sbatch
 *    --array=2` re-runs shard 2). The seed: --seed, else (unless --resume, which takes
 *    the checkpoint's) derived from SLURM_ARRAY_JOB_ID, the same for every task of one
 *    array (siphash of the id).
 *  - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with --shards and --seed given (a
 *    Job has no id shared by its pods that the seed could come from).
 * Neither, or a value out of range: -1 with one line naming the variable and value.
 * note says where the numbers came from (printed by main.c). */
#ifndef ORBIT_SCAN_SHARDENV_H
#define ORBIT_SCAN_SHARDENV_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "core/base/error.h"

struct shard_choice {
	unsigned shards, shard;
	uint64_t seed;
	bool seed_given;
	char note[256]; /* empty unless auto */
};

typedef char *(*env_lookup_fn)(const char *name); /* getenv */

int shard_choice_resolve(const struct orbit_config *cfg, env_lookup_fn env,
			 struct shard_choice *c, struct errbuf *e);
/* The seed every task of Slurm array job `job_id` derives. */
uint64_t shard_seed_of_slurm_job(const char *job_id);

#endif
