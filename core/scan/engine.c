#include "core/scan/engine.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/cookie.h"
#include "core/scan/dedupe.h"
#include "core/followup/grab.h"
#include "core/followup/probes.h"
#include "core/scan/monitor.h"
#include "core/probe/probe.h"
#include "core/probe/udp_payloads.h"
#include "core/scan/rate.h"
#include "core/probe/reply.h"
#include "nic/nic.h"
#include "output/metadata.h"
#include "output/output.h"
#include "targets/addrspec.h"

enum { BURST = 32, EXIT_RUNTIME = 1, EXIT_BAD_INPUT = 2 };

/* Indices into a transmit thread's templates: one per protocol the port list holds. */
enum { KIND_TCP, KIND_UDP, KIND_ICMP, KIND_COUNT };

struct scan;

struct tx_thread {
	struct scan *scan;
	unsigned queue;
	struct walk_arc *arc;
	struct probe_template tmpl[KIND_COUNT];
	bool has_kind[KIND_COUNT];
	pthread_t tid;
	_Atomic uint64_t sent;      /* probes handed to the NIC */
	_Atomic uint64_t progress;  /* arc position all sent probes are behind (checkpoints) */
	_Atomic unsigned round;     /* probe round being sent (retries walk the arc again) */
	_Atomic bool done;
	uint64_t start_pos, start_budget; /* where this run began: the walked space's start */
};

/* What a receive thread publishes after each burst for the monitor: single writer,
 * relaxed stores, so the hot path never takes a lock for the status line. */
struct rx_published {
	_Atomic uint64_t frames, results, drops, duplicates;
	_Atomic uint64_t by_state[PORT_STATE_MAX + 1];
};

struct rx_thread {
	struct scan *scan;
	unsigned queue;
	struct dedupe dedupe;
	struct rx_counters counters; /* owned by the thread; read by others after the join */
	uint64_t by_state[PORT_STATE_MAX + 1];
	struct rx_published pub;
	pthread_t tid;
};

struct scan {
	const struct orbit_config *cfg;
	const struct target_space *ts;
	struct walk_plan *plan;
	struct nic *nic;
	struct cookie_key key;
	struct classify_ctx classify;
	struct udp_payload_table *udp_table;
	struct output_set *out;
	struct grab_pool *grab;        /* -sV: the follow-up pool, or NULL */
	struct probe_db *probe_db;     /* --service-probes */
	struct monitor monitor;
	uint64_t expected_probes; /* this run's probes, estimated, for % done and ETA */
	struct tx_thread tx[NIC_MAX_QUEUES];
	struct rx_thread rx[NIC_MAX_QUEUES];
	unsigned ntx, nrx;
	double pps_per_thread;
	atomic_bool stop_tx;
	atomic_bool stop_rx;
	bool replay; /* --rx-pcap: nothing is sent */
};

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	nanosleep(&ts, NULL);
}

static int kind_of_proto(uint8_t proto)
{
	return proto == PROTO_TCP ? KIND_TCP : proto == PROTO_UDP ? KIND_UDP : KIND_ICMP;
}

/* ---- transmit ---------------------------------------------------------------------- */

/* Groups a burst by probe kind so each kind builds its frames (and SIMD cookies) in one
 * call; the frames land in the NIC's own buffers. */
static void build_burst(struct tx_thread *t, const uint64_t *idx, size_t k, struct nic_buf *bufs)
{
	const struct target_space *ts = t->scan->ts;
	uint32_t daddr[KIND_COUNT][BURST];
	uint16_t dport[KIND_COUNT][BURST];
	uint8_t *frames[KIND_COUNT][BURST];
	uint16_t lens[KIND_COUNT][BURST];
	size_t slot[KIND_COUNT][BURST];
	size_t count[KIND_COUNT] = {0};
	for (size_t i = 0; i < k; i++) {
		uint32_t addr;
		struct port_entry pe;
		target_space_decode(ts, idx[i], &addr, &pe);
		int kind = kind_of_proto(pe.proto);
		size_t c = count[kind]++;
		daddr[kind][c] = addr;
		dport[kind][c] = pe.port;
		frames[kind][c] = bufs[i].data;
		slot[kind][c] = i;
	}
	uint64_t now = clock_ns(CLOCK_REALTIME);
	for (int kind = 0; kind < KIND_COUNT; kind++) {
		if (!count[kind])
			continue;
		probe_build_burst(&t->tmpl[kind], &t->scan->key, frames[kind], lens[kind],
				  daddr[kind], dport[kind], count[kind], now);
		for (size_t c = 0; c < count[kind]; c++)
			bufs[slot[kind][c]].len = lens[kind][c];
	}
}

