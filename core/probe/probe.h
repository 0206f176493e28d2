/* Probe kinds: how one probe frame is built for (daddr, dport, cookie), and what its
 * replies mean.
 * Contract: each kind (tcp-syn, tcp-ack, udp, icmp-echo, icmp-timestamp, arp; one file each) is a const
 * vtable listed once in PROBE_KIND_LIST, the registry: probe_kind_by_name() and
 * probe_kind_for() find kinds in it, and the reply path (reply.c) dispatches to the
 * kinds' classifiers from it. A thread calls
 * probe_template_init() once (cold: all validation and header layout happens there),
 * then build() per probe: it copies the template's header bytes into the caller's
 * buffer and patches address, ports, ids, sequence numbers and timestamps, with the
 * checksums completed from sums precomputed in the template (RFC 1624: the template's
 * variable fields are zero, so each new value is just added). No malloc, division,
 * syscall or lock on that path; the template is read-only after init and may be shared.
 * Cookies: a probe to (daddr, dport) carries cookie_compute(key, saddr, daddr,
 * probe_cookie_port(kind, dport), kind->ip_proto); probe_build_burst() computes them in
 * SIMD batches. Frame buffers must hold probe_frame_max(t) bytes (>= PROBE_COPY_LEN). */
#ifndef ORBIT_CORE_PROBE_PROBE_H
#define ORBIT_CORE_PROBE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/cookie.h"
#include "core/base/error.h"
#include "core/base/packet.h"
#include "core/base/result.h"
#include "core/probe/reply.h"

struct udp_payload_table;
struct reply_ipv4;
struct reply_quote;

/* The registry: X(name, ip_proto, tcp_probe) for every kind, in lookup order. The table
 * behind probe_kind_at()/probe_kind_by_name()/probe_kind_for() and the reply dispatch are
 * generated from it (reply.c calls name##_classify() and name##_classify_error() directly:
 * no indirect call per frame), so adding a kind is its file, its line here and its file
 * in meson.build; the engine finds it with probe_kind_for() (the first kind of a protocol:
 * icmp_echo for ICMP; reply.c sends timestamp replies and errors quoting a timestamp
 * request to icmp_timestamp by ICMP type). ip_proto and tcp_probe must
 * equal the kind's vtable fields (test_probe checks). tcp_probe, the TCP scan a kind is
 * (Nmap -sS / -sA), only matters for TCP kinds. */
#define PROBE_KIND_LIST(X)                                    \
	X(tcp_syn, PKT_IPPROTO_TCP, TCP_PROBE_SYN)            \
	X(tcp_ack, PKT_IPPROTO_TCP, TCP_PROBE_ACK)            \
	X(udp, PKT_IPPROTO_UDP, TCP_PROBE_SYN)                \
	X(icmp_echo, PKT_IPPROTO_ICMP, TCP_PROBE_SYN)         \
	X(icmp_timestamp, PKT_IPPROTO_ICMP, TCP_PROBE_SYN)    \
	X(arp, RESULT_PROTO_ARP, TCP_PROBE_SYN)

/* Whether a registry entry (proto, tcp) is the kind that answers for ip_proto in a scan
 * whose TCP probes are scan_tcp. Constant-folded in the reply dispatch. */
static inline int probe_kind_matches(uint8_t proto, enum tcp_probe_kind tcp, uint8_t ip_proto,
				     enum tcp_probe_kind scan_tcp)
{
	return proto == ip_proto && (proto != PKT_IPPROTO_TCP || tcp == scan_tcp);
}

/* TCP SYN option layouts, mimicking common stacks (ZMap measured more SYN-ACKs with an
 * MSS option present than with none). */
enum tcp_option_profile {
	TCP_OPTIONS_LINUX,    /* MSS 1460, SACK-permitted, timestamps, NOP, wscale 7: 20 bytes */
	TCP_OPTIONS_WINDOWS,  /* MSS 1460, NOP, wscale 8, NOP, NOP, SACK-permitted: 12 bytes */
	TCP_OPTIONS_MSS_ONLY, /* MSS 1460 */
	TCP_OPTIONS_NONE,
};
int tcp_option_profile_parse(const char *name, enum tcp_option_profile *out, struct errbuf *e);
const char *tcp_option_profile_name(enum tcp_option_profile p);

/* What a scan tells the probe kinds; copied into the template, not kept. */
struct probe_config {
	uint8_t src_mac[PKT_ETH_ALEN];
	uint8_t dst_mac[PKT_ETH_ALEN]; /* next hop */
	uint16_t vlan_id;              /* 0: untagged; 1..4094: one 802.1Q tag (--vlan) */
	uint32_t saddr;                /* host byte order */
	uint16_t sport_base;           /* source ports are [sport_base, sport_base + sport_count) */
	uint32_t sport_count;          /* 1..65536 */
	uint8_t ttl;                   /* 0 means 64 */
	enum tcp_option_profile tcp_options;
	const struct udp_payload_table *udp_payloads; /* NULL: empty UDP payloads */
};

/* Bytes copied from the template per probe: a fixed size, so the copy is a few vector
 * moves instead of a memcpy call. Covers the longest header (VLAN + IPv4 + TCP with
 * 20 option bytes = 78). */
