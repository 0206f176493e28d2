/* The transmit loop: one thread per arc of the plan, paced by its share of the rate,
 * building bursts of probes straight into buffers the NIC lends. */
#include <stdatomic.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/scan/rate.h"
#include "core/scan/scan_internal.h"

/* The template slot of a walk entry's protocol. */
static int kind_of_proto(uint8_t proto)
{
	if (__builtin_expect(result_proto_is_ping(proto), 0))
		return KIND_PING_SYN + (proto - RESULT_PROTO_PING_SYN);
	return proto == PROTO_TCP ? KIND_TCP : proto == PROTO_UDP ? KIND_UDP : KIND_ICMP;
}

/* The probe kind behind each template slot: the one place the scan picks its kinds. */
static void choose_probe_kinds(const struct scan_params *p,
			       const struct probe_kind *kinds[KIND_COUNT])
{
	/* The registry's kind per slot (ports.h's PROTO_* are the IP protocol numbers). */
	static const uint8_t slot_proto[3] = {PROTO_TCP, PROTO_UDP, PROTO_ICMP};
	for (int k = 0; k < 3; k++)
		kinds[k] = probe_kind_for(slot_proto[k], p->tcp_probe);
	kinds[KIND_PING_SYN] = &probe_kind_tcp_syn;
	kinds[KIND_PING_ACK] = &probe_kind_tcp_ack;
	kinds[KIND_PING_UDP] = &probe_kind_udp;
	kinds[KIND_PING_TIMESTAMP] = &probe_kind_icmp_timestamp;
}

int tx_init_templates(struct scan *s, struct errbuf *e)
{
	const struct scan_params *p = s->params;
	struct probe_config pc = {0};
	memcpy(pc.src_mac, s->addrs.src_mac, 6);
	memcpy(pc.dst_mac, s->addrs.gw_mac, 6);
	pc.saddr = s->addrs.src_addr;
	pc.sport_base = p->sport_base;
	pc.sport_count = p->sport_count;
	pc.ttl = p->ttl;
	pc.vlan_id = (uint16_t)s->cfg->vlan;
	pc.tcp_options = p->tcp_options;
	pc.udp_payloads = p->udp_table;

	bool present[KIND_COUNT] = {false};
	for (size_t i = 0; i < s->ts->ports.n; i++)
		present[kind_of_proto(s->ts->ports.v[i].proto)] = true;
	const struct probe_kind *kinds[KIND_COUNT];
	choose_probe_kinds(p, kinds);
	for (unsigned t = 0; t < s->ntx; t++)
		for (int k = 0; k < KIND_COUNT; k++) {
			s->tx[t].has_kind[k] = present[k];
			if (present[k] && probe_template_init(&s->tx[t].tmpl[k], kinds[k], &pc, e) < 0)
				return -1;
		}
	return 0;
}

static double tx_probes_per_second_uncapped(const struct scan *s);

/* --scan-delay (or a -T0..-T2 template) caps the pace at one probe per delay. */
static double capped_by_scan_delay(const struct orbit_config *cfg, double pps)
{
	if (!cfg->scan_delay_ms)
		return pps;
	double cap = 1000.0 / cfg->scan_delay_ms;
	return pps == 0 || pps > cap ? cap : pps;
}

double tx_probes_per_second(const struct scan *s)
{
	return capped_by_scan_delay(s->cfg, tx_probes_per_second_uncapped(s));
}

static double tx_probes_per_second_uncapped(const struct scan *s)
{
	const struct orbit_config *cfg = s->cfg;
	if (!cfg->bandwidth)
		return (double)cfg->rate;
	/* Bits on the wire per probe: the frame (at least 60 bytes) + FCS, preamble, gap. */
	const struct tx_thread *t = &s->tx[0];
	int kind = t->has_kind[KIND_TCP] ? KIND_TCP : t->has_kind[KIND_UDP] ? KIND_UDP : KIND_ICMP;
	size_t len = t->tmpl[kind].header_len;
	if (len < 60)
		len = 60;
	return (double)cfg->bandwidth / ((double)(len + 4 + 8 + 12) * 8);
}