/* Waits for the next token: sleeps when it is far, spins when it is near (sleeping
 * costs ~60 us of jitter, more than a token at high rates). */
static void wait_for_token(const struct rate_limiter *rl)
{
	uint64_t wait = rate_wait_ns(rl);
	if (wait > 200000)
		sleep_ns(wait - 100000);
}

static void *tx_main(void *arg)
{
	struct tx_thread *t = arg;
	struct scan *s = t->scan;
	const struct cyclic_group *cg = &s->plan->cg;
	struct walk_arc *arc = t->arc;
	const uint64_t begin = arc->begin, budget = arc->budget;
	struct rate_limiter rl;
	uint64_t idx[BURST];
	struct nic_buf bufs[BURST];
	nic_thread_register(s->nic);
	rate_init(&rl, s->pps_per_thread, clock_ns(CLOCK_MONOTONIC));

	for (unsigned round = 0; round < s->cfg->probes && !atomic_load(&s->stop_tx); round++) {
		/* Later rounds walk the arc again: retries spread over the scan, not back to back.
		 * A resumed arc's first round starts where it stopped. */
		if (round > 0)
			walk_arc_init(arc, cg, begin, arc->end, begin, budget);
		atomic_store_explicit(&t->round, round, memory_order_relaxed);
		while (!walk_arc_done(arc) && !atomic_load_explicit(&s->stop_tx, memory_order_relaxed)) {
			unsigned want = rate_take(&rl, clock_ns(CLOCK_MONOTONIC), BURST);
			if (want == 0) {
				wait_for_token(&rl);
				continue;
			}
			unsigned m = nic_tx_alloc(s->nic, t->queue, bufs, want);
			if (m < want)
				rl.tokens += want - m; /* give back what could not be used */
			if (m == 0)
				continue;
			size_t k = walk_next(arc, cg, idx, m);
			build_burst(t, idx, k, bufs);
			for (size_t i = k; i < m; i++)
				bufs[i].len = 0; /* lent but unused: returned unsent */
			nic_tx_submit(s->nic, t->queue, bufs, m);
			atomic_fetch_add_explicit(&t->sent, k, memory_order_relaxed);
			atomic_store_explicit(&t->progress, arc->pos, memory_order_relaxed);
		}
	}
	atomic_store(&t->done, true);
	return NULL;
}

/* ---- receive ----------------------------------------------------------------------- */

static void rx_publish(struct rx_thread *r)
{
	uint64_t drops = 0;
	for (int d = 0; d < RX_DROP_COUNT; d++)
		drops += r->counters.drops[d];
	atomic_store_explicit(&r->pub.frames, r->counters.frames, memory_order_relaxed);
	atomic_store_explicit(&r->pub.results, r->dedupe.unique, memory_order_relaxed);
	atomic_store_explicit(&r->pub.drops, drops, memory_order_relaxed);
	atomic_store_explicit(&r->pub.duplicates, r->dedupe.duplicates, memory_order_relaxed);
	for (int k = 0; k <= PORT_STATE_MAX; k++)
		atomic_store_explicit(&r->pub.by_state[k], r->by_state[k], memory_order_relaxed);
}

/* Hands an enriched open port to the outputs, which own the copy from then on. */
static void emit_grab(struct scan *s, const struct grab_result *g)
{
	struct grab_result *copy = malloc(sizeof *copy);
	struct scan_result res = g->scan;
	if (copy) {
		*copy = *g;
		copy->scan.grab = NULL;
	}
	res.grab = copy; /* out of memory: the port is still reported, without its banner */
	output_set_write(s->out, &res, 1);
}

static void on_grab_result(const struct grab_result *g, void *user)
{
	emit_grab(user, g);
}

/* The pool refused the port (its queue is full): report it open, marked not grabbed.
 * Returns true: the record has been written. */
static bool report_not_grabbed(struct scan *s, const struct scan_result *res)
{
	struct grab_result g;
	grab_result_not_grabbed(&g, res);
	emit_grab(s, &g);
	return true;
}