#define PROBE_COPY_LEN 80
#define PROBE_BURST_MAX 64

struct probe_kind;

struct probe_template {
	const struct probe_kind *kind;
	uint8_t frame[PROBE_COPY_LEN]; /* headers; variable fields zero */
	uint16_t header_len;           /* bytes of frame that are headers */
	uint16_t frame_max;            /* longest frame build() can write */
	uint16_t l3_off, l4_off;       /* IPv4 and TCP/UDP/ICMP header offsets */
	uint16_t tsval_off;            /* TCP timestamp value offset; 0 when absent */
	uint32_t ip_sum;               /* one's-complement sums of the zeroed template, in */
	uint32_t l4_sum;               /* memory order: IPv4 header; L4 (+ pseudo) header */
	uint32_t saddr;
	uint16_t sport_base;
	uint32_t sport_count;
	const struct udp_payload_table *udp_payloads;
	uint8_t proto_lanes[PROBE_BURST_MAX]; /* kind->ip_proto repeated: batch cookie input */
};

struct probe_kind {
	const char *name; /* as given on the command line: "tcp-syn", ... */
	const char *summary;
	uint8_t ip_proto;  /* a cookie input; the protocol of the target ports it probes */
	uint8_t uses_port; /* 0: dport is not on the wire (ICMP echo), cookies use port 0 */
	enum tcp_probe_kind tcp_probe; /* TCP kinds: which scan they are (Nmap -sS, -sA) */
	int (*init)(struct probe_template *t, const struct probe_config *cfg, struct errbuf *e);
	/* Writes one probe; returns the frame length. now_ns: CLOCK_REALTIME nanoseconds. */
	size_t (*build)(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
			uint16_t dport, uint64_t cookie, uint64_t now_ns);
	/* build() for n probes whose cookies are already computed. */
	void (*build_burst)(const struct probe_template *t, uint8_t *const *frames,
			    uint16_t *lens, const uint32_t *daddr, const uint16_t *dport,
			    const uint64_t *cookies, size_t n, uint64_t now_ns);
	/* A reply to this kind's probe (reply.c peeled link and IPv4: the datagram is to
	 * us, unfragmented, its IP checksum right): RX_DROP_COUNT with *out filled, or the
	 * drop cause. */
	enum rx_drop (*classify)(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				 struct scan_result *out);
	/* An ICMP unreachable or time-exceeded whose quote reply.c checked (our address,
	 * transport bytes present): checks the quoted probe's cookie, names the state. */
	enum rx_drop (*classify_error)(const struct classify_ctx *ctx, const struct reply_ipv4 *ip,
				       const struct reply_quote *q, struct scan_result *out);
};

const struct probe_kind *probe_kind_by_name(const char *name);
/* The kind probing ip_proto ports in a scan whose TCP probes are tcp_probe; NULL: none. */
const struct probe_kind *probe_kind_for(uint8_t ip_proto, enum tcp_probe_kind tcp_probe);
size_t probe_kind_count(void);
const struct probe_kind *probe_kind_at(size_t i);

int probe_template_init(struct probe_template *t, const struct probe_kind *kind,
			const struct probe_config *cfg, struct errbuf *e);

static inline size_t probe_frame_max(const struct probe_template *t)
{
	return t->frame_max > PROBE_COPY_LEN ? t->frame_max : PROBE_COPY_LEN;
}

static inline uint16_t probe_cookie_port(const struct probe_kind *kind, uint16_t dport)
{
	return kind->uses_port ? dport : 0;
}

static inline uint64_t probe_cookie(const struct probe_template *t, const struct cookie_key *key,
				    uint32_t daddr, uint16_t dport)
{
	return cookie_compute(key, t->saddr, daddr, probe_cookie_port(t->kind, dport),
			      t->kind->ip_proto);
}

static inline size_t probe_build(const struct probe_template *t, uint8_t *frame, uint32_t daddr,
				 uint16_t dport, uint64_t cookie, uint64_t now_ns)
{
	return t->kind->build(t, frame, daddr, dport, cookie, now_ns);
}

/* Cookies (SIMD batches) and frames for n targets; lens[i] gets each frame's length.
 * The _with form uses the given cookie implementation (benchmarks, tests). */
void probe_build_burst(const struct probe_template *t, const struct cookie_key *key,
		       uint8_t *const *frames, uint16_t *lens, const uint32_t *daddr,
		       const uint16_t *dport, size_t n, uint64_t now_ns);
void probe_build_burst_with(enum cookie_simd simd, const struct probe_template *t,
			    const struct cookie_key *key, uint8_t *const *frames, uint16_t *lens,
			    const uint32_t *daddr, const uint16_t *dport, size_t n,
			    uint64_t now_ns);

/* The kinds, defined one per file: probe_kind_tcp_syn, probe_kind_tcp_ack, ... */
#define PROBE_KIND_DECLARE(name, kind_proto, kind_tcp) extern const struct probe_kind probe_kind_##name;
PROBE_KIND_LIST(PROBE_KIND_DECLARE)
#undef PROBE_KIND_DECLARE

#endif
