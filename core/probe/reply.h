/* Reply classification: one received frame in, at most one scan result out.
 * Contract: reply_classify() parses Ethernet (up to two VLAN tags) or raw IPv4, validates
 * the frame as a reply to one of OUR probes -- destination is one of ctx->our_addrs, IP and
 * transport checksums (the transport one as the NIC reported it: enum csum_rx in
 * core/base/checksum.h), lengths, no fragments, and the keyed cookie of core/cookie.h
 * (recomputed from the reply's own addresses and ports; ICMP errors through the quoted inner
 * header) -- then names the port state as Nmap does (output/result.h). It returns 1 with
 * every field of *out filled, or 0 after counting exactly one cause in cnt->drops[]. Frames
 * that are not provably ours are never reported. Per frame: no allocation, no division, no
 * system call, no global state; ctx is read-only, so one ctx can serve every rx queue while
 * each queue owns its counters. */
#ifndef ORBIT_CORE_REPLY_H
#define ORBIT_CORE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/checksum.h"
#include "core/base/cookie.h"
#include "core/base/result.h"

#define REPLY_MAX_OUR_ADDRS 16

/* What the scan's TCP probes were: the same RST means "closed" to a SYN, "unfiltered" to an
 * ACK, and the cookie travels in a different field (see core/cookie.h). */
enum tcp_probe_kind {
	TCP_PROBE_SYN = 0,
	TCP_PROBE_ACK,
};

enum reply_link {
	REPLY_LINK_ETHERNET = 0, /* DPDK, AF_PACKET, pcap DLT_EN10MB */
	REPLY_LINK_RAW_IPV4,     /* tun devices, pcap DLT_RAW */
};

/* The probe side's check of a UDP reply's own protocol id (DNS id, SNMP request-id ...)
 * against the cookie; the classifier only holds it, so it never depends on the payload
 * table's layout. */
struct udp_payload_table;
typedef bool (*udp_reply_check_fn)(const struct udp_payload_table *table, uint16_t port,
				   const uint8_t *payload, size_t len, uint64_t cookie);

struct classify_ctx {
	const struct cookie_key *key;
	uint32_t our_addrs[REPLY_MAX_OUR_ADDRS]; /* our source addresses, host byte order */
	unsigned n_our_addrs;
	uint16_t sport_base;  /* source-port range the probes drew from: */
	uint32_t sport_count; /* [base, base + count), as given to cookie_source_port() */
	enum tcp_probe_kind tcp_probe;
	enum reply_link link;
	/* ARP replies (the scan's sweep only): reply_classify() peels ethertype 0x0806 and
	 * accepts a reply to our_mac / our_addrs[0] (core/probe/arp.h) as a HOST_UP result
	 * with the sender's MAC. false: ARP frames are dropped as not-ipv4. */
	bool accept_arp;
	uint8_t our_mac[6];
	udp_reply_check_fn udp_check; /* NULL: any UDP reply that passes the port check */
	/* The scan sends pings whose replies reply_classify_discovery() takes (TCP pings of
	 * the other kind than the scan's, ICMP timestamp requests). */
	bool discovery;
	const struct udp_payload_table *udp_table;
};

/* Why a frame produced no result. Not all are errors: time-exceeded and ICMP errors about
 * echo probes are validated replies that have no port state to report. */
enum rx_drop {
	RX_DROP_NOT_IPV4 = 0,      /* ethertype or IP version */
	RX_DROP_TRUNCATED,         /* shorter than a header or length field says */
	RX_DROP_BAD_IP_HEADER,     /* IHL < 5, total length < header length */
	RX_DROP_BAD_IP_CHECKSUM,
	RX_DROP_NOT_TO_US,         /* destination (or quoted source) is not our address */
	RX_DROP_FRAGMENT,          /* MF set or offset != 0: never reassembled */
	RX_DROP_OTHER_PROTOCOL,    /* not TCP/UDP/ICMP, outer or quoted */
	RX_DROP_BAD_L4_HEADER,     /* TCP data offset, UDP length */
	RX_DROP_BAD_L4_CHECKSUM,
	RX_DROP_WRONG_PORT,        /* our port is not the cookie's source port */
	RX_DROP_BAD_COOKIE,        /* ack/seq/ICMP id,seq do not match the cookie */
	RX_DROP_UDP_PAYLOAD_ID,    /* the UDP payload's own id does not match */
	RX_DROP_TCP_FLAGS,         /* ours, but the flags mean nothing for this probe kind */
	RX_DROP_ICMP_TYPE,         /* redirect, echo request, parameter problem ... */
	RX_DROP_ICMP_CODE,         /* unreachable code with no port state (4 frag-needed ...) */
	RX_DROP_ICMP_INNER,        /* quoted header missing or malformed */
	RX_DROP_TIME_EXCEEDED,     /* validated, counted, not a port state */
	RX_DROP_ECHO_UNREACHABLE,  /* validated error about an echo probe: no port state */
	RX_DROP_COUNT
};