/* On-link targets (arp_sweep.h): a frame goes to the host's own MAC, or not at all when
 * it did not answer ARP (down) -- nor in a ping sweep, whose on-link hosts the sweep
 * already reported. Returns how many of the n frames are still to be sent. */
static size_t address_onlink(const struct scan *s, uint32_t const *daddr, uint8_t *const *frames,
			     uint16_t *lens, size_t n)
{
	size_t kept = n;
	for (size_t c = 0; c < n; c++) {
		if (!arp_table_onlink(&s->arp, daddr[c]))
			continue;
		if (s->cfg->ping_sweep || !arp_table_lookup(&s->arp, daddr[c], frames[c])) {
			lens[c] = 0; /* lent, returned unsent */
			kept--;
		}
	}
	return kept;
}

/* Groups a burst by probe kind so each kind builds its frames (and SIMD cookies) in one
 * call; the frames land in the NIC's own buffers. Returns the frames to be sent. */
static size_t build_burst(struct tx_thread *t, const uint64_t *idx, size_t k, struct nic_buf *bufs)
{
	const struct target_space *ts = t->scan->ts;
	uint32_t daddr[KIND_COUNT][SCAN_BURST];
	uint16_t dport[KIND_COUNT][SCAN_BURST];
	uint8_t *frames[KIND_COUNT][SCAN_BURST];
	uint16_t lens[KIND_COUNT][SCAN_BURST];
	size_t slot[KIND_COUNT][SCAN_BURST];
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
	uint64_t now = clock_wall_ns();
	size_t sent = k;
	for (int kind = 0; kind < KIND_COUNT; kind++) {
		if (!count[kind])
			continue;
		probe_build_burst(&t->tmpl[kind], &t->scan->key, frames[kind], lens[kind],
				  daddr[kind], dport[kind], count[kind], now);
		if (t->scan->arp.mask) /* the destination MAC is the frame's first 6 bytes */
			sent -= count[kind] - address_onlink(t->scan, daddr[kind], frames[kind],
							       lens[kind], count[kind]);
		for (size_t c = 0; c < count[kind]; c++)
			bufs[slot[kind][c]].len = lens[kind][c];
	}
	return sent;
}

/* The burst a paced sender waits for: a whole NIC burst, or half the bucket's depth when
 * that is smaller (below 6,400 pps per thread). Whole bursts mean one NIC call and one
 * wake-up per burst instead of one per token: at 10 kpps that is ~300 wake-ups a second.
 * Half, not all: the tokens a sleep overshoots by stay in the bucket (a burst as deep as
 * the bucket lost them: -2.4 % at 1,000 pps). */
static unsigned full_burst(const struct rate_limiter *rl)
{
	if (rl->per_ns == 0 || rl->burst >= 2 * SCAN_BURST)
		return SCAN_BURST;
	return rl->burst >= 2 ? (unsigned)(rl->burst / 2) : 1;
}

/* Waits for a full burst: sleeps the whole wait when it is long enough for the kernel's
 * timer (oversleeping only lets tokens accumulate, so the rate holds), spins when it is
 * shorter (high rates, where a sleep's ~60 us of jitter is more than the wait). */
static void wait_for_burst(const struct rate_limiter *rl, unsigned n)
{
	uint64_t wait = rate_wait_for_ns(rl, n);
	if (wait > 100000)
		clock_sleep_ns(wait);
}

/* The next probes of a retry round: UDP ones still unanswered on a host that answered
 * (scan_retry_wanted), up to m of them, walking on until found or the arc's end. */
