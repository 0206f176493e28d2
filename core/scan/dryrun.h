/* --dry-run: the walk printed, nothing sent. Contract: one "ADDR,PROTO,PORT" line per
 * probe, each arc of the plan in turn, in walk order; stops early (and leaves the arcs'
 * positions where it stopped, for a checkpoint) when *stop becomes non-zero. Returns 0,
 * or -1 when stdout fails (e.g. a closed pipe). */
#ifndef ORBIT_CORE_DRYRUN_H
#define ORBIT_CORE_DRYRUN_H

#include <signal.h>
#include <stdio.h>

#include "targets/plan.h"
#include "targets/targets.h"

int dryrun_print(struct walk_plan *plan, const struct target_space *ts, FILE *out,
		 volatile sig_atomic_t *stop);

#endif
