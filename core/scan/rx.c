/* The receive loop: one thread per NIC receive queue classifies replies, drops
 * duplicates, hands open TCP ports to the follow-up pool (-sV) and the rest to the
 * outputs, and publishes its counters for the monitor after each burst. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/base/clock.h"
#include "core/followup/grab.h"
#include "core/followup/module.h"
#include "core/probe/udp_payloads.h"
#include "core/scan/scan_internal.h"
#include "core/scan/scripts.h"

/* Host discovery's pings in the walk: which replies are the hosts', not ports'. */
static void rx_init_discovery(struct scan *s)
{
	bool ack = s->params->tcp_probe == TCP_PROBE_ACK;
	uint8_t other = ack ? RESULT_PROTO_PING_SYN : RESULT_PROTO_PING_ACK;
	for (size_t i = 0; i < s->ts->ports.n; i++)
		s->classify.discovery |= s->ts->ports.v[i].proto == other ||
					 s->ts->ports.v[i].proto == RESULT_PROTO_PING_TIMESTAMP;
	discovery_ports_init(&s->ping_ports, s->ts, ack);
}

void rx_init_classify(struct scan *s)
{
	const struct scan_params *p = s->params;
	s->classify.key = &s->key;
	s->classify.our_addrs[0] = s->addrs.src_addr;
	s->classify.n_our_addrs = 1;
	s->classify.sport_base = p->sport_base;
	s->classify.sport_count = p->sport_count;
	s->classify.tcp_probe = p->tcp_probe;
	s->classify.link = REPLY_LINK_ETHERNET;
	s->classify.udp_check = udp_payload_check_reply;
	s->classify.udp_table = p->udp_table;
	rx_init_discovery(s);
}

static void rx_publish(struct rx_thread *r)
{
	atomic_store_explicit(&r->pub.frames, r->counters.frames, memory_order_relaxed);
	atomic_store_explicit(&r->pub.results, r->dedupe.unique, memory_order_relaxed);
	atomic_store_explicit(&r->pub.duplicates, r->dedupe.duplicates, memory_order_relaxed);
	for (int d = 0; d < RX_DROP_COUNT; d++)
		atomic_store_explicit(&r->pub.drops[d], r->counters.drops[d], memory_order_relaxed);
	for (int n = 0; n < RX_NOTE_COUNT; n++)
		atomic_store_explicit(&r->pub.notes[n], r->counters.notes[n], memory_order_relaxed);
	for (int k = 0; k <= PORT_STATE_MAX; k++)
		atomic_store_explicit(&r->pub.by_state[k], r->by_state[k], memory_order_relaxed);
	atomic_store_explicit(&r->pub.max_rtt_ns, r->max_rtt_ns, memory_order_relaxed);
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
	if (!scan_scripts_take(s, &res))
		output_set_write(s->out, &res, 1);
}

void rx_on_grab_result(const struct grab_result *g, void *user)
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

/* -v: nmap's "Discovered open port 22/tcp on 198.18.1.10" as each open port lands. On
 * stderr (stdout may carry NDJSON); open ports only, so stdio's lock costs nothing. */
static __attribute__((cold)) void report_discovered(const struct scan_result *r)
{
	uint32_t a = r->addr;
	fprintf(stderr, "Discovered open port %u/%s on %u.%u.%u.%u\n", r->port,
		result_proto_name(r->proto), a >> 24, (a >> 16) & 255u, (a >> 8) & 255u, a & 255u);
}

/* 1 when the result is new and goes out now. With several queues a router's ICMP error
 * waits for rx_resolve_deferred (its key may be another queue's); out of memory there, it
 * is deduplicated on this queue alone rather than lost. */
static int admit(struct rx_thread *r, const struct scan_result *res)
{
	if (r->scan->nrx > 1 && dedupe_from_other_host(res)) {
		int rc = dedupe_defer(&r->deferred, res);
		if (rc >= 0)
			return 0;
	}
	/* -1 (Judy out of memory): report it anyway; a possible duplicate beats a lost
	 * result. A sender's retry round may read the set meanwhile (UDP scans only: the
	 * lock costs a TCP scan nothing). */
	/* A host is up once: its first ping reply or echo of any kind (echo, timestamp, a TCP
	 * ping, ARP) is its one "up" record, as nmap lists a host once (proto 0: no probe's). */
	uint8_t proto = res->state == HOST_UP ? 0 : res->proto;
	uint16_t port = res->state == HOST_UP ? 0 : res->port;
	if (!r->scan->retry_udp)
		return dedupe_insert(&r->dedupe, res->addr, proto, port) != 0;
	pthread_mutex_lock(&r->dedupe_lock);
	int rc = dedupe_insert(&r->dedupe, res->addr, proto, port);
	pthread_mutex_unlock(&r->dedupe_lock);
	return rc != 0;
}