static void *rx_main(void *arg)
{
	struct rx_thread *r = arg;
	struct scan *s = r->scan;
	struct nic_buf bufs[BURST];
	struct scan_result results[BURST];
	struct output_producer *out = output_producer_open(s->out);
	nic_thread_register(s->nic);
	while (!atomic_load_explicit(&s->stop_rx, memory_order_relaxed)) {
		unsigned n = nic_rx_burst(s->nic, r->queue, bufs, BURST);
		if (n == 0) {
			if (s->replay && nic_rx_exhausted(s->nic))
				break;
			sleep_ns(20000); /* two cores: leave the CPU to the sender while idle */
			continue;
		}
		size_t k = 0;
		for (unsigned i = 0; i < n; i++) {
			struct scan_result *res = &results[k];
			if (!reply_classify(&s->classify, bufs[i].data, bufs[i].len, bufs[i].rx_ns, res,
					    &r->counters))
				continue;
			/* -1 (Judy out of memory): report it anyway; a possible duplicate beats a
			 * lost result. */
			if (dedupe_insert(&r->dedupe, res->addr, res->proto, res->port) == 0)
				continue;
			r->by_state[res->state <= PORT_STATE_MAX ? res->state : 0]++;
			res->grab = NULL;
			/* -sV: an open TCP port goes to the follow-up pool, which reports it
			 * enriched; a full pool reports it open and not grabbed. */
			if (s->grab && res->proto == PROTO_TCP && res->state == PORT_OPEN &&
			    (grab_pool_submit(s->grab, res) || report_not_grabbed(s, res)))
				continue;
			k++;
		}
		nic_rx_release(s->nic, r->queue, bufs, n);
		/* May block on a slow consumer: back-pressure reaches the NIC's ring, whose
		 * overflow the NIC counts (rx-missed), rather than results vanishing here. */
		output_producer_write(out, results, k);
		rx_publish(r);
	}
	rx_publish(r);
	return NULL;
}

/* ---- set-up ------------------------------------------------------------------------ */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static int parse_port_range(const char *s, uint16_t *base, uint32_t *count)
{
	unsigned lo, hi;
	char tail;
	int n = sscanf(s, "%u-%u%c", &lo, &hi, &tail);
	if (n == 1)
		hi = lo;
	else if (n != 2)
		return -1;
	if (lo < 1 || hi > 65535 || hi < lo)
		return -1;
	*base = (uint16_t)lo;
	*count = hi - lo + 1;
	return 0;
}

/* Addresses the probes need: from the user, else discovered. Bad values exit 2. */
static int resolve_addresses(const struct orbit_config *cfg, const struct target_space *ts,
			     struct nic_addrs *a, int *status, struct errbuf *e)
{
	memset(a, 0, sizeof *a);
	*status = EXIT_BAD_INPUT;
	if (cfg->interface) {
		if (strlen(cfg->interface) >= sizeof a->ifname)
			return err_set(e, "invalid interface '%s': name too long", cfg->interface);
		strcpy(a->ifname, cfg->interface);
	}
	if (cfg->source_ip) {
		if (addrspec_parse_ipv4(cfg->source_ip, &a->src_addr) < 0)
			return err_set(e, "invalid --source-ip '%s'", cfg->source_ip);
		a->have_src_addr = true;
	}
	if (cfg->source_mac) {
		if (parse_mac(cfg->source_mac, a->src_mac) < 0)
			return err_set(e, "invalid --source-mac '%s'", cfg->source_mac);
		a->have_src_mac = true;
	}
	if (cfg->gateway_mac) {
		if (parse_mac(cfg->gateway_mac, a->gw_mac) < 0)
			return err_set(e, "invalid --gateway-mac '%s'", cfg->gateway_mac);
		a->have_gw_mac = true;
	}
	*status = EXIT_RUNTIME;
	if (a->have_src_addr && a->have_src_mac && a->have_gw_mac && a->ifname[0])
		return 0;
	return nic_discover(ipindex_addr(&ts->index, 0), a, e);
}

static int init_templates(struct scan *s, const struct nic_addrs *a, struct errbuf *e)
{
	const struct orbit_config *cfg = s->cfg;
	struct probe_config pc = {0};
	memcpy(pc.src_mac, a->src_mac, 6);
	memcpy(pc.dst_mac, a->gw_mac, 6);
	pc.saddr = a->src_addr;
	if (parse_port_range(cfg->source_ports, &pc.sport_base, &pc.sport_count) < 0)
		return err_set(e, "invalid --source-port '%s': expected A-B within 1-65535",
			       cfg->source_ports);
	pc.ttl = (uint8_t)cfg->probe_ttl;
	if (tcp_option_profile_parse(cfg->tcp_options, &pc.tcp_options, e) < 0)
		return -1;
	pc.udp_payloads = s->udp_table;

	bool present[KIND_COUNT] = {false};
	for (size_t i = 0; i < s->ts->ports.n; i++)
		present[kind_of_proto(s->ts->ports.v[i].proto)] = true;
	/* The registry's kind per slot (ports.h's PROTO_* are the IP protocol numbers). */
	static const uint8_t slot_proto[KIND_COUNT] = {PROTO_TCP, PROTO_UDP, PROTO_ICMP};
	enum tcp_probe_kind tcp_probe = cfg->scan_ack ? TCP_PROBE_ACK : TCP_PROBE_SYN;
	const struct probe_kind *kinds[KIND_COUNT];
	for (int k = 0; k < KIND_COUNT; k++)
		kinds[k] = probe_kind_for(slot_proto[k], tcp_probe);
	for (unsigned t = 0; t < s->ntx; t++)
		for (int k = 0; k < KIND_COUNT; k++) {
			s->tx[t].has_kind[k] = present[k];
			if (present[k] && probe_template_init(&s->tx[t].tmpl[k], kinds[k], &pc, e) < 0)
				return -1;
		}

	s->classify.key = &s->key;
	s->classify.our_addrs[0] = a->src_addr;
	s->classify.n_our_addrs = 1;
	s->classify.sport_base = pc.sport_base;
	s->classify.sport_count = pc.sport_count;
	s->classify.tcp_probe = tcp_probe;
	s->classify.link = REPLY_LINK_ETHERNET;
	s->classify.udp_check = udp_payload_check_reply;
	s->classify.udp_table = s->udp_table;
	return 0;
}

