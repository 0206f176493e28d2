/* The responder's simulated internet: what every (address, protocol, port) does, as a pure
 * function of a seed. Contract: model_verdict() is deterministic — the same model (seed and
 * densities) gives the same verdict on every machine and in both the serving responder and
 * its --truth mode — and it allocates nothing, so it can run per frame. Densities are
 * fractions in [0, 1], turned into 32-bit thresholds once (no floating point per frame).
 *
 * Draws, each from SipHash-2-4 keyed by the seed:
 *  - per host (address): up (answers, with an OS profile and a hop count), behind a router
 *    that answers ICMP host-unreachable for it, or down (silent); up hosts may drop pings;
 *    some up hosts send every SYN-ACK twice (a retransmission); a per-host reply delay.
 *  - per target (address, protocol, port) of an up host: TCP open / closed / unreachable
 *    (an ICMP type 3 code drawn from 3, 9, 10, 13, sent by the host's firewall) / silent;
 *    UDP reply / port-unreachable / other unreachable / silent.
 *  - "answers everything" ranges (a middlebox that SYN-ACKs every port, replies to every
 *    UDP port and ping) override the draws.
 * Every address the model is asked about is simulated: the caller decides which addresses
 * it serves. */
#ifndef ORBIT_RESPONDER_MODEL_H
#define ORBIT_RESPONDER_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/siphash.h"

#define MODEL_MAX_ALL_OPEN 8

enum model_action {
	ACT_SILENT = 0,
	ACT_SYNACK,       /* TCP open */
	ACT_RST,          /* TCP closed */
	ACT_UDP_REPLY,    /* UDP open */
	ACT_ECHO_REPLY,   /* ICMP echo: host up */
	ACT_ICMP_UNREACH, /* from the host (port-unreach, prohibited) or its router (host) */
};

/* An OS's SYN-ACK: options in the order it sends them, its window and initial TTL. */
enum model_os {
	OS_LINUX = 0, /* TTL 64, window 65160, MSS SACK TS NOP WS7 */
	OS_WINDOWS,   /* TTL 128, window 65535, MSS NOP WS8 NOP NOP SACK */
	OS_BSD,       /* TTL 64, window 65535, MSS NOP WS6 SACK TS (macOS/FreeBSD) */
	OS_EMBEDDED,  /* TTL 255, window 5840, MSS only */
	OS_COUNT
};

struct model_density {
	double up;             /* hosts that are up (answer something) */
	double router_unreach; /* hosts a router reports unreachable (ICMP 3/1), of all hosts */
	double no_ping;        /* up hosts that drop ICMP echo */
	double dup_synack;     /* up hosts whose SYN-ACKs come twice */
	double tcp_open, tcp_closed, tcp_unreach; /* of an up host's TCP ports; rest silent */
	double udp_open, udp_closed, udp_unreach; /* of an up host's UDP ports; rest silent */
	unsigned delay_max_ms; /* per-host reply delay drawn in [0, delay_max_ms] */
};

struct model {
	struct siphash_key key;
	uint64_t seed;
	struct model_density d;
	/* Thresholds on 32 hash bits (x < t with the fraction's probability). */
	uint64_t t_up, t_router;      /* host draw: [0,t_up) up, [t_up,t_router) router */
	uint64_t t_no_ping, t_dup;
	uint64_t t_tcp[3], t_udp[3];  /* cumulative: open, closed, unreach */
	struct { uint32_t net, mask; } all_open[MODEL_MAX_ALL_OPEN];
	unsigned n_all_open;
};

struct model_verdict {
	enum model_action act;
	uint8_t icmp_code;   /* ACT_ICMP_UNREACH */
	bool from_router;    /* ICMP sent by the /24's router (x.y.z.1), quoting 8 bytes */
	bool dup;            /* send twice */
	enum model_os os;
	uint8_t ttl;         /* as it arrives: the OS's initial TTL minus the hops */
	uint32_t delay_ms;
	uint64_t h;          /* the target's hash, for ISNs, IP ids, timestamps */
};

/* The internet-like defaults: 10 % of hosts up, 2 % reported unreachable by a router;
 * 12 % of an up host's TCP ports open (1.2 % of all addresses, as on port 80). */
void model_default_density(struct model_density *d);
/* Checks the densities (each in [0,1], per-protocol sums <= 1) and derives thresholds. */
int model_init(struct model *m, uint64_t seed, const struct model_density *d, char *err,
	       unsigned errlen);
int model_add_all_open(struct model *m, uint32_t net, unsigned prefix);

/* proto: 6 (SYN probe), 17 (UDP), 1 (ICMP echo; port ignored). addr host byte order. */
void model_verdict(const struct model *m, uint32_t addr, uint8_t proto, uint16_t port,
		   struct model_verdict *v);

/* What orbit reports for a verdict (Nmap's names), or NULL when nothing is reported
 * (silence): state and reason strings as in orbit's output. */
const char *model_state_name(const struct model_verdict *v, uint8_t proto);
const char *model_reason_name(const struct model_verdict *v);

#endif