static size_t next_retries(struct tx_thread *t, struct walk_arc *arc, uint64_t *out, size_t m)
{
	struct scan *s = t->scan;
	uint64_t idx[SCAN_BURST];
	size_t k = 0, n;
	while (k < m && !atomic_load_explicit(&s->stop_tx, memory_order_relaxed) &&
	       (n = walk_next(arc, &s->plan->cg, idx, m - k)) > 0)
		for (size_t i = 0; i < n; i++) {
			uint32_t addr;
			struct port_entry pe;
			target_space_decode(s->ts, idx[i], &addr, &pe);
			if (scan_retry_wanted(s, addr, &pe))
				out[k++] = idx[i];
		}
	return k;
}

/* The send-time filter of a reloaded blocklist (reload.h): keeps the probes whose address
 * is not in blocked, in order; the walk itself is untouched (checkpoints stay exact). */
static size_t drop_blocked(const struct target_space *ts, const struct ipset *blocked,
			   uint64_t *idx, size_t k)
{
	size_t kept = 0;
	for (size_t i = 0; i < k; i++) {
		uint32_t addr;
		struct port_entry pe;
		target_space_decode(ts, idx[i], &addr, &pe);
		if (!ipset_contains(blocked, addr))
			idx[kept++] = idx[i];
	}
	return kept;
}

/* One pass over an arc: as many probes as the tokens and the NIC's buffers allow, per
 * burst, until the arc is walked or a stop. The main pass walks the thread's own arc (and
 * publishes its progress for checkpoints); a retry round walks a copy of the part this run
 * walked and sends only what next_retries() picks. Returns the frames sent. */
static uint64_t send_arc(struct tx_thread *t, struct rate_limiter *rl, struct walk_arc *arc,
			 bool retry)
{
	struct scan *s = t->scan;
	const struct cyclic_group *cg = &s->plan->cg;
	uint64_t idx[SCAN_BURST];
	struct nic_buf bufs[SCAN_BURST];
	const unsigned burst = full_burst(rl);
	uint64_t total = 0;
	while (!walk_arc_done(arc) && !atomic_load_explicit(&s->stop_tx, memory_order_relaxed)) {
		unsigned want = rate_take_all(rl, clock_mono_ns(), burst);
		if (want == 0) {
			wait_for_burst(rl, burst);
			continue;
		}
		unsigned m = nic_tx_alloc(s->nic, t->queue, bufs, want);
		if (m < want)
			rl->tokens += want - m; /* give back what could not be used */
		if (m == 0)
			continue;
		size_t k = retry ? next_retries(t, arc, idx, m) : walk_next(arc, cg, idx, m);
		const struct ipset *blocked = blocklist_reload_current(&s->reload);
		if (blocked) {
			size_t walked = k;
			k = drop_blocked(s->ts, blocked, idx, k);
			atomic_fetch_add_explicit(&t->suppressed, walked - k, memory_order_relaxed);
			if (!retry)
				rl->tokens += (double)(walked - k); /* not sent: the tokens stay */
		}
		if (retry)
			rl->tokens += (double)(m - k); /* nothing to resend: the tokens stay */
		size_t built = build_burst(t, idx, k, bufs);
		for (size_t i = k; i < m; i++)
			bufs[i].len = 0; /* lent but unused: returned unsent */
		for (size_t i = 0; s->tracing && i < m; i++)
			if (bufs[i].len)
				packet_trace_frame(&s->trace, false, bufs[i].data, bufs[i].len);
		nic_tx_submit(s->nic, t->queue, bufs, m);
		total += built;
		if (retry)
			continue;
		atomic_fetch_add_explicit(&t->sent, built, memory_order_relaxed);
		atomic_store_explicit(&t->progress, arc->pos, memory_order_relaxed);
	}
	return total;
}

/* ---- UDP retry rounds (--max-retries) -------------------------------------------------
 * A closed UDP port answers with an ICMP port unreachable, which Linux sends at most
 * about once a second per peer after a burst of 6: a probe sent once leaves most closed
 * ports of a host looking open|filtered. As nmap does, the unanswered UDP probes of hosts
 * that answered something are sent again, in rounds at least RETRY_GAP_NS apart (a bit
 * over the limiter's second, so each round finds a token), until a round brings no new
 * answer or --max-retries rounds. */