static double pps_of(const struct orbit_config *cfg, const struct scan *s)
{
	if (!cfg->bandwidth)
		return (double)cfg->rate;
	/* Bits on the wire per probe: the frame (at least 60 bytes) + FCS, preamble, gap. */
	size_t len = s->tx[0].tmpl[s->tx[0].has_kind[KIND_TCP] ? KIND_TCP
				 : s->tx[0].has_kind[KIND_UDP] ? KIND_UDP : KIND_ICMP].header_len;
	if (len < 60)
		len = 60;
	return (double)cfg->bandwidth / ((double)(len + 4 + 8 + 12) * 8);
}

/* ---- the run ----------------------------------------------------------------------- */

static uint64_t total_sent(struct scan *s)
{
	uint64_t n = 0;
	for (unsigned t = 0; t < s->ntx; t++)
		n += atomic_load(&s->tx[t].sent);
	return n;
}

static bool all_tx_done(struct scan *s)
{
	for (unsigned t = 0; t < s->ntx; t++)
		if (!atomic_load(&s->tx[t].done))
			return false;
	return true;
}

static void save_checkpoint(struct scan *s)
{
	if (!s->cfg->checkpoint_file || s->replay)
		return;
	/* A copy whose positions are what has been sent, not what a thread is building. */
	struct walk_plan snap = *s->plan;
	struct walk_arc arcs[NIC_MAX_QUEUES];
	for (unsigned t = 0; t < s->ntx; t++) {
		arcs[t] = s->plan->arcs[t];
		arcs[t].pos = atomic_load(&s->tx[t].progress);
	}
	snap.arcs = arcs;
	struct errbuf e;
	if (walk_plan_save(&snap, s->cfg->checkpoint_file, &e) < 0)
		fprintf(stderr, "orbit: %s\n", e.msg);
}

/* This run's probes, for % done: each arc's remaining exponents times the share of the
 * group's elements that are valid indices (n of p-1), capped by its budget; later rounds
 * walk whole arcs again. */
static uint64_t expected_probes(const struct scan *s)
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

/* Every counter the status line, the summary and the metadata show, read without locks:
 * relaxed loads of what the threads published (exact once they are joined). */
struct scan_totals {
	uint64_t sent, frames, results, duplicates, rx_drops;
	uint64_t by_state[PORT_STATE_MAX + 1];
	struct nic_stats nic;
	struct output_stats out;
};

static void gather_totals(struct scan *s, struct scan_totals *t)
{
	memset(t, 0, sizeof *t);
	t->sent = total_sent(s);
	for (unsigned r = 0; r < s->nrx; r++) {
		struct rx_published *p = &s->rx[r].pub;
		t->frames += atomic_load_explicit(&p->frames, memory_order_relaxed);
		t->results += atomic_load_explicit(&p->results, memory_order_relaxed);
		t->duplicates += atomic_load_explicit(&p->duplicates, memory_order_relaxed);
		t->rx_drops += atomic_load_explicit(&p->drops, memory_order_relaxed);
		for (int k = 0; k <= PORT_STATE_MAX; k++)
			t->by_state[k] += atomic_load_explicit(&p->by_state[k], memory_order_relaxed);
	}
	nic_get_stats(s->nic, &t->nic);
	output_set_stats(s->out, &t->out);
}

static void monitor_update(struct scan *s, uint64_t now, bool cooling, double cooldown_left)
{
	struct scan_totals t;
	gather_totals(s, &t);
	struct monitor_sample m = {
		.now_ns = now,
		.sent = t.sent,
		.expected = s->expected_probes,
		.received = t.frames,
		.results = t.results,
		.hits = t.by_state[PORT_OPEN] + t.by_state[HOST_UP],
		.drops = t.rx_drops + t.nic.rx_missed + t.nic.tx_dropped + t.out.dropped,
		.followup_queue = -1, /* the follow-up stage (core/grab/) will fill this */
		.cooling_down = cooling,
		.cooldown_left_s = cooldown_left,
	};
	monitor_tick(&s->monitor, &m);
}

