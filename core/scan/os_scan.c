/* -O, nmap's active OS detection, as a phase of the scan: while the port scan runs, the
 * receive threads note each host's lowest open and closed TCP port and closed UDP port
 * (os_scan_note); once its receive threads have stopped, the engine sends nmap's sixteen
 * probes (core/osfp/nmap_fingerprint.h) to each host through the scan's own NIC -- queue
 * 0 to send, every receive queue polled -- pairs the replies, computes the fingerprint,
 * matches it against nmap-os-db and hands one RESULT_PROTO_OS record per host to the
 * outputs.
 * Stateless as the scan: the pairing key of a reply is its address and the port it came
 * back to, which is this scan's keyed source-port base plus (try, probe); an echo reply's
 * key is its keyed identifier. Memory: the notes are sized by the hosts that answered;
 * the probing goes through OS_BATCH hosts at a time, whatever the target count.
 * Timing, as nmap: SEQ's six SYNs 100 ms apart, then the other ten; OS_WAIT_NS for the
 * last replies; up to --max-os-tries tries while no try has matched perfectly. */
#include <Judy.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/packet.h"
#include "core/osfp/nmap_fingerprint.h"
#include "core/osfp/nmap_os_db.h"
#include "core/scan/scan_internal.h"
#include "output/os_report.h"
#include "targets/addrspec.h"

enum {
	OS_BATCH = 64,          /* hosts probed together */
	OS_PROBE_MAX = 512,     /* the largest probe is U1: 328 bytes */
	OS_REPLY_MAX = 1024,    /* a reply kept up to this (U1's quote of 328 fits) */
	OS_TRIES_MAX = 16,      /* source ports per host: OS_TRIES_MAX x NMAP_PROBE_COUNT */
	OS_SPORT_SPAN = OS_TRIES_MAX * NMAP_PROBE_COUNT,
	OS_CLOSED_BASE = 30000, /* nmap's guess of a closed port when none was seen */
	OS_CLOSED_SPAN = 14781,
};
static const uint64_t OS_SEQ_GAP_NS = 100000000u; /* nmap's 100 ms between SEQ probes */
static const uint64_t OS_WAIT_NS = 1000000000u;   /* after a try's last probe */
static const uint8_t OS_COOKIE_PROTO = 0xE0;      /* the cookie input naming -O's probes */

/* A note's packed value (one JudyL word per host): ports seen, 0 none. */
#define NOTE_OPEN(v) ((uint16_t)(v))
#define NOTE_CLOSED(v) ((uint16_t)((v) >> 16))
#define NOTE_CLOSED_UDP(v) ((uint16_t)((v) >> 32))

struct os_host {
	/* its address and ports; the source port base and echo identifier of the try */
	struct nmap_os_pairing keys;
	bool have_pair;  /* an open and a closed TCP port were seen */
	bool udp_scanned; /* a closed UDP port was seen (U1 went to it) */
	bool onlink;     /* reached at its own MAC: one hop */
	uint8_t mac[6];
	uint16_t icmp_id0; /* IE1's identifier is icmp_id0 + 2 x try, IE2's one more */
	uint8_t probe[NMAP_PROBE_COUNT][OS_PROBE_MAX];
	uint8_t reply[NMAP_PROBE_COUNT][OS_REPLY_MAX];
	struct nmap_os_exchange x[NMAP_PROBE_COUNT];
	unsigned replies;
	struct os_host_result best;
	bool judged, perfect;
};

struct os_batch {
	struct scan *s;
	struct os_host *h;
	size_t n;
	unsigned try_no;
	uint16_t sport_base;
	uint64_t sent, replies;              /* this try's */
	uint64_t total_sent, total_replies, unpaired; /* the phase's, for the summary */
};

static uint16_t icmp_id_of(const struct os_batch *b, const struct os_host *h)
{
	return (uint16_t)(h->icmp_id0 + 2 * b->try_no);
}

