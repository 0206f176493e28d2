/* Totals: every counter the status line, the summary and the -m metadata show, summed in
 * one place (scan_gather_totals) from what the threads published, read without locks:
 * relaxed loads, exact once the threads are joined. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/grab.h"
#include "core/scan/latefile.h"
#include "core/scan/scan_internal.h"
#include "output/metadata.h"
#include "targets/addrspec.h"

uint64_t scan_total_sent(const struct scan *s)
{
	uint64_t n = 0;
	for (unsigned t = 0; t < s->ntx; t++)
		n += atomic_load(&s->tx[t].sent);
	return n;
}

/* This run's probes, for % done: each arc's remaining exponents times the share of the
 * group's elements that are valid indices (n of p-1), capped by its budget; later rounds
 * walk whole arcs again. */
uint64_t scan_expected_probes(const struct scan *s)
{
	const struct cyclic_group *cg = &s->plan->cg;
	double valid = cg->p > 1 ? (double)cg->n / (double)(cg->p - 1) : 1;
	double total = 0;
	for (unsigned t = 0; t < s->ntx; t++) {
		const struct walk_arc *a = &s->plan->arcs[t];
		double first = (double)(a->end - a->pos) * valid;
		double whole = (double)(a->end - a->begin) * valid;
		if (a->budget != WALK_UNLIMITED) {
			first = first < (double)a->budget ? first : (double)a->budget;
			whole = whole < (double)a->budget ? whole : (double)a->budget;
		}
		total += first + (double)(s->cfg->probes - 1) * whole;
	}
	return (uint64_t)(total + 0.5);
}