static void print_summary(struct scan *s, double seconds, double send_seconds)
{
	struct scan_totals t;
	gather_totals(s, &t);
	uint64_t drops[RX_DROP_COUNT] = {0};
	for (unsigned r = 0; r < s->nrx; r++)
		for (int d = 0; d < RX_DROP_COUNT; d++)
			drops[d] += s->rx[r].counters.drops[d];
	uint64_t hits = 0;
	for (int k = 0; k <= PORT_STATE_MAX; k++)
		hits += t.by_state[k];
	fprintf(stderr, "orbit: %.1f s, sent %" PRIu64 " (%.0f/s while sending), received %" PRIu64
			", results %" PRIu64 " (open %" PRIu64 ", closed %" PRIu64 ", filtered %" PRIu64
			", unfiltered %" PRIu64 ", up %" PRIu64 "), duplicates %" PRIu64
			", output %" PRIu64 " results (filtered out %" PRIu64 ", unanswered %" PRIu64
			", dropped %" PRIu64 "); nic: tx-dropped %" PRIu64 ", tx-errors %" PRIu64
			", rx-missed %" PRIu64 "; not ours:",
		seconds, t.sent, send_seconds > 0 ? (double)t.sent / send_seconds : 0.0, t.frames, hits,
		t.by_state[PORT_OPEN], t.by_state[PORT_CLOSED], t.by_state[PORT_FILTERED],
		t.by_state[PORT_UNFILTERED], t.by_state[HOST_UP], t.duplicates, t.out.written,
		t.out.filtered_out, t.out.unanswered, t.out.dropped, t.nic.tx_dropped, t.nic.tx_errors,
		t.nic.rx_missed);
	int any = 0;
	for (int d = 0; d < RX_DROP_COUNT; d++)
		if (drops[d]) {
			fprintf(stderr, " %s %" PRIu64, rx_drop_name((enum rx_drop)d), drops[d]);
			any = 1;
		}
	fprintf(stderr, "%s\n", any ? "" : " none");
}

/* Waits until every transmit thread is done (or a stop), saving a checkpoint every few
 * seconds and feeding the monitor; then the cooldown, shortened by a first Ctrl-C, ended
 * by a second. */
static void supervise(struct scan *s, volatile sig_atomic_t *stops, uint64_t *tx_end)
{
	uint64_t last_save = clock_ns(CLOCK_MONOTONIC);
	while (!all_tx_done(s) && *stops == 0) {
		sleep_ns(20000000);
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (s->cfg->checkpoint_file && now - last_save > 5000000000u) {
			save_checkpoint(s);
			last_save = now;
		}
		if (monitor_due(&s->monitor, now))
			monitor_update(s, now, false, 0);
	}
	atomic_store(&s->stop_tx, true);
	*tx_end = clock_ns(CLOCK_MONOTONIC);
	uint64_t cooldown = (uint64_t)s->cfg->cooldown * 1000000000u;
	if (*stops > 0 && cooldown > 2000000000u)
		cooldown = 2000000000u; /* interrupted: a short cooldown for replies in flight */
	if (s->replay)
		cooldown = UINT64_MAX; /* the file's end stops the receive threads */
	uint64_t until = clock_ns(CLOCK_MONOTONIC) + (cooldown == UINT64_MAX ? 0 : cooldown);
	while (*stops < 2) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (s->replay) {
			if (nic_rx_exhausted(s->nic))
				break;
		} else if (now >= until) {
			break;
		}
		if (monitor_due(&s->monitor, now))
			monitor_update(s, now, true,
				       s->replay ? 0 : (double)(until > now ? until - now : 0) / 1e9);
		sleep_ns(10000000);
	}
}

/* --report-all and small Nmap-style reports: every index of the walked space that got no
 * result at all is reported as unanswered (filtered, open|filtered, down). The walked
 * space is re-walked from where this run began to where each arc stopped -- O(walked),
 * once, at the end; no per-target state is kept during the scan. */