static const uint64_t RETRY_GAP_NS = 1100000000u, RETRY_POLL_NS = 10000000u;

/* Every sender's main pass is over and every probe has its answer: nothing to retry. */
static bool every_probe_answered(const struct scan *s)
{
	for (unsigned t = 0; t < s->ntx; t++)
		if (!atomic_load(&s->tx[t].main_done))
			return false;
	uint64_t results;
	int64_t rtt;
	scan_reply_progress(s, &results, &rtt);
	uint64_t targets = scan_total_sent(s) / (s->cfg->probes ? s->cfg->probes : 1);
	return targets > 0 && results >= targets;
}

/* Sleeps until `until`; false when the scan stops or nothing is left to retry. */
static bool retry_wait(const struct scan *s, uint64_t until)
{
	for (;;) {
		if (atomic_load(&s->stop_tx) || every_probe_answered(s))
			return false;
		uint64_t now = clock_mono_ns();
		if (now >= until)
			return true;
		clock_sleep_ns(until - now < RETRY_POLL_NS ? until - now : RETRY_POLL_NS);
	}
}

/* After a round went out at sent_ns: did it bring an answer? Its answers come within
 * the quiet time of a round trip (scan_reply_quiet_ns), not the gap's second, so a round
 * that brought none ends the retries then (the next would ask the same again). */
static bool round_answered(const struct scan *s, uint64_t sent_ns, uint64_t before)
{
	for (;;) {
		if (atomic_load(&s->stop_tx) || every_probe_answered(s))
			return false;
		uint64_t results;
		int64_t rtt;
		scan_reply_progress(s, &results, &rtt);
		if (results != before)
			return true;
		uint64_t until = sent_ns + scan_reply_quiet_ns(rtt > 0 ? (uint64_t)rtt : 0);
		uint64_t now = clock_mono_ns();
		if (now >= until)
			return false;
		clock_sleep_ns(until - now < RETRY_POLL_NS ? until - now : RETRY_POLL_NS);
	}
}

static void retry_udp(struct tx_thread *t, struct rate_limiter *rl)
{
	struct scan *s = t->scan;
	for (unsigned round = 0; s->retry_udp && round < s->cfg->max_retries; round++) {
		if (!retry_wait(s, atomic_load(&t->last_send_ns) + RETRY_GAP_NS))
			return;
		uint64_t results;
		int64_t rtt;
		scan_reply_progress(s, &results, &rtt);
		if (results == 0)
			return; /* nobody is up (a round that brought nothing ended the retries) */
		struct walk_arc arc;
		scan_walked_arc(s, t, &arc);
		uint64_t n = send_arc(t, rl, &arc, true);
		atomic_fetch_add(&t->resent, n);
		if (n)
			atomic_fetch_add(&t->retry_rounds, 1);
		uint64_t sent = clock_mono_ns();
		atomic_store(&t->last_send_ns, sent);
		if (n == 0 || !round_answered(s, sent, results))
			return;
	}
}

void *tx_main(void *arg)
{
	struct tx_thread *t = arg;
	struct scan *s = t->scan;
	struct walk_arc *arc = t->arc;
	const uint64_t begin = arc->begin, budget = arc->budget;
	struct rate_limiter rl;
	nic_thread_register(s->nic);
	rate_init(&rl, s->pps_per_thread, clock_mono_ns());
	for (unsigned round = 0; round < s->cfg->probes && !atomic_load(&s->stop_tx); round++) {
		/* Later rounds walk the arc again: retries spread over the scan, not back to back.
		 * A resumed arc's first round starts where it stopped. */
		if (round > 0)
			walk_arc_init(arc, &s->plan->cg, begin, arc->end, begin, budget);
		atomic_store_explicit(&t->round, round, memory_order_relaxed);
		send_arc(t, &rl, arc, false);
	}
	atomic_store(&t->last_send_ns, clock_mono_ns());
	atomic_store(&t->main_done, true);
	retry_udp(t, &rl);
	atomic_store(&t->done, true);
	return NULL;
}