void os_scan_init(struct scan *s)
{
	s->os_notes.on = s->params->os_db != NULL;
	s->os_notes.judy = NULL;
	pthread_mutex_init(&s->os_notes.lock, NULL);
}

void os_scan_free(struct scan *s)
{
	Pvoid_t a = s->os_notes.judy;
	JudyLFreeArray(&a, PJE0);
	s->os_notes.judy = NULL;
	pthread_mutex_destroy(&s->os_notes.lock);
}

/* The lowest port of each kind, so the choice does not depend on reply order. */
static uint64_t note_port(uint64_t v, unsigned shift, uint16_t port)
{
	uint16_t have = (uint16_t)(v >> shift);
	if (have && have <= port)
		return v;
	return (v & ~((uint64_t)0xffff << shift)) | ((uint64_t)port << shift);
}

void os_scan_note(struct scan *s, const struct scan_result *r)
{
	if (!s->os_notes.on || (r->responder && r->responder != r->addr))
		return;
	pthread_mutex_lock(&s->os_notes.lock);
	Pvoid_t a = s->os_notes.judy;
	PWord_t pv = (PWord_t)JudyLIns(&a, (Word_t)r->addr, PJE0);
	s->os_notes.judy = a;
	if (pv && pv != PJERR) { /* out of memory: the host goes without -O */
		uint64_t v = *pv;
		if (r->proto == PKT_IPPROTO_TCP && r->state == PORT_OPEN && r->port)
			v = note_port(v, 0, r->port);
		else if (r->proto == PKT_IPPROTO_TCP && r->state == PORT_CLOSED && r->port)
			v = note_port(v, 16, r->port);
		else if (r->proto == PKT_IPPROTO_UDP && r->state == PORT_CLOSED && r->port)
			v = note_port(v, 32, r->port);
		*pv = v | (uint64_t)1 << 48; /* up */
	}
	pthread_mutex_unlock(&s->os_notes.lock);
}

/* ---- sending ----------------------------------------------------------------------- */

static uint16_t probe_sport(const struct os_batch *b, unsigned p)
{
	return (uint16_t)(b->sport_base + b->try_no * NMAP_PROBE_COUNT + p);
}

static uint16_t probe_dport(const struct os_host *h, enum nmap_os_probe p)
{
	return nmap_os_probe_dport(&h->keys, p);
}

static void send_probe(struct os_batch *b, struct os_host *h, enum nmap_os_probe p)
{
	struct scan *s = b->s;
	if (h->perfect || (probe_dport(h, p) == 0 && nmap_os_probe_port(p) != NMAP_PORT_NONE))
		return;
	uint64_t c = cookie_compute(&s->key, s->addrs.src_addr, h->keys.host, probe_sport(b, p),
				    (uint8_t)(OS_COOKIE_PROTO + p));
	struct nmap_os_probe_fields f = {
		.src = s->addrs.src_addr, .dst = h->keys.host,
		.sport = probe_sport(b, p), .dport = probe_dport(h, p),
		.seq = (uint32_t)c, .ack = p == NMAP_PROBE_SEQ1 ? 0 : (uint32_t)(c >> 32),
		.ip_id = (uint16_t)(c >> 48), .icmp_id = h->keys.icmp_id,
		.ttl = s->params->ttl ? s->params->ttl : 64,
	};
	size_t len = nmap_os_probe_build(p, &f, h->probe[p], OS_PROBE_MAX);
	struct nic_buf buf;
	if (len == 0 || nic_tx_alloc(s->nic, 0, &buf, 1) != 1)
		return;
	const uint8_t *dst = h->onlink ? h->mac : s->addrs.gw_mac;
	size_t l3 = pkt_write_eth(buf.data, s->addrs.src_mac, dst, (uint16_t)s->cfg->vlan);
	memcpy(buf.data + l3, h->probe[p], len);
	buf.len = (uint32_t)(l3 + len);
	h->x[p] = (struct nmap_os_exchange){.probe = h->probe[p], .probe_len = len,
					     .sent_ns = clock_wall_ns()};
	if (s->tracing)
		packet_trace_frame(&s->trace, false, buf.data, buf.len);
	b->sent += nic_tx_submit(s->nic, 0, &buf, 1);
}