static void report_unanswered(struct scan *s)
{
	uint64_t walked = total_sent(s);
	if (s->replay || !output_set_wants_unanswered(s->out, walked))
		return;
	const struct cyclic_group *cg = &s->plan->cg;
	uint8_t tcp_state = PORT_FILTERED; /* SYN and ACK scans alike: no answer is filtered */
	struct scan_result batch[BURST];
	size_t k = 0;
	for (unsigned t = 0; t < s->ntx; t++) {
		struct tx_thread *tx = &s->tx[t];
		struct walk_arc arc;
		if (atomic_load(&tx->round) == 0)
			walk_arc_init(&arc, cg, tx->start_pos, atomic_load(&tx->progress), tx->start_pos,
				      WALK_UNLIMITED);
		else /* a later round began: the whole arc was walked */
			walk_arc_init(&arc, cg, tx->arc->begin, tx->arc->end, tx->arc->begin,
				      tx->start_budget);
		uint64_t idx[BURST];
		size_t m;
		while ((m = walk_next(&arc, cg, idx, BURST)) > 0) {
			for (size_t i = 0; i < m; i++) {
				uint32_t addr;
				struct port_entry pe;
				target_space_decode(s->ts, idx[i], &addr, &pe);
				bool seen = false;
				for (unsigned r = 0; r < s->nrx && !seen; r++)
					seen = dedupe_contains(&s->rx[r].dedupe, addr, pe.proto, pe.port);
				if (seen)
					continue;
				struct scan_result *res = &batch[k++];
				memset(res, 0, sizeof *res);
				res->addr = addr;
				res->port = pe.port;
				res->proto = pe.proto;
				res->state = pe.proto == PROTO_TCP ? tcp_state
					     : pe.proto == PROTO_UDP ? PORT_OPEN_FILTERED : HOST_DOWN;
				res->reason = REASON_NO_RESPONSE;
				res->rtt_ns = -1;
				if (k == BURST) {
					output_set_write_unanswered(s->out, batch, k);
					k = 0;
				}
			}
		}
	}
	output_set_write_unanswered(s->out, batch, k);
}

static void write_metadata(struct scan *s, const char *command_line, const struct nic_addrs *a,
			   uint64_t start_real, uint64_t end_real, double send_seconds,
			   bool interrupted)
{
	struct scan_totals t;
	gather_totals(s, &t);
	uint64_t drops[RX_DROP_COUNT] = {0};
	const char *names[RX_DROP_COUNT];
	for (int d = 0; d < RX_DROP_COUNT; d++) {
		names[d] = rx_drop_name((enum rx_drop)d);
		for (unsigned r = 0; r < s->nrx; r++)
			drops[d] += s->rx[r].counters.drops[d];
	}
	char src[16];
	addrspec_format_ipv4(a->src_addr, src);
	struct scan_metadata m = {
		.cfg = s->cfg,
		.command_line = command_line,
		.seed = s->plan->seed,
		.start_ns = start_real,
		.end_ns = end_real,
		.send_seconds = send_seconds,
		.interrupted = interrupted,
		.backend = nic_backend_name(s->nic),
		.interface = a->ifname[0] ? a->ifname : NULL,
		.source_addr = src,
		.dpdk_version = nic_dpdk_version(s->nic),
		.services_source = output_set_services_source(s->out),
		.main_format = output_set_main_format(s->out),
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
		.drops = drops,
		.ndrops = RX_DROP_COUNT,
		.output = t.out,
		.nic = {t.nic.tx_packets, t.nic.tx_dropped, t.nic.tx_errors, t.nic.rx_packets,
			t.nic.rx_missed, t.nic.rx_errors},
	};
	memcpy(m.by_state, t.by_state, sizeof m.by_state);
	struct errbuf e;
	if (metadata_write(s->cfg->metadata_file, &m, &e) < 0)
		fprintf(stderr, "orbit: %s\n", e.msg);
}

static struct output_options output_options_of(const struct orbit_config *cfg)
{
	struct output_options o = {
		.format = cfg->output_format,
		.path = cfg->output_file,
		.fields = cfg->fields,
		.filter = cfg->output_filter,
		.normal_path = cfg->normal_file,
		.xml_path = cfg->xml_file,
		.grepable_path = cfg->grepable_file,
		.report_all = cfg->report_all,
		.stdout_is_tty = isatty(STDOUT_FILENO) == 1,
	};
	return o;
}

int engine_check_outputs(const struct orbit_config *cfg, struct errbuf *e)
{
	struct output_options oo = output_options_of(cfg);
	oo.validate_only = true;
	struct output_set *unused;
	return output_set_open(&unused, &oo, e);
}