/* Classifies a burst into results[], new ones only; returns how many go to the outputs. */
static size_t classify_burst(struct rx_thread *r, const struct nic_buf *bufs, unsigned n,
			     struct scan_result *results)
{
	struct scan *s = r->scan;
	struct reply_frame frames[SCAN_BURST];
	uint8_t ok[SCAN_BURST];
	for (unsigned i = 0; i < n; i++)
		frames[i] = (struct reply_frame){bufs[i].data, bufs[i].len, bufs[i].l4_csum,
						 bufs[i].rx_ns};
	reply_classify_burst(&s->classify, frames, n, results, ok, &r->counters);
	size_t k = 0;
	for (unsigned i = 0; i < n; i++) {
		struct scan_result *res = &results[k];
		if (!ok[i] && !(s->classify.discovery &&
				 reply_classify_discovery(&s->classify, bufs[i].data, bufs[i].len,
							  bufs[i].l4_csum, bufs[i].rx_ns, &results[i],
							  &r->counters)))
			continue;
		if (i != k)
			*res = results[i];
		if (s->tracing)
			packet_trace_frame(&s->trace, true, bufs[i].data, bufs[i].len);
		/* No enrichment yet, before admit() may keep a copy (a deferred ICMP error). */
		res->grab = NULL;
		res->scripts = NULL;
		res->os = NULL;
		if (!discovery_settle(&s->ping_ports, res) || !admit(r, res))
			continue;
		r->by_state[res->state <= PORT_STATE_MAX ? res->state : 0]++;
		if (s->os_notes.on)
			os_scan_note(s, res);
		if (s->cfg->verbosity && res->state == PORT_OPEN)
			report_discovered(res);
		if (res->rtt_ns > r->max_rtt_ns) /* the cooldown's yardstick (engine.c) */
			r->max_rtt_ns = res->rtt_ns;
		if (s->arp.mask)
			arp_table_fill(&s->arp, res);
		/* -sV: an open TCP port goes to the follow-up pool, which reports it enriched;
		 * a full pool reports it open and not grabbed. */
		if (s->grab && res->proto == PROTO_TCP && res->state == PORT_OPEN &&
		    (grab_pool_submit(s->grab, res) || report_not_grabbed(s, res)))
			continue;
		if (res->proto == PROTO_UDP && udp_version_defer(s, res)) /* -sU -sV */
			continue;
		if (s->scripts && scan_scripts_take(s, res)) /* -sC: reported once its scripts end */
			continue;
		k++;
	}
	return k;
}

enum { RX_IDLE_MIN_NS = 20000, RX_IDLE_CAP_NS = 2000000, RX_IDLE_UNPACED_NS = 250000 };

static uint64_t rx_idle_max_ns(const struct scan *s)
{
	double pps = s->pps_per_thread * s->ntx / (s->nrx ? s->nrx : 1);
	if (pps <= 0) /* unpaced (or a replay): the lowest rate says nothing */
		return RX_IDLE_UNPACED_NS;
	double ns = SCAN_BURST * 1e9 / pps;
	return ns < RX_IDLE_MIN_NS ? RX_IDLE_MIN_NS : ns > RX_IDLE_CAP_NS ? RX_IDLE_CAP_NS
									  : (uint64_t)ns;
}

void *rx_main(void *arg)
{
	struct rx_thread *r = arg;
	struct scan *s = r->scan;
	struct nic_buf bufs[SCAN_BURST];
	struct scan_result results[SCAN_BURST];
	/* This thread's own ring to the writer (one producer, one consumer). */
	struct output_producer *out = output_producer_open(s->out);
	dedupe_deferred_init(&r->deferred);
	nic_thread_register(s->nic);
	/* Idle: sleep, leaving the CPU to the sender (two cores), longer the longer nothing
	 * comes: from 20 us doubling up to the time this queue takes to fill one burst at the
	 * send rate (if every probe were answered), at most 2 ms. At 10 kpps the thread wakes
	 * ~500 times a second instead of 50,000; at 1 Mpps it stays at tens of microseconds, so
	 * a sleep never holds more than a burst or so of replies in the NIC's ring. */
	const uint64_t idle_max = rx_idle_max_ns(s);
	uint64_t idle_ns = RX_IDLE_MIN_NS;
	while (!atomic_load_explicit(&s->stop_rx, memory_order_relaxed)) {
		unsigned n = nic_rx_burst(s->nic, r->queue, bufs, SCAN_BURST);
		if (n == 0) {
			if (s->replay && nic_rx_exhausted(s->nic))
				break;
			clock_sleep_ns(idle_ns);
			idle_ns = idle_ns * 2 < idle_max ? idle_ns * 2 : idle_max;
			continue;
		}
		idle_ns = RX_IDLE_MIN_NS;
		size_t k = classify_burst(r, bufs, n, results);
		nic_rx_release(s->nic, r->queue, bufs, n);
		/* May block on a slow consumer: back-pressure reaches the NIC's ring, whose
		 * overflow the NIC counts (rx-missed), rather than results vanishing here. */
		output_producer_write(out, results, k);
		rx_publish(r);
	}
	rx_publish(r);
	return NULL;
}

struct resolved {
	struct scan *s;
	struct scan_result batch[SCAN_BURST];
	size_t n;
};

static void keep_resolved(unsigned queue, const struct scan_result *res, void *arg)
{
	struct resolved *out = arg;
	struct rx_thread *r = &out->s->rx[queue];
	r->by_state[res->state <= PORT_STATE_MAX ? res->state : 0]++;
	out->batch[out->n++] = *res;
	if (out->n == SCAN_BURST) {
		output_set_write(out->s->out, out->batch, out->n);
		out->n = 0;
	}
}

void rx_resolve_deferred(struct scan *s, unsigned started)
{
	if (started == 0)
		return;
	struct dedupe sets[NIC_MAX_QUEUES];
	struct dedupe_deferred deferred[NIC_MAX_QUEUES];
	for (unsigned q = 0; q < started; q++) {
		sets[q] = s->rx[q].dedupe;
		deferred[q] = s->rx[q].deferred;
	}
	struct resolved out = {.s = s, .n = 0};
	dedupe_resolve(sets, deferred, started, keep_resolved, &out);
	output_set_write(s->out, out.batch, out.n);
	for (unsigned q = 0; q < started; q++) {
		s->rx[q].dedupe = sets[q];
		dedupe_deferred_free(&deferred[q]);
		s->rx[q].deferred = deferred[q];
		rx_publish(&s->rx[q]);
	}
}