/* ---- receiving --------------------------------------------------------------------- */

static struct os_host *host_of(struct os_batch *b, uint32_t addr)
{
	for (size_t i = 0; i < b->n; i++) /* OS_BATCH hosts: a scan is cheaper than a table */
		if (b->h[i].keys.host == addr)
			return &b->h[i];
	return NULL;
}

static void take_frame(struct os_batch *b, const struct nic_buf *f)
{
	size_t off;
	if (reply_find_ipv4(&b->s->classify, f->data, f->len, &off) < 0 ||
	    f->len < off + PKT_IPV4_HLEN)
		return;
	const uint8_t *ip = f->data + off;
	size_t len = f->len - off, total = pkt_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || total < PKT_IPV4_HLEN || pkt_be32(ip + 16) != b->s->addrs.src_addr)
		return;
	len = total < len ? total : len;
	struct os_host *h = host_of(b, pkt_be32(ip + 12));
	int p = h ? nmap_os_pair_reply(&h->keys, ip, len) : -1;
	if (p < 0 || h->x[p].probe_len == 0) {
		b->unpaired += h != NULL;
		return;
	}
	if (h->x[p].reply) /* the first reply counts, as nmap's */
		return;
	if (b->s->tracing)
		packet_trace_frame(&b->s->trace, true, f->data, f->len);
	size_t keep = len < OS_REPLY_MAX ? len : OS_REPLY_MAX;
	memcpy(h->reply[p], ip, keep);
	h->x[p].reply = h->reply[p];
	h->x[p].reply_len = keep;
	h->x[p].reply_ns = f->rx_ns ? f->rx_ns : clock_wall_ns();
	h->replies++;
	b->replies++;
}

/* Polls every receive queue until `until` (CLOCK_MONOTONIC), or, with all_in, until every
 * probe of every host of the batch has its reply. */
static void receive_until(struct os_batch *b, uint64_t until, bool all_in)
{
	struct scan *s = b->s;
	struct nic_buf bufs[SCAN_BURST];
	while (clock_mono_ns() < until && !(all_in && b->replies >= b->sent)) {
		unsigned got = 0;
		for (unsigned q = 0; q < s->nrx; q++) {
			unsigned n = nic_rx_burst(s->nic, q, bufs, SCAN_BURST);
			for (unsigned i = 0; i < n; i++)
				take_frame(b, &bufs[i]);
			nic_rx_release(s->nic, q, bufs, n);
			got += n;
		}
		if (got == 0)
			clock_sleep_ns(200000);
	}
}

/* ---- one try, the fingerprint, the match ------------------------------------------- */

static void send_try(struct os_batch *b, volatile sig_atomic_t *stops)
{
	b->replies = b->sent = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct os_host *h = &b->h[i];
		memset(h->x, 0, sizeof h->x);
		h->replies = 0;
		h->keys.sport0 = probe_sport(b, 0); /* fresh ports and identifiers each try: a */
		h->keys.icmp_id = icmp_id_of(b, h); /* late reply to the last one pairs with none */
	}
	uint64_t t0 = clock_mono_ns();
	for (unsigned p = NMAP_PROBE_SEQ1; p <= NMAP_PROBE_SEQ6 && *stops == 0; p++) {
		receive_until(b, t0 + p * OS_SEQ_GAP_NS, false);
		for (size_t i = 0; i < b->n; i++)
			send_probe(b, &b->h[i], p);
	}
	receive_until(b, clock_mono_ns() + OS_SEQ_GAP_NS, false);
	for (unsigned p = NMAP_PROBE_ECN; p < NMAP_PROBE_COUNT && *stops == 0; p++)
		for (size_t i = 0; i < b->n; i++)
			send_probe(b, &b->h[i], p);
	receive_until(b, clock_mono_ns() + OS_WAIT_NS, true);
	b->total_sent += b->sent;
	b->total_replies += b->replies;
}

