#include "targets/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { CHECKPOINT_VERSION = 1 };

uint64_t walk_plan_random_seed(void)
{
	uint64_t seed;
	if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
		seed = (uint64_t)time(NULL) ^ (uint64_t)clock();
	return seed;
}

struct saved_arc {
	uint64_t arc, begin, end, pos;
};

struct checkpoint {
	uint64_t seed, digest, n, p;
	unsigned shards, shard, threads;
	struct saved_arc *arcs;
	size_t narcs;
};

static int read_checkpoint(const char *path, struct checkpoint *cp, struct errbuf *e)
{
	memset(cp, 0, sizeof *cp);
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, "cannot open checkpoint '%s': %s", path, strerror(errno));
	char line[256];
	unsigned version = 0, have = 0;
	int rc = 0;
	size_t lineno = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		struct saved_arc a;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "orbit-checkpoint %u", &version) == 1)
			have |= 1;
		else if (sscanf(line, "seed %" SCNu64, &cp->seed) == 1)
			have |= 2;
		else if (sscanf(line, "digest %" SCNx64, &cp->digest) == 1)
			have |= 4;
		else if (sscanf(line, "n %" SCNu64, &cp->n) == 1)
			have |= 8;
		else if (sscanf(line, "p %" SCNu64, &cp->p) == 1)
			have |= 16;
		else if (sscanf(line, "layout shards %u shard %u threads %u", &cp->shards, &cp->shard,
				&cp->threads) == 3)
			have |= 32;
		else if (sscanf(line, "arc %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &a.arc,
				&a.begin, &a.end, &a.pos) == 4) {
			struct saved_arc *v = realloc(cp->arcs, (cp->narcs + 1) * sizeof *v);
			if (!v) {
				rc = err_set(e, "out of memory");
				break;
			}
			cp->arcs = v;
			cp->arcs[cp->narcs++] = a;
		} else
			rc = err_set(e, "%s:%zu: not an orbit checkpoint line", path, lineno);
	}
	fclose(f);
	if (rc == 0 && (have != 63 || version != CHECKPOINT_VERSION))
		rc = err_set(e, "'%s' is not a complete orbit checkpoint (version %d)", path,
			     CHECKPOINT_VERSION);
	if (rc < 0) {
		free(cp->arcs);
		cp->arcs = NULL;
	}
	return rc;
}

static int restore_arcs(struct walk_plan *plan, const struct checkpoint *cp,
			const struct walk_plan_params *params, const char *path, struct errbuf *e)
{
	if (cp->shards != plan->shards || cp->shard != plan->shard || cp->threads != plan->threads)
		return err_set(e, "checkpoint '%s' is for --shards %u --shard %u -T %u, not "
				  "--shards %u --shard %u -T %u", path, cp->shards, cp->shard,
			       cp->threads, plan->shards, plan->shard, plan->threads);
	if (cp->narcs != plan->threads)
		return err_set(e, "checkpoint '%s' holds %zu arcs, expected %u", path, cp->narcs,
			       plan->threads);
	uint64_t count = (uint64_t)plan->shards * plan->threads;
	for (unsigned t = 0; t < plan->threads; t++) {
		uint64_t arc = (uint64_t)plan->shard * plan->threads + t, begin, end;
		walk_arc_bounds(&plan->cg, arc, count, &begin, &end);
		const struct saved_arc *s = &cp->arcs[t];
		if (s->arc != arc || s->begin != begin || s->end != end || s->pos < begin ||
		    s->pos > end)
			return err_set(e, "checkpoint '%s': arc %" PRIu64 " does not match this walk",
				       path, s->arc);
		walk_arc_init(&plan->arcs[t], &plan->cg, begin, end, s->pos,
			      walk_arc_budget(params->max_targets, plan->cg.n, arc, count));
	}
	return 0;
}

