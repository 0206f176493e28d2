/* The result record: one per validated, classified, deduplicated reply (and, when asked,
 * one per unresponsive target). Plain typed struct; formats live beside it in output/.
 * Field names follow Nmap's vocabulary (state, reason) so outputs map one to one. */
#ifndef ORBIT_OUTPUT_RESULT_H
#define ORBIT_OUTPUT_RESULT_H

#include <stdint.h>

struct grab_result;
struct os_record;

enum port_state {
	PORT_OPEN = 1,
	PORT_CLOSED,
	PORT_FILTERED,
	PORT_UNFILTERED,
	PORT_OPEN_FILTERED,
	PORT_CLOSED_FILTERED,
	HOST_UP,   /* ICMP echo sweep: the host answered */
	HOST_DOWN, /* ICMP echo sweep, --report-all: no answer (never from a reply) */
};
#define PORT_STATE_MAX HOST_DOWN

/* Why the state was concluded, named as Nmap's --reason names it. */
enum result_reason {
	REASON_NONE = 0,
	REASON_SYN_ACK,
	REASON_RESET,
	REASON_UDP_RESPONSE,
	REASON_ECHO_REPLY,
	REASON_NET_UNREACH,      /* ICMP 3/0 */
	REASON_HOST_UNREACH,     /* ICMP 3/1 */
	REASON_PROTO_UNREACH,    /* ICMP 3/2 */
	REASON_PORT_UNREACH,     /* ICMP 3/3 */
	REASON_NET_PROHIBITED,   /* ICMP 3/9 */
	REASON_HOST_PROHIBITED,  /* ICMP 3/10 */
	REASON_ADMIN_PROHIBITED, /* ICMP 3/13 */
	REASON_ARP_RESPONSE,     /* an on-link host answered our ARP who-has (nmap -PR) */
	REASON_TIMESTAMP_REPLY,  /* ICMP timestamp reply (nmap -PP) */
	REASON_NO_RESPONSE,      /* last: formats size their per-reason tables by it */
};

/* TCP options seen in a SYN-ACK / RST, as flags plus their values. */
enum tcp_opt_flags {
	TCPOPT_HAS_MSS = 1u << 0,
	TCPOPT_HAS_WSCALE = 1u << 1,
	TCPOPT_HAS_SACK_OK = 1u << 2,
	TCPOPT_HAS_TIMESTAMP = 1u << 3,
};

/* What passive OS fingerprinting (core/osfp/) needs of a TCP reply beyond the values
 * above, kept raw so the receive path only stores: the option layout, one 4-bit code per
 * option in order, first option in the lowest nibble (0 ends the list); an EOL's code is
 * followed by two nibbles counting the bytes after it. */
enum tcp_layout_code {
	TCP_LAYOUT_END = 0,
	TCP_LAYOUT_NOP,
	TCP_LAYOUT_MSS,
	TCP_LAYOUT_WS,
	TCP_LAYOUT_SOK,
	TCP_LAYOUT_SACK,
	TCP_LAYOUT_TS,
	TCP_LAYOUT_EOL,
	TCP_LAYOUT_OTHER, /* an option kind p0f would print as ?N */
};
#define TCP_LAYOUT_SLOTS 16

/* Header oddities seen by the receive path (p0f's quirks: core/osfp/osfp.h). */
enum tcp_quirk_bits {
	TCPQ_SEQ_ZERO = 1u << 0,    /* seq- */
	TCPQ_URP_NONZERO = 1u << 1, /* urgent pointer set, URG flag clear: uptr+ */
	TCPQ_OPT_BAD = 1u << 2,     /* malformed option list: bad */
	TCPQ_OPT_AFTER_EOL = 1u << 3, /* non-zero bytes after EOL: opt+ */
};

/* ip_bits: the IPv4 header's ECN field (low 2 bits) and flags. */
#define RESULT_IP_ECN_MASK 0x03u
#define RESULT_IP_DF 0x04u
#define RESULT_IP_RESERVED 0x08u /* the "must be zero" flag: p0f's 0+ */

