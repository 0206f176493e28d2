#include "core/scan/shardenv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/siphash.h"

/* A decimal number in [0, max]; -1 when absent or not one. */
static int env_number(env_lookup_fn env, const char *name, unsigned long max,
		      unsigned long *out, struct errbuf *e)
{
	const char *v = env(name);
	if (!v)
		return 1;
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (!*v || *end || errno || n > max || *v == '-')
		return err_set(e, "--shard auto: invalid %s='%s': expected 0 to %lu", name, v, max);
	*out = n;
	return 0;
}

uint64_t shard_seed_of_slurm_job(const char *job_id)
{
	/* Any fixed key: the point is one seed per array, spread over 64 bits. */
	const struct siphash_key key = {0x6f72626974736c75ull, 0x726d2d6172726179ull};
	char text[96];
	int n = snprintf(text, sizeof text, "orbit slurm array job %s", job_id);
	return siphash24(key, text, n > 0 ? (size_t)n : 0);
}

static int from_slurm(const struct orbit_config *cfg, env_lookup_fn env, struct shard_choice *c,
		      struct errbuf *e)
{
	unsigned long id = 0, count = 0, lo = 0, hi = 0, step = 1;
	if (env_number(env, "SLURM_ARRAY_TASK_ID", 65534, &id, e) < 0 ||
	    env_number(env, "SLURM_ARRAY_TASK_STEP", 65535, &step, e) < 0)
		return -1;
	if (step != 1)
		return err_set(e, "--shard auto: SLURM_ARRAY_TASK_STEP=%lu: use an array without a "
				  "step (--array=0-N), so the task ids are the shards", step);
	int have_min = env_number(env, "SLURM_ARRAY_TASK_MIN", 65534, &lo, e);
	int have_max = env_number(env, "SLURM_ARRAY_TASK_MAX", 65534, &hi, e);
	int have_count = env_number(env, "SLURM_ARRAY_TASK_COUNT", 65535, &count, e);
	if (have_min < 0 || have_max < 0 || have_count < 0)
		return -1;
	if (cfg->shards > 1) {
		/* --shards given: the task id is the shard (sbatch --array=2 re-runs shard 2). */
		if (id >= cfg->shards)
			return err_set(e, "--shard auto: SLURM_ARRAY_TASK_ID=%lu must be below "
					  "--shards %u", id, cfg->shards);
		c->shard = (unsigned)id;
	} else {
		if (have_count != 0) {
			if (have_min != 0 || have_max != 0 || hi < lo)
				return err_set(e, "--shard auto: SLURM_ARRAY_TASK_ID without "
						  "SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/_MAX");
			count = hi - lo + 1;
		}
		if (id < lo || id - lo >= count)
			return err_set(e, "--shard auto: SLURM_ARRAY_TASK_ID=%lu is outside the "
					  "array (%lu tasks from %lu)", id, count, lo);
		c->shards = (unsigned)count;
		c->shard = (unsigned)(id - lo);
	}
	int w = snprintf(c->note, sizeof c->note, "shard %u of %u from SLURM_ARRAY_TASK_ID=%lu",
			 c->shard, c->shards, id);
	const char *job = env("SLURM_ARRAY_JOB_ID");
	/* A resumed task takes its checkpoint's seed (a re-run is another array job). */
	if (!c->seed_given && !cfg->resume_file && job && *job && strlen(job) < 64) {
		c->seed = shard_seed_of_slurm_job(job);
		c->seed_given = true;
		snprintf(c->note + w, sizeof c->note - (size_t)w,
			 "; seed %" PRIu64 " from SLURM_ARRAY_JOB_ID=%s", c->seed, job);
	}
	return 0;
}

int shard_choice_resolve(const struct orbit_config *cfg, env_lookup_fn env,
			 struct shard_choice *c, struct errbuf *e)
{
	memset(c, 0, sizeof *c);
	c->shards = cfg->shards;
	c->shard = cfg->shard;
	c->seed = cfg->seed;
	c->seed_given = cfg->seed_given;
	if (!cfg->shard_auto)
		return 0;
	if (env("SLURM_ARRAY_TASK_ID"))
		return from_slurm(cfg, env, c, e);
	unsigned long index;
	int rc = env_number(env, "JOB_COMPLETION_INDEX", 65534, &index, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return err_set(e, "--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor "
				  "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set");
	if (cfg->shards < 2)
		return err_set(e, "--shard auto: JOB_COMPLETION_INDEX=%lu needs --shards (the Job's "
				  "completions)", index);
	if (index >= cfg->shards)
		return err_set(e, "--shard auto: JOB_COMPLETION_INDEX=%lu must be below --shards %u",
			       index, cfg->shards);
	if (!cfg->seed_given)
		return err_set(e, "--shard auto: a Kubernetes Indexed Job needs --seed (the same for "
				  "every pod)");
	c->shard = (unsigned)index;
	snprintf(c->note, sizeof c->note, "shard %u of %u from JOB_COMPLETION_INDEX=%lu", c->shard,
		 c->shards, index);
	return 0;
}