int walk_plan_init(struct walk_plan *plan, const struct target_space *ts,
		   const struct walk_plan_params *params, struct errbuf *e)
{
	memset(plan, 0, sizeof *plan);
	if (params->shards == 0)
		return err_set(e, "invalid --shards 0: must be at least 1");
	if (params->shard >= params->shards)
		return err_set(e, "invalid --shard %u: must be below --shards %u (shards count from 0)",
			       params->shard, params->shards);
	if (params->threads == 0)
		return err_set(e, "invalid thread count 0: must be at least 1");
	/* Shards are arcs of one permutation: machines that each drew their own seed would
	 * overlap and miss (zmap refuses this too). A resumed shard takes the checkpoint's. */
	if (params->shards > 1 && !params->seed_given && !params->resume_path)
		return err_set(e, "--shards %u needs --seed: give every shard the same seed",
			       params->shards);
	plan->shards = params->shards;
	plan->shard = params->shard;
	plan->threads = params->threads;
	/* An in-order walk visits other indices at the same positions: its checkpoints are
	 * not a permuted walk's. */
	plan->digest = target_space_digest(ts) ^ (params->in_order ? 0x6f726465726564ULL : 0);

	struct checkpoint cp = {0};
	if (params->resume_path) {
		if (read_checkpoint(params->resume_path, &cp, e) < 0)
			return -1;
		if (params->seed_given && params->seed != cp.seed) {
			free(cp.arcs);
			return err_set(e, "checkpoint '%s' was taken with --seed %" PRIu64 ", not %" PRIu64,
				       params->resume_path, cp.seed, params->seed);
		}
		if (cp.digest != plan->digest || cp.n != ts->n) {
			free(cp.arcs);
			return err_set(e, "checkpoint '%s' is for other targets or ports (digest %016" PRIx64
					  ", this scan %016" PRIx64 ")", params->resume_path, cp.digest,
				       plan->digest);
		}
		plan->seed = cp.seed;
	} else {
		plan->seed = params->seed_given ? params->seed : walk_plan_random_seed();
	}
	int rc = cyclic_init(&plan->cg, ts->n, plan->seed, e);
	plan->cg.in_order = params->in_order;
	if (rc == 0 && params->resume_path && cp.p != plan->cg.p)
		rc = err_set(e, "checkpoint '%s' uses group %" PRIu64 ", this scan %" PRIu64,
			     params->resume_path, cp.p, plan->cg.p);
	if (rc == 0) {
		plan->arcs = calloc(plan->threads, sizeof *plan->arcs);
		if (!plan->arcs)
			rc = err_set(e, "out of memory");
	}
	if (rc == 0 && params->resume_path) {
		rc = restore_arcs(plan, &cp, params, params->resume_path, e);
	} else if (rc == 0) {
		uint64_t count = (uint64_t)plan->shards * plan->threads;
		for (unsigned t = 0; t < plan->threads; t++) {
			uint64_t arc = (uint64_t)plan->shard * plan->threads + t, begin, end;
			walk_arc_bounds(&plan->cg, arc, count, &begin, &end);
			walk_arc_init(&plan->arcs[t], &plan->cg, begin, end, begin,
				      walk_arc_budget(params->max_targets, plan->cg.n, arc, count));
		}
	}
	free(cp.arcs);
	if (rc < 0)
		walk_plan_free(plan);
	return rc;
}

void walk_plan_free(struct walk_plan *plan)
{
	free(plan->arcs);
	plan->arcs = NULL;
}

int walk_plan_write(const struct walk_plan *plan, const char *path, FILE *f)
{
	fprintf(f, "# orbit checkpoint: continue with --resume %s and the same targets, ports and"
		   " blocklist\n", path);
	fprintf(f, "orbit-checkpoint %d\nseed %" PRIu64 "\ndigest %016" PRIx64 "\nn %" PRIu64
		   "\np %" PRIu64 "\nlayout shards %u shard %u threads %u\n",
		CHECKPOINT_VERSION, plan->seed, plan->digest, plan->cg.n, plan->cg.p, plan->shards,
		plan->shard, plan->threads);
	fprintf(f, "# arc begin end next-position\n");
	for (unsigned t = 0; t < plan->threads; t++) {
		const struct walk_arc *a = &plan->arcs[t];
		fprintf(f, "arc %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
			(uint64_t)plan->shard * plan->threads + t, a->begin, a->end, a->pos);
	}
	return ferror(f) ? -1 : 0;
}

int walk_plan_save(const struct walk_plan *plan, const char *path, struct errbuf *e)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return err_set(e, "checkpoint path too long: '%s'", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return err_set(e, "cannot write checkpoint '%s': %s", tmp, strerror(errno));
	int bad = walk_plan_write(plan, path, f);
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		remove(tmp);
		return err_set(e, "cannot write checkpoint '%s': %s", path, strerror(errno));
	}
	return 0;
}