/* The proto of a result that is no IP probe's: an ARP reply (an on-link host is up). */
#define RESULT_PROTO_ARP 0
/* Host discovery (nmap's -PS/-PA/-PU/-PP) whose port is not also scanned: the reply says
 * the host is up (state HOST_UP), never what a port is. Not IP protocol numbers (those are
 * 0xFD..0xFF at most experimental): the walk's entries for these probes (targets/ports.h)
 * carry the same values, so a probe and its result share one (proto, port) key. The ICMP
 * echo probe keeps {1, 0}. */
#define RESULT_PROTO_PING_SYN 0xF0
#define RESULT_PROTO_PING_ACK 0xF1
#define RESULT_PROTO_PING_UDP 0xF2
#define RESULT_PROTO_PING_TIMESTAMP 0xF3
/* -O's record of a host (scan_result.os set, state HOST_UP, port 0): no probe's result, so
 * no walk entry has this value; it sorts after the host's ports. */
#define RESULT_PROTO_OS 0xF8
static inline int result_proto_is_ping(uint8_t proto)
{
	return proto >= RESULT_PROTO_PING_SYN && proto <= RESULT_PROTO_PING_TIMESTAMP;
}

struct scan_result {
	uint32_t addr;      /* target address, host byte order */
	uint32_t responder; /* who sent the reply: the target, or a router for ICMP errors */
	uint16_t port;      /* target port; 0 for ICMP echo */
	uint8_t proto;      /* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMP of the probe */
	uint8_t state;      /* enum port_state */
	uint8_t reason;     /* enum result_reason */
	uint8_t ttl;        /* of the reply's IP header */
	uint8_t icmp_type, icmp_code; /* when the reply was ICMP */
	uint16_t ip_id;
	uint16_t reply_len; /* IP total length of the reply */
	uint16_t tcp_window;
	uint16_t tcp_mss;
	uint8_t tcp_wscale;
	uint8_t tcp_opts;   /* enum tcp_opt_flags */
	uint8_t tcp_flags;  /* of a TCP reply's header */
	uint8_t tcp_quirks; /* enum tcp_quirk_bits */
	uint32_t tcp_tsval;
	uint64_t tcp_layout; /* enum tcp_layout_code per nibble */
	uint8_t ip_bits;     /* RESULT_IP_*: ECN, DF, reserved flag */
	/* The host's own MAC when it is on the scan interface's segment (learnt by the ARP
	 * sweep), else has_mac 0: a routed host's frames carry the router's MAC. */
	uint8_t mac[6];
	uint8_t has_mac;
	uint64_t timestamp_ns; /* receive time, CLOCK_REALTIME */
	int64_t rtt_ns;        /* -1 when the probe kind cannot measure it statelessly */
	/* -sV: what the follow-up stage learned about this open port, or NULL. Heap memory
	 * owned by whoever holds the record: once passed to output_set_write(), the output
	 * set frees it (sized by hits: one per open port). */
	const struct grab_result *grab;
	/* -sC/--script: the port's script results (core/base/script_result.h), or NULL; owned
	 * as grab is. */
	const char *scripts;
	/* -O: the host's OS detection (output/os_report.h), on its RESULT_PROTO_OS record
	 * only, or NULL; owned as grab is. */
	const struct os_record *os;
};

const char *port_state_name(enum port_state s); /* "open", "open|filtered", ... */
const char *result_reason_name(enum result_reason r); /* "syn-ack", "port-unreach", ... */
const char *result_proto_name(uint8_t proto); /* "tcp", "udp", "icmp", "arp" (0), else "ip" */
/* "00:14:22:12:05:0A": upper-case hex, as Nmap prints MAC addresses. */
void result_mac_text(const uint8_t mac[6], char out[18]);

#endif