/* -sV: the pool that follows open ports up over the kernel's TCP stack. */
static int start_grab_pool(struct scan *s, struct errbuf *e)
{
	const struct orbit_config *cfg = s->cfg;
	struct grab_params gp = {
		.threads = 1,
		.concurrency = cfg->grab_concurrency,
		.timeout_ms = cfg->grab_timeout * 1000,
		.max_bytes = cfg->grab_max_bytes,
		.on_result = on_grab_result,
		.user = s,
	};
	if (cfg->grab_source_ip && addrspec_parse_ipv4(cfg->grab_source_ip, &gp.source_ip) < 0)
		return err_set(e, "invalid --grab-source-ip '%s'", cfg->grab_source_ip);
	if (cfg->service_probes) {
		s->probe_db = probe_db_load(cfg->service_probes, e);
		if (!s->probe_db)
			return -1;
		gp.probes = s->probe_db;
	}
	s->grab = grab_pool_start(&gp, e);
	return s->grab ? 0 : -1;
}

/* After the receive threads: let every accepted port finish (each connection is bounded
 * by --grab-timeout), unless a second Ctrl-C asks to stop now; then stop the pool, which
 * reports what is left as not grabbed. */
static void finish_grabs(struct scan *s, volatile sig_atomic_t *stops)
{
	if (!s->grab)
		return;
	/* Wait while connections keep finishing: a queue longer than the concurrency takes
	 * several timeouts to work through, but a pool that stops making progress for longer
	 * than one connection's limit is stuck, and is stopped. */
	const uint64_t patience = ((uint64_t)s->cfg->grab_timeout + 5) * 1000000000u;
	uint64_t last_progress = clock_ns(CLOCK_MONOTONIC), last_completed = 0;
	while (*stops < 2 && !grab_pool_drain(s->grab, 100)) {
		struct grab_stats st;
		grab_pool_stats(s->grab, &st);
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (st.completed != last_completed) {
			last_completed = st.completed;
			last_progress = now;
		} else if (now - last_progress > patience) {
			break;
		}
	}
	grab_pool_stop(s->grab);
	s->grab = NULL;
}