/* Why nmap would not take this fingerprint as a submission (its words), or "". */
static void not_ideal_reason(const struct os_batch *b, const struct os_host *h, int distance,
			     char *out, size_t cap)
{
	const struct orbit_config *cfg = b->s->cfg;
	out[0] = 0;
	if (cfg->scan_delay_ms > 500)
		snprintf(out, cap, "Scan delay (%u) is greater than 500", cfg->scan_delay_ms);
	else if (cfg->timing && (!strcmp(cfg->timing, "5") || !strcmp(cfg->timing, "insane")))
		snprintf(out, cap, "Timing level 5 (Insane) used");
	else if (!h->keys.open_port)
		snprintf(out, cap, "Missing an open TCP port so results incomplete");
	else if (!h->have_pair)
		snprintf(out, cap, "Missing a closed TCP port so results incomplete");
	else if (distance > 5)
		snprintf(out, cap, "Host distance (%d network hops) is greater than five", distance);
	else if (!h->x[NMAP_PROBE_U1].reply && !h->udp_scanned)
		snprintf(out, cap, "Didn't receive UDP response. Please try again with -sSU");
}

/* Matches the try's fingerprint; keeps it when it beats the host's best so far. */
static void judge_try(struct os_batch *b, struct os_host *h)
{
	struct nmap_os_answers a = {.hops = h->onlink ? 1 : 0};
	memcpy(a.x, h->x, sizeof a.x);
	char *text = nmap_os_fingerprint_text(&a);
	struct nmap_fp *fp = text ? nmap_fp_parse_subject(text, strlen(text)) : NULL;
	if (b->s->cfg->debug_level && text) {
		char addr[16];
		addrspec_format_ipv4(h->keys.host, addr);
		fprintf(stderr, "OS fingerprint of %s (try #%u):\n%s", addr, b->try_no + 1, text);
	}
	struct os_host_result r = {.distance = (int)nmap_os_distance(&a)};
	if (text)
		snprintf(r.fingerprint, sizeof r.fingerprint, "%s", text);
	free(text);
	if (!fp)
		return;
	if (r.distance == 0)
		r.distance = -1;
	r.nmatches = nmap_os_match(b->s->params->os_db, fp, r.matches, OS_REPORT_MATCHES);
	r.no_port_pair = !h->have_pair;
	not_ideal_reason(b, h, r.distance, r.reason, sizeof r.reason);
	nmap_fp_free(fp);
	double acc = r.nmatches ? r.matches[0].accuracy : 0;
	double best = h->best.nmatches ? h->best.matches[0].accuracy : -1;
	if (!h->judged || acc > best)
		h->best = r;
	h->judged = true;
	h->perfect = acc >= 1.0;
}

static bool batch_done(const struct os_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (!b->h[i].perfect)
			return false;
	return true;
}

static void emit_host(struct scan *s, const struct os_host *h)
{
	struct os_record *rec = malloc(sizeof *rec);
	if (!rec)
		return;
	*rec = (struct os_record){.result = h->best, .db = s->params->os_db,
				  .guess = s->cfg->osscan_guess};
	struct scan_result r = {.addr = h->keys.host, .proto = RESULT_PROTO_OS, .state = HOST_UP,
				.reason = REASON_NONE, .rtt_ns = -1,
				.timestamp_ns = clock_wall_ns(), .os = rec};
	output_set_write(s->out, &r, 1);
}

static void run_batch(struct os_batch *b, volatile sig_atomic_t *stops)
{
	struct scan *s = b->s;
	unsigned tries = s->cfg->max_os_tries ? s->cfg->max_os_tries : 1;
	tries = tries > OS_TRIES_MAX ? OS_TRIES_MAX : tries;
	for (b->try_no = 0; b->try_no < tries && *stops == 0 && !batch_done(b); b->try_no++) {
		if (s->cfg->verbosity && !s->cfg->quiet)
			fprintf(stderr, "Initiating OS detection (try #%u) against %zu host%s\n",
				b->try_no + 1, b->n, b->n == 1 ? "" : "s");
		send_try(b, stops);
		for (size_t i = 0; i < b->n; i++)
			if (!b->h[i].perfect)
				judge_try(b, &b->h[i]);
	}
	for (size_t i = 0; i < b->n; i++)
		emit_host(s, &b->h[i]);
}

