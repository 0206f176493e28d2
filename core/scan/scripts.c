/* -sC / --script in the scan: open ports (straight from the receive threads, or enriched
 * by the follow-up pool) go through the script engine (core/script/) on their way to the
 * outputs; after the grabs, the scan waits for the scripts (each bounded by
 * --script-timeout), or stops them on a second Ctrl-C. */
#include "core/scan/scripts.h"

#include <stdio.h>

#include "core/base/clock.h"
#include "core/script/script.h"
#include "core/scan/scan_internal.h"

static void script_done(const struct scan_result *r, void *user)
{
	struct scan *s = user;
	output_set_write(s->out, r, 1);
}

int scan_scripts_start(struct scan *s, struct errbuf *e)
{
	const struct orbit_config *cfg = s->cfg;
	if (!s->params->scripts)
		return 0;
	struct script_params sp = {
		.args = cfg->script_args,
		.timeout_ms = cfg->script_timeout * 1000,
		.mem_limit = (size_t)cfg->script_memory,
		.max_inflight = cfg->script_concurrency,
		.show_errors = cfg->script_errors,
		.source_ip = s->params->grab_source_ip,
		.services = output_set_services(s->out), /* one copy of nmap-services a run */
		.on_done = script_done,
		.user = s,
	};
	s->scripts = script_engine_start(&sp, s->params->scripts, e);
	return s->scripts ? 0 : -1;
}

bool scan_scripts_take(struct scan *s, const struct scan_result *r)
{
	if (!s->scripts || !script_wants(r))
		return false;
	script_engine_submit(s->scripts, r);
	return true;
}

void scan_scripts_finish(struct scan *s, volatile sig_atomic_t *stops)
{
	if (!s->scripts)
		return;
	/* Every invocation ends by its own limit; the margin covers a queue of them. */
	uint64_t give_up = clock_mono_ns() + ((uint64_t)s->cfg->script_timeout + 5) * 4000000000u;
	uint64_t interrupted_until = 0; /* Ctrl-C: the short cooldown, as the grabs get */
	while (*stops < 2 && !script_engine_drain(s->scripts, 100)) {
		uint64_t now = clock_mono_ns();
		if (*stops > 0 && interrupted_until == 0)
			interrupted_until = now + 2000000000u;
		if (now >= give_up || (interrupted_until && now >= interrupted_until))
			break;
	}
	scan_scripts_stop(s);
}

void scan_scripts_stop(struct scan *s)
{
	if (!s->scripts)
		return;
	struct script_stats st;
	script_engine_stats(s->scripts, &st);
	script_engine_stop(s->scripts);
	s->scripts = NULL;
	if (!s->cfg->quiet && st.invocations)
		fprintf(stderr,
			"orbit: scripts: %llu invocations on %llu ports, %llu errors (%llu killed by "
			"limits), at most %u at once, peak %zu KiB per invocation\n",
			(unsigned long long)st.invocations, (unsigned long long)st.submitted,
			(unsigned long long)st.errors, (unsigned long long)st.killed, st.peak_inflight,
			st.peak_mem / 1024);
}