int engine_run(const struct orbit_config *cfg, const struct target_space *ts,
	       struct walk_plan *plan, volatile sig_atomic_t *stop_requests,
	       const char *command_line)
{
	struct errbuf e;
	struct nic_addrs addrs;
	int status;
	struct scan *s = calloc(1, sizeof *s);
	if (!s) {
		fprintf(stderr, "orbit: out of memory\n");
		return EXIT_RUNTIME;
	}
	s->cfg = cfg;
	s->ts = ts;
	s->plan = plan;
	s->ntx = plan->threads;
	s->nrx = cfg->rx_threads;
	s->replay = cfg->rx_pcap != NULL;
	if (s->ntx > NIC_MAX_QUEUES) {
		fprintf(stderr, "orbit: invalid -T %u: at most %d transmit threads\n", s->ntx,
			NIC_MAX_QUEUES);
		free(s);
		return EXIT_BAD_INPUT;
	}
	status = EXIT_BAD_INPUT;
	s->udp_table = udp_payload_table_new(true);
	if (!s->udp_table) {
		fprintf(stderr, "orbit: out of memory\n");
		free(s);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < cfg->udp_payloads.n; i++)
		if (udp_payload_parse_option(s->udp_table, cfg->udp_payloads.v[i], &e) < 0)
			goto fail;
	struct output_options oo = output_options_of(cfg);
	status = output_set_open(&s->out, &oo, &e);
	if (status != 0)
		goto fail;
	status = EXIT_BAD_INPUT;
	if (resolve_addresses(cfg, ts, &addrs, &status, &e) < 0)
		goto fail_out;
	struct nic_config nc = {
		.backend = cfg->backend ? cfg->backend
			   : cfg->rx_pcap ? "pcap"
			   : cfg->dpdk_args ? "dpdk" : "afpacket",
		.ifname = addrs.ifname[0] ? addrs.ifname : NULL,
		.dpdk_args = cfg->dpdk_args,
		.dpdk_port = cfg->dpdk_port,
		.rx_file = cfg->rx_pcap,
		.tx_queues = s->ntx,
		.rx_queues = s->nrx,
	};
	status = EXIT_RUNTIME;
	/* DPDK's EAL pins the thread that initialises it to one core, and threads inherit
	 * that: keep the CPUs we had, so senders and receivers are not squeezed onto one. */
	cpu_set_t cpus;
	bool have_cpus = sched_getaffinity(0, sizeof cpus, &cpus) == 0;
	if (nic_open(&s->nic, &nc, &e) < 0)
		goto fail_out;
	if (have_cpus)
		sched_setaffinity(0, sizeof cpus, &cpus);
	s->nrx = nic_rx_queue_count(s->nic); /* a backend may offer fewer than asked */
	if (!addrs.have_src_mac && nic_mac(s->nic, addrs.src_mac) == 0)
		addrs.have_src_mac = true;
	if (cookie_key_random(&s->key) < 0) {
		err_set(&e, "cannot read random bytes for the cookie key: %s", strerror(errno));
		goto fail_nic;
	}
	status = EXIT_BAD_INPUT;
	if (init_templates(s, &addrs, &e) < 0)
		goto fail_nic;
	s->pps_per_thread = pps_of(cfg, s) / s->ntx;
	if (cfg->grab && start_grab_pool(s, &e) < 0)
		goto fail_nic;
	status = EXIT_RUNTIME;

	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), tx_end = t0;
	uint64_t start_real = clock_ns(CLOCK_REALTIME);
	bool human_status = !cfg->quiet && (cfg->status || isatty(STDERR_FILENO) == 1);
	if (monitor_open(&s->monitor, human_status, cfg->status_file, t0, &e) < 0)
		goto fail_nic;
	struct output_scan_info info = {
		.command_line = command_line,
		.start_ns = start_real,
		.tcp_ack = cfg->scan_ack,
		.ping_sweep = cfg->ping_sweep,
		.all_hosts_up = cfg->no_ping,
		.ports = ts->ports.v,
		.nports = ts->ports.n,
		.addresses = ts->naddrs,
	};
	output_set_begin(s->out, &info);
	s->expected_probes = expected_probes(s);

	if (!cfg->quiet) {
		char src[16];
		addrspec_format_ipv4(addrs.src_addr, src);
		fprintf(stderr, "orbit: %" PRIu64 " probes x %u round(s) from %s on %s via %s, %s\n",
			ts->n, cfg->probes, src, addrs.ifname[0] ? addrs.ifname : "?",
			nic_backend_name(s->nic),
			s->pps_per_thread > 0 ? "paced" : "unpaced");
	}
	unsigned started_rx = 0, started_tx = 0;
	for (unsigned r = 0; r < s->nrx; r++) {
		s->rx[r].scan = s;
		s->rx[r].queue = r;
		dedupe_init(&s->rx[r].dedupe);
		if (pthread_create(&s->rx[r].tid, NULL, rx_main, &s->rx[r]) != 0)
			break;
		started_rx++;
	}
	for (unsigned t = 0; !s->replay && started_rx == s->nrx && t < s->ntx; t++) {
		s->tx[t].scan = s;
		s->tx[t].queue = t;
		s->tx[t].arc = &plan->arcs[t];
		s->tx[t].start_pos = plan->arcs[t].pos;
		s->tx[t].start_budget = plan->arcs[t].budget;
		atomic_store(&s->tx[t].progress, plan->arcs[t].pos);
		if (pthread_create(&s->tx[t].tid, NULL, tx_main, &s->tx[t]) != 0)
			break;
		started_tx++;
	}
	if (s->replay)
		for (unsigned t = 0; t < s->ntx; t++)
			atomic_store(&s->tx[t].done, true);
	if (started_rx == s->nrx && (s->replay || started_tx == s->ntx)) {
		supervise(s, stop_requests, &tx_end);
		status = 0;
	} else {
		fprintf(stderr, "orbit: cannot start threads: %s\n", strerror(errno));
	}
	bool interrupted = *stop_requests > 0;
	atomic_store(&s->stop_tx, true);
	for (unsigned t = 0; t < started_tx; t++)
		pthread_join(s->tx[t].tid, NULL);
	atomic_store(&s->stop_rx, true);
	for (unsigned r = 0; r < started_rx; r++)
		pthread_join(s->rx[r].tid, NULL);
	finish_grabs(s, stop_requests);
	if (started_tx == s->ntx || s->replay)
		report_unanswered(s);
	uint64_t end_real = clock_ns(CLOCK_REALTIME);
	if (output_set_finish(s->out, end_real, interrupted, &e) < 0) {
		fprintf(stderr, "orbit: %s\n", e.msg);
		status = EXIT_RUNTIME;
	}
	save_checkpoint(s);
	double seconds = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	double send_seconds = (double)(tx_end - t0) / 1e9;
	if (cfg->metadata_file)
		write_metadata(s, command_line, &addrs, start_real, end_real, send_seconds, interrupted);
	if (!cfg->quiet)
		print_summary(s, seconds, send_seconds);
	monitor_close(&s->monitor);
	for (unsigned r = 0; r < started_rx; r++)
		dedupe_free(&s->rx[r].dedupe);
	probe_db_free(s->probe_db);
	nic_close(s->nic);
	output_set_close(s->out);
	udp_payload_table_free(s->udp_table);
	free(s);
	return status;

fail_nic:
	if (s->grab)
		grab_pool_stop(s->grab);
	probe_db_free(s->probe_db);
	nic_close(s->nic);
fail_out:
	output_set_close(s->out);
fail:
	fprintf(stderr, "orbit: %s\n", e.msg);
	udp_payload_table_free(s->udp_table);
	free(s);
	return status;
}
