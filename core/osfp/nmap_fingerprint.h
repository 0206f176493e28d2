/* nmap's -O probe set and the subject fingerprint of one host's answers to it, as nmap
 * documents the method (nmap.org/book/osdetect-methods.html): sixteen probes -- SEQ's six
 * SYNs to an open port (100 ms apart, each with its own options and window), ECN, T2-T4
 * to the open port, T5-T7 to a closed one, U1 to a closed UDP port, IE's two echoes --
 * and from the replies the test lines SEQ, OPS, WIN, ECN, T1-T7, U1, IE in nmap's
 * syntax, ready for nmap_fp_parse_subject() (nmap_os_db.h).
 * Contract: pure functions over bytes. nmap_os_probe_build() writes one probe's whole
 * IPv4 packet (checksums set); the caller adds the link header, sends it and pairs each
 * reply with its probe (core/scan/os_scan.c does so by source port and cookie). A reply
 * is hostile input: any bytes, any length, never trusted to be the protocol it claims. */
#ifndef ORBIT_CORE_OSFP_NMAP_FINGERPRINT_H
#define ORBIT_CORE_OSFP_NMAP_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nmap_os_probe {
	NMAP_PROBE_SEQ1, NMAP_PROBE_SEQ2, NMAP_PROBE_SEQ3,
	NMAP_PROBE_SEQ4, NMAP_PROBE_SEQ5, NMAP_PROBE_SEQ6, /* T1 is SEQ1's reply */
	NMAP_PROBE_ECN,
	NMAP_PROBE_T2, NMAP_PROBE_T3, NMAP_PROBE_T4, /* to the open port */
	NMAP_PROBE_T5, NMAP_PROBE_T6, NMAP_PROBE_T7, /* to the closed TCP port */
	NMAP_PROBE_U1,                               /* to the closed UDP port */
	NMAP_PROBE_IE1, NMAP_PROBE_IE2,
	NMAP_PROBE_COUNT
};

/* "SEQ1", "ECN", "T5", "U1", "IE2"... */
const char *nmap_os_probe_name(enum nmap_os_probe p);
/* Which protocol the probe is (PKT_IPPROTO_TCP, _UDP, _ICMP), and whether it goes to the
 * open TCP port (SEQ, ECN, T2-T4), the closed TCP port (T5-T7), the closed UDP port (U1). */
int nmap_os_probe_protocol(enum nmap_os_probe p);
enum nmap_os_port { NMAP_PORT_OPEN, NMAP_PORT_CLOSED_TCP, NMAP_PORT_CLOSED_UDP, NMAP_PORT_NONE };
enum nmap_os_port nmap_os_probe_port(enum nmap_os_probe p);

/* What the sender chooses for one probe; everything else is nmap's. */
struct nmap_os_probe_fields {
	uint32_t src, dst;   /* IPv4 addresses, host order */
	uint16_t sport;      /* TCP/UDP source port (the sender pairs replies by it) */
	uint16_t dport;      /* the open, closed TCP or closed UDP port: nmap_os_probe_port() */
	uint32_t seq, ack;   /* TCP sequence and acknowledgement numbers */
	uint16_t ip_id;      /* IPv4 ID (U1 uses nmap's fixed one whatever this says) */
	uint16_t icmp_id;    /* IE: the echo identifier (IE2 uses icmp_id + 1 as nmap) */
	uint8_t ttl;         /* IP TTL sent (U1's quoted TTL gives the distance from it) */
};

/* Writes probe p as a whole IPv4 packet into out (cap bytes). Returns its length, 0 when
 * cap is too small. */
size_t nmap_os_probe_build(enum nmap_os_probe p, const struct nmap_os_probe_fields *f,
			   uint8_t *out, size_t cap);

/* What one host's probes of one try were sent with, to pair its replies: probe p left from
 * source port sport0 + p to its port (nmap_os_probe_port), IE1 carried icmp_id and IE2
 * icmp_id + 1. */
struct nmap_os_pairing {
	uint32_t host; /* host order */
	uint16_t sport0;
	uint16_t open_port, closed_port, closed_udp;
	uint16_t icmp_id;
};

/* The port probe p goes to: open_port, closed_port or closed_udp (0 for IE). */
uint16_t nmap_os_probe_dport(const struct nmap_os_pairing *k, enum nmap_os_probe p);

/* The probe an IPv4 packet of len bytes from the host answers, or -1: a TCP segment from
 * probe p's port to sport0 + p, an echo reply with IE1's or IE2's identifier, a port
 * unreachable quoting U1 (ours, to the closed UDP port). The caller has checked the
 * addresses of the outer header. */
int nmap_os_pair_reply(const struct nmap_os_pairing *k, const uint8_t *ip, size_t len);

/* One probe and what came back: probe is the IPv4 packet sent (as built above), reply
 * the first IPv4 packet paired with it (NULL/0: none came). Times: CLOCK_REALTIME ns. */
struct nmap_os_exchange {
	const uint8_t *probe;
	size_t probe_len;
	const uint8_t *reply;
	size_t reply_len;
	uint64_t sent_ns, reply_ns;
};

struct nmap_os_answers {
	struct nmap_os_exchange x[NMAP_PROBE_COUNT];
	/* Network distance in hops when the sender knows it (1: on-link, the target's MAC
	 * was resolved); 0: unknown, then U1's quoted TTL gives it, else the lines use TG=. */
	unsigned hops;
};

/* The distance the fingerprint used: a->hops, else from U1's reply; 0 when unknown. */
unsigned nmap_os_distance(const struct nmap_os_answers *a);

/* The subject fingerprint's test lines, one "NAME(K=V%K=V)\n" each, in nmap's order
 * (SEQ OPS WIN ECN T1 T2 T3 T4 T5 T6 T7 U1 IE); a probe with no reply gives its line as
 * nmap does ("T2(R=N)"), a probe not sent (probe NULL) none, and a test nmap cannot
 * compute is left out as nmap leaves it out.
 * malloc'd; NULL only when out of memory. */
char *nmap_os_fingerprint_text(const struct nmap_os_answers *a);

/* nmap's IP ID sequence class of n IDs in the order received (TI, CI, II): "Z" all zero,
 * "RD" a step of 20000 or more (only when allow_rd: not for II), the ID in hex when all
 * are equal, "RI", "BI", "I"; "" when none fits (nmap leaves the test out) or n < 2.
 * Writes out (8 bytes) and returns it. Exposed for tests. */
const char *nmap_ipid_class(const uint16_t *ids, size_t n, bool allow_rd, char out[8]);

#endif
