/* Host discovery, as nmap does before a port scan: which ping probes a scan sends and
 * how their replies say "host up".
 * Contract: discovery_parse() reads --discovery (none | default | PROBES, e.g.
 * "PE,PS443,PA80,PP") and nmap's -PE/-PS[ports]/-PA[ports]/-PU[ports]/-PP/-PR letters
 * (given as --ping-probe values) into a choice, refusing bad values with one line (exit
 * 2). discovery_resolve() settles the automatic default once the address count is known:
 *   -Pn: none (every target is taken as up); -sn: default;
 *   otherwise default when the scan has at most DISCOVERY_AUTO_MAX_ADDRS addresses AND
 *   writes an nmap-style report (text, -oN, -oX, -oG) AND has no --checkpoint/--resume
 *   (a resumed walk must be the one checkpointed, whatever the outputs), else none: a
 *   large sweep, or one whose output is ndjson/csv (one record per reply, zmap's way),
 *   sends no probe zmap would not send, and a host is up when one of its ports answers.
 * discovery_add_to_space() adds the probes as (proto, port) entries of every address's
 * list (core/base/result.h's RESULT_PROTO_PING_* and {ICMP, 0} for the echo), so they go
 * out in the walk's one permutation, validated by cookie like any probe. A ping that a
 * port probe already is (-PS443 in a SYN scan of 443, -PA80 in an ACK scan of 80, -PU53
 * in a UDP scan of 53) is not sent twice: that port's own result is also the host's
 * answer. ARP: on-link targets are always swept first (arp_sweep.h), whatever the set. */
#ifndef ORBIT_SCAN_DISCOVERY_H
#define ORBIT_SCAN_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"
#include "core/base/result.h"
#include "targets/targets.h"

enum { DISCOVERY_MAX_PORTS = 16, DISCOVERY_AUTO_MAX_ADDRS = 4096, DISCOVERY_TEXT_MAX = 200 };

struct discovery_set {
	bool echo, timestamp, arp;
	uint16_t syn[DISCOVERY_MAX_PORTS], ack[DISCOVERY_MAX_PORTS], udp[DISCOVERY_MAX_PORTS];
	unsigned nsyn, nack, nudp;
};

enum discovery_mode {
	DISCOVERY_AUTO,    /* nothing asked: discovery_resolve() decides */
	DISCOVERY_DEFAULT, /* nmap's: PE, PS443, PA80, PP (+ ARP on-link) */
	DISCOVERY_NONE,
	DISCOVERY_CHOSEN,  /* --discovery PROBES or -P* letters */
};

struct discovery_choice {
	enum discovery_mode mode;
	struct discovery_set set; /* after discovery_resolve(): what is sent */
	const char *why;          /* after discovery_resolve(): how the mode was chosen */
};

struct orbit_config;
/* spec: --discovery (NULL: not given); letters: the --ping-probe values ("PS80,443"). */
int discovery_parse(const char *spec, const char *const *letters, size_t nletters,
		    bool no_ping, bool ping_sweep, struct discovery_choice *out, struct errbuf *e);
/* interactive: the scan writes an nmap-style report and is not checkpointed/resumed. */
void discovery_resolve(struct discovery_choice *c, uint64_t naddrs, bool ping_sweep,
		       bool interactive);
bool discovery_active(const struct discovery_set *d);
/* "PE,PS443,PA80,PP" (PR when asked), or "none". */
void discovery_text(const struct discovery_set *d, char out[DISCOVERY_TEXT_MAX]);
/* ping_sweep: the set replaces the space's {ICMP, 0} list. tcp_ack: the port scan's TCP
 * probes are ACKs (decides which pings a port probe already is). */
int discovery_add_to_space(const struct discovery_set *d, struct target_space *ts,
			   bool ping_sweep, bool tcp_ack, struct errbuf *e);

/* Whether the scan writes an nmap-style report (text, xml, grepable; output.c's default
 * is text on a terminal). */
bool discovery_report_output(const struct orbit_config *cfg, bool stdout_is_tty);
/* main.c, once the space is built: resolve, then add the pings to the space. */
int discovery_prepare(struct discovery_choice *c, const struct orbit_config *cfg,
		      bool tcp_ack, bool stdout_is_tty, struct target_space *ts, struct errbuf *e);

/* For the receive path: which ports of the space only a ping probes. A TCP or UDP result
 * on such a port is the host's answer to that ping, not a port's state. */
struct discovery_ports {
	bool any;            /* some ping port is not a scanned port */
	uint8_t tcp_probe_ack; /* the space's TCP port probes are ACKs */
	uint64_t tcp[1024], udp[1024]; /* bit per port */
};
void discovery_ports_init(struct discovery_ports *dp, const struct target_space *ts,
			  bool tcp_ack);
/* A classified result: false to drop it (a router's error about a ping says nothing of
 * the host), true to keep it, turned into the ping's HOST_UP result when it is one. */
static inline bool discovery_settle(const struct discovery_ports *dp, struct scan_result *r)
{
	if (!dp->any || (r->proto != 6 && r->proto != 17))
		return true;
	const uint64_t *bits = r->proto == 6 ? dp->tcp : dp->udp;
	if (!(bits[r->port >> 6] >> (r->port & 63) & 1))
		return true;
	if (r->responder && r->responder != r->addr)
		return false;
	r->proto = r->proto == 17 ? RESULT_PROTO_PING_UDP
		   : dp->tcp_probe_ack ? RESULT_PROTO_PING_ACK : RESULT_PROTO_PING_SYN;
	r->state = HOST_UP;
	return true;
}

#endif
