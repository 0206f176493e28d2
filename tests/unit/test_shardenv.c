/* --shard auto (core/scan/shardenv.h): the shard and seed from a fake environment --
 * Slurm arrays by COUNT or MIN/MAX, the derived seed shared by an array's tasks, an
 * Indexed Job's index -- and every refusal (no scheduler, step arrays, out of range, a
 * count that disagrees with --shards, a Job without --seed). */
#include "core/scan/shardenv.h"
#include "tests/unit/check.h"

#include <stdlib.h>

static const char *const *fake_env;

static char *lookup(const char *name)
{
	for (size_t i = 0; fake_env[i]; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return (char *)(uintptr_t)fake_env[i + 1];
	return NULL;
}

static int resolve(const char *const *env, unsigned shards, bool seed_given, struct shard_choice *c)
{
	struct orbit_config cfg;
	config_init(&cfg);
	cfg.shard_auto = true;
	cfg.shards = shards;
	cfg.seed = 99;
	cfg.seed_given = seed_given;
	fake_env = env;
	struct errbuf e;
	int rc = shard_choice_resolve(&cfg, lookup, c, &e);
	if (rc < 0)
		fprintf(stderr, "  (refused: %s)\n", e.msg);
	return rc;
}

int main(void)
{
	struct shard_choice c;
	const char *slurm[] = {"SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "4",
			       "SLURM_ARRAY_JOB_ID", "1234", NULL};
	CHECK(resolve(slurm, 1, false, &c) == 0);
	CHECK(c.shards == 4 && c.shard == 3 && c.seed_given);
	CHECK_EQ_U64(c.seed, shard_seed_of_slurm_job("1234"));
	CHECK(c.seed != shard_seed_of_slurm_job("1235"));
	CHECK(resolve(slurm, 1, true, &c) == 0 && c.seed == 99); /* --seed wins */
	CHECK(resolve(slurm, 4, false, &c) == 0 && c.shard == 3);
	CHECK(resolve(slurm, 3, false, &c) < 0); /* --shards given: the id is the shard */
	const char *minmax[] = {"SLURM_ARRAY_TASK_ID", "6", "SLURM_ARRAY_TASK_MIN", "5",
				"SLURM_ARRAY_TASK_MAX", "8", NULL};
	CHECK(resolve(minmax, 1, true, &c) == 0 && c.shards == 4 && c.shard == 1);
	CHECK(resolve(minmax, 8, true, &c) == 0 && c.shards == 8 && c.shard == 6);
	/* No job id and no --seed: resolved without a seed (the walk plan then refuses). */
	CHECK(resolve(minmax, 1, false, &c) == 0 && !c.seed_given);
	const char *step[] = {"SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4",
			      "SLURM_ARRAY_TASK_STEP", "2", NULL};
	CHECK(resolve(step, 1, true, &c) < 0);
	const char *outside[] = {"SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", NULL};
	CHECK(resolve(outside, 1, true, &c) < 0);
	const char *bad[] = {"SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "4", NULL};
	CHECK(resolve(bad, 1, true, &c) < 0);
	const char *alone[] = {"SLURM_ARRAY_TASK_ID", "1", NULL};
	CHECK(resolve(alone, 1, true, &c) < 0);
	const char *k8s[] = {"JOB_COMPLETION_INDEX", "2", NULL};
	CHECK(resolve(k8s, 3, true, &c) == 0 && c.shards == 3 && c.shard == 2 && c.seed == 99);
	CHECK(resolve(k8s, 1, true, &c) < 0);  /* needs --shards */
	CHECK(resolve(k8s, 2, true, &c) < 0);  /* index out of range */
	CHECK(resolve(k8s, 3, false, &c) < 0); /* needs --seed */
	const char *none[] = {NULL};
	CHECK(resolve(none, 4, true, &c) < 0);
	return check_done("shardenv");
}