static uint64_t load(const _Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void scan_reply_progress(const struct scan *s, uint64_t *results, int64_t *max_rtt_ns)
{
	*results = 0;
	*max_rtt_ns = 0;
	for (unsigned r = 0; r < s->nrx; r++) {
		const struct rx_published *p = &s->rx[r].pub;
		*results += load(&p->results);
		int64_t rtt = atomic_load_explicit(&p->max_rtt_ns, memory_order_relaxed);
		if (rtt > *max_rtt_ns)
			*max_rtt_ns = rtt;
	}
}

enum { QUIET_RTTS = 4 };
static const uint64_t QUIET_FLOOR_NS = 250000000u;

uint64_t scan_reply_quiet_ns(uint64_t rtt_bound_ns)
{
	uint64_t quiet = QUIET_RTTS * rtt_bound_ns;
	return quiet < QUIET_FLOOR_NS ? QUIET_FLOOR_NS : quiet;
}

void scan_gather_totals(const struct scan *s, struct scan_totals *t)
{
	memset(t, 0, sizeof *t);
	t->sent = scan_total_sent(s);
	for (unsigned i = 0; i < s->ntx; i++)
		t->suppressed += load(&s->tx[i].suppressed);
	for (unsigned r = 0; r < s->nrx; r++) {
		const struct rx_published *p = &s->rx[r].pub;
		t->frames += load(&p->frames);
		t->results += load(&p->results);
		t->duplicates += load(&p->duplicates);
		for (int d = 0; d < RX_DROP_COUNT; d++)
			t->drops[d] += load(&p->drops[d]);
		for (int n = 0; n < RX_NOTE_COUNT; n++)
			t->notes[n] += load(&p->notes[n]);
		for (int k = 0; k <= PORT_STATE_MAX; k++)
			t->by_state[k] += load(&p->by_state[k]);
	}
	for (int d = 0; d < RX_DROP_COUNT; d++)
		t->rx_drops += t->drops[d];
	t->hits = t->by_state[PORT_OPEN] + t->by_state[HOST_UP];
	t->followup_queue = -1;
	if (s->grab) {
		struct grab_stats g;
		grab_pool_stats(s->grab, &g);
		t->followup_queue = (int64_t)(g.submitted - g.completed);
	}
	if (s->nic)
		nic_get_stats(s->nic, &t->nic);
	else
		t->nic = s->nic_final;
	output_set_stats(s->out, &t->out);
}

void scan_monitor_update(struct scan *s, uint64_t now, bool cooling, double cooldown_left)
{
	struct scan_totals t;
	scan_gather_totals(s, &t);
	struct monitor_sample m = {
		.now_ns = now,
		.sent = t.sent,
		.expected = s->expected_probes,
		.received = t.frames,
		.results = t.results,
		.hits = t.hits,
		.drops = t.rx_drops + t.nic.rx_missed + t.nic.tx_dropped + t.out.dropped,
		.followup_queue = t.followup_queue,
		.cooling_down = cooling,
		.cooldown_left_s = cooldown_left,
		.interrupted = s->interrupted,
	};
	monitor_tick(&s->monitor, &m);
}

void scan_print_summary(const struct scan *s, double seconds, double send_seconds)
{
	struct scan_totals t;
	scan_gather_totals(s, &t);
	uint64_t results = 0;
	for (int k = 0; k <= PORT_STATE_MAX; k++)
		results += t.by_state[k];
	fprintf(stderr, "orbit: %.1f s, sent %" PRIu64 " (%.0f/s while sending), received %" PRIu64
			", results %" PRIu64 " (open %" PRIu64 ", closed %" PRIu64 ", filtered %" PRIu64
			", unfiltered %" PRIu64 ", up %" PRIu64 "), duplicates %" PRIu64
			", output %" PRIu64 " results (filtered out %" PRIu64 ", unanswered %" PRIu64
			", dropped %" PRIu64 "); nic: tx-dropped %" PRIu64 ", tx-errors %" PRIu64
			", rx-missed %" PRIu64,
		seconds, t.sent, send_seconds > 0 ? (double)t.sent / send_seconds : 0.0, t.frames,
		results, t.by_state[PORT_OPEN], t.by_state[PORT_CLOSED], t.by_state[PORT_FILTERED],
		t.by_state[PORT_UNFILTERED], t.by_state[HOST_UP], t.duplicates, t.out.written,
		t.out.filtered_out, t.out.unanswered, t.out.dropped, t.nic.tx_dropped, t.nic.tx_errors,
		t.nic.rx_missed);
	if (t.nic.rx_resyncs) /* rare: each may have cost frames (nic.h) */
		fprintf(stderr, ", rx-resyncs %" PRIu64, t.nic.rx_resyncs);
	fprintf(stderr, "; not ours:");
	for (int d = 0; d < RX_DROP_COUNT; d++)
		if (t.drops[d])
			fprintf(stderr, " %s %" PRIu64, rx_drop_name((enum rx_drop)d), t.drops[d]);
	fprintf(stderr, "%s", t.rx_drops ? "" : " none");
	for (int n = 0; n < RX_NOTE_COUNT; n++)
		if (t.notes[n])
			fprintf(stderr, "; %s %" PRIu64, rx_note_name((enum rx_note)n), t.notes[n]);
	fprintf(stderr, "\n");
	uint64_t resent = 0;
	unsigned rounds = 0;
	for (unsigned k = 0; k < s->ntx; k++) {
		resent += atomic_load(&s->tx[k].resent);
		unsigned r = atomic_load(&s->tx[k].retry_rounds);
		rounds = r > rounds ? r : rounds;
	}
	if (resent) /* --max-retries: not in sent above */
		fprintf(stderr, "orbit: UDP retries: %" PRIu64 " probes resent in %u round(s)\n",
			resent, rounds);
}

void scan_write_metadata(const struct scan *s, const char *command_line, uint64_t start_real,
			 uint64_t end_real, double send_seconds, bool interrupted)
{
	struct scan_totals t;
	scan_gather_totals(s, &t);
	const char *names[RX_DROP_COUNT], *note_names[RX_NOTE_COUNT];
	for (int d = 0; d < RX_DROP_COUNT; d++)
		names[d] = rx_drop_name((enum rx_drop)d);
	for (int n = 0; n < RX_NOTE_COUNT; n++)
		note_names[n] = rx_note_name((enum rx_note)n);
	char src[16], discovery[DISCOVERY_TEXT_MAX];
	addrspec_format_ipv4(s->addrs.src_addr, src);
	discovery_text(&s->params->discovery.set, discovery);
	struct scan_metadata m = {
		.cfg = s->cfg,
		.command_line = command_line,
		.seed = s->plan->seed,
		.start_ns = start_real,
		.end_ns = end_real,
		.send_seconds = send_seconds,
		.interrupted = interrupted,
		.backend = s->nic_name,
		.interface = s->addrs.ifname[0] ? s->addrs.ifname : NULL,
		.source_addr = src,
		.dpdk_version = s->nic_version,
		.services_source = output_set_services_source(s->out),
		.main_format = output_set_main_format(s->out),
		.discovery = discovery,
		.discovery_rule = s->params->discovery.why,
		.addresses = s->ts->naddrs,
		.ports = s->ts->ports.n,
		.probes = s->ts->n,
		.tx_threads = s->ntx,
		.rx_threads = s->nrx,
		.sent = t.sent,
		.received = t.frames,
		.results = t.results,
		.duplicates = t.duplicates,
		.drop_names = names,
		.drops = t.drops,
		.ndrops = RX_DROP_COUNT,
		.note_names = note_names,
		.notes = t.notes,
		.nnotes = RX_NOTE_COUNT,
		.output = t.out,
		.nic = {t.nic.tx_packets, t.nic.tx_dropped, t.nic.tx_errors, t.nic.rx_packets,
			t.nic.rx_missed, t.nic.rx_errors},
		.walk = {s->plan->digest, s->plan->shards, s->plan->shard, !interrupted},
		.reload = {s->reload.reloads, s->reload.failures, s->reload.added_addresses,
			   t.suppressed},
	};
	memcpy(m.by_state, t.by_state, sizeof m.by_state);
	struct errbuf e;
	if (s->metadata_fd < 0) { /* "-": stdout */
		if (metadata_write(s->cfg->metadata_file, &m, &e) < 0)
			fprintf(stderr, "orbit: %s\n", e.msg);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = f ? metadata_write_stream(f, &m) : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0 || late_file_rewrite(s->metadata_fd, text, len) < 0)
		fprintf(stderr, "orbit: cannot write --metadata '%s': %s\n", s->cfg->metadata_file,
			strerror(errno));
	free(text);
}