/* Not causes: facts about frames counted besides their outcome (a result or one drop). */
enum rx_note {
	/* The TCP/UDP checksum field held only the pseudo-header sum: the sender left it
	 * for its device (CHECKSUM_PARTIAL, veth, VMs on the same host); accepted. */
	RX_NOTE_L4_CSUM_OFFLOADED = 0,
	RX_NOTE_L4_CSUM_NIC_BAD, /* the NIC flagged the L4 checksum bad; verified in software */
	RX_NOTE_COUNT
};

struct rx_counters {
	uint64_t frames;  /* every call */
	uint64_t results; /* calls that returned 1 */
	uint64_t drops[RX_DROP_COUNT];
	uint64_t notes[RX_NOTE_COUNT];
};

/* frame/len: the received bytes (Ethernet padding after the IP datagram is fine);
 * l4_csum: what the NIC said of the frame's transport checksum (VALID and PARTIAL skip
 * the software sum; the IPv4 header checksum is always verified);
 * rx_ns: receive time, CLOCK_REALTIME ns (RTTs come from the probes' send times). */
int reply_classify_l4_verify(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
			     uint64_t rx_ns, struct scan_result *out, struct rx_counters *cnt);
int reply_classify_l4_trusted(const struct classify_ctx *ctx, const uint8_t *frame,
			      size_t len, uint64_t rx_ns, struct scan_result *out,
			      struct rx_counters *cnt);
/* The second pass, after reply_classify() returned 0 in a scan with ctx->discovery: the
 * replies of host discovery's pings that the first pass's dispatch by protocol leaves to
 * it (a TCP reply to a ping of the other kind than the scan's -- a RST to -PA80 in a SYN
 * scan, a SYN-ACK to -PS443 in an ACK scan --, an ICMP timestamp reply, an ICMP error
 * quoting a timestamp request). 1: *out is the host's HOST_UP result and cnt moved the
 * frame from its first drop cause to results; 0: not one (an error about a timestamp
 * request moves to its validated cause). Only dropped frames of such scans come here,
 * peeled again, so the first pass, every scan's, stays as it was. */
int reply_classify_discovery(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
			     enum csum_rx l4_csum, uint64_t rx_ns, struct scan_result *out,
			     struct rx_counters *cnt);
/* Inline, so the status costs the caller a test and every entry keeps six register
 * arguments; the two are one classifier, specialised on whether to sum the L4 header. */
static inline int reply_classify(const struct classify_ctx *ctx, const uint8_t *frame,
				 size_t len, enum csum_rx l4_csum, uint64_t rx_ns,
				 struct scan_result *out, struct rx_counters *cnt)
{
	if (l4_csum != CSUM_RX_UNKNOWN) {
		if (l4_csum >= CSUM_RX_VALID)
			return reply_classify_l4_trusted(ctx, frame, len, rx_ns, out, cnt);
		cnt->notes[RX_NOTE_L4_CSUM_NIC_BAD]++;
	}
	return reply_classify_l4_verify(ctx, frame, len, rx_ns, out, cnt);
}

/* A burst of received frames for reply_classify_burst(). */
struct reply_frame {
	const uint8_t *data;
	uint16_t len;
	enum csum_rx l4_csum;
	uint64_t rx_ns;
};

/* The same outcomes and counters as n calls of reply_classify(), cheaper: first the cookies
 * the burst's replies will need are computed together, in one SIMD batch, from the
 * addresses and ports where a reply of ours carries them (a hint no frame check has passed
 * yet: classification uses a hint only when the tuple it validates is exactly the hint's,
 * and computes the cookie itself otherwise). ok[i] = 1 when out[i] holds a result. Returns
 * how many did. n <= REPLY_BURST_MAX. */
#define REPLY_BURST_MAX 64
unsigned reply_classify_burst(const struct classify_ctx *ctx, const struct reply_frame *frames,
			      unsigned n, struct scan_result *out, uint8_t *ok,
			      struct rx_counters *cnt);

/* Where a frame's IPv4 datagram starts, by the link peel every classification uses
 * (Ethernet with up to two tags, or raw IP as ctx->link says): 0 and *ip_off, or -1 when
 * the frame is no IPv4. For receivers of probes outside the kinds' table (-O's,
 * core/scan/os_scan.c). */
int reply_find_ipv4(const struct classify_ctx *ctx, const uint8_t *frame, size_t len,
		    size_t *ip_off);
const char *rx_drop_name(enum rx_drop d); /* "bad-cookie", "fragment", ... */
const char *rx_note_name(enum rx_note n); /* "l4-checksum-offloaded", ... */

#endif