/* ---- host selection ---------------------------------------------------------------- */

/* A port nmap would guess closed: in its range, not one the scan found open. */
static uint16_t guess_closed(const struct scan *s, uint32_t addr, uint16_t open)
{
	uint64_t c = cookie_compute(&s->key, s->addrs.src_addr, addr, 0, OS_COOKIE_PROTO);
	uint16_t port = (uint16_t)(OS_CLOSED_BASE + c % OS_CLOSED_SPAN);
	return port == open ? (uint16_t)(port + 1) : port;
}

static void host_setup(struct scan *s, struct os_host *h, uint32_t addr, uint64_t v)
{
	memset(h, 0, sizeof *h);
	struct nmap_os_pairing *k = &h->keys;
	k->host = addr;
	k->open_port = NOTE_OPEN(v);
	k->closed_port = NOTE_CLOSED(v);
	k->closed_udp = NOTE_CLOSED_UDP(v);
	h->udp_scanned = k->closed_udp != 0;
	h->have_pair = k->open_port && k->closed_port;
	/* No open port: the probes for one (SEQ, ECN, T2-T4) are not sent, as nmap sends
	 * none; no closed port: nmap's guess of one. */
	if (!k->closed_port)
		k->closed_port = guess_closed(s, addr, k->open_port);
	if (!k->closed_udp)
		k->closed_udp = guess_closed(s, addr ^ 0x5555u, 0);
	h->onlink = arp_table_onlink(&s->arp, addr) && arp_table_lookup(&s->arp, addr, h->mac);
	h->icmp_id0 = (uint16_t)cookie_compute(&s->key, s->addrs.src_addr, addr, 1, OS_COOKIE_PROTO);
	h->best.distance = -1;
}

void os_scan_run(struct scan *s, volatile sig_atomic_t *stops)
{
	if (!s->os_notes.on || s->replay || *stops)
		return;
	struct os_batch b = {.s = s, .h = calloc(OS_BATCH, sizeof(struct os_host))};
	if (!b.h) {
		fprintf(stderr, "orbit: -O: out of memory\n");
		return;
	}
	uint64_t k = cookie_compute(&s->key, s->addrs.src_addr, 0, 0, OS_COOKIE_PROTO);
	b.sport_base = (uint16_t)(49152 + k % (16384 - OS_SPORT_SPAN));
	nic_thread_register(s->nic);
	uint64_t hosts = 0, skipped = 0;
	Word_t addr = 0;
	PWord_t pv = (PWord_t)JudyLFirst((Pcvoid_t)s->os_notes.judy, &addr, PJE0);
	while (pv && *stops == 0) {
		uint64_t v = *pv;
		if (s->cfg->osscan_limit && !(NOTE_OPEN(v) && NOTE_CLOSED(v))) {
			skipped++; /* --osscan-limit: only hosts with an open/closed pair */
		} else {
			host_setup(s, &b.h[b.n++], (uint32_t)addr, v);
			hosts++;
		}
		pv = (PWord_t)JudyLNext((Pcvoid_t)s->os_notes.judy, &addr, PJE0);
		if (b.n == OS_BATCH) {
			run_batch(&b, stops);
			b.n = 0;
		}
	}
	if (b.n && *stops == 0)
		run_batch(&b, stops);
	if (!s->cfg->quiet)
		fprintf(stderr, "orbit: OS detection: %" PRIu64 " host%s probed (%" PRIu64
			" skipped by --osscan-limit): %" PRIu64 " probes sent, %" PRIu64
			" replies paired, %" PRIu64 " from those hosts unpaired\n", hosts,
			hosts == 1 ? "" : "s", skipped, b.total_sent, b.total_replies, b.unpaired);
	free(b.h);
}
