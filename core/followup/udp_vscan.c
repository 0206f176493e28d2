/* -sU -sV over kernel UDP sockets (udp_vscan.h). poll() over one window's sockets: a
 * window holds at most parallel x UDP_VSCAN_PROBES_MAX sockets, and runs once. */
#include "core/followup/udp_vscan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/followup/module.h"
#include "core/followup/probes.h"

#define REPLY_MAX 4096

struct probe_sock {
	int fd;
	int probe;
	size_t port_ix; /* index into the window */
	uint16_t len;   /* reply bytes (0: none) */
	uint8_t reply[REPLY_MAX];
};

static int open_probe_socket(const struct udp_vscan_params *p, const struct scan_result *r,
			     int probe)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (p->source_ip) {
		struct sockaddr_in src = {.sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(p->source_ip)};
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			close(fd);
			return -1;
		}
	}
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(r->port),
				  .sin_addr.s_addr = htonl(r->addr)};
	size_t len;
	const uint8_t *payload = probe_db_payload(p->db, probe, &len);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
	    send(fd, payload, len, MSG_NOSIGNAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends the window's probes; returns how many sockets are open in socks[]. */
static size_t send_window(const struct udp_vscan_params *p, const struct scan_result *ports,
			  size_t n, struct probe_sock *socks)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int plan[UDP_VSCAN_PROBES_MAX];
		unsigned np = probe_db_plan(p->db, ports[i].port, true, false, p->intensity, plan,
					    UDP_VSCAN_PROBES_MAX);
		for (unsigned j = 0; j < np; j++) {
			int fd = open_probe_socket(p, &ports[i], plan[j]);
			if (fd < 0)
				continue;
			socks[k].fd = fd;
			socks[k].probe = plan[j];
			socks[k].port_ix = i;
			socks[k].len = 0;
			k++;
		}
	}
	return k;
}

/* Waits wait_ms for the first datagram of each socket. */
static void collect(const struct udp_vscan_params *p, struct probe_sock *socks, size_t k,
		    struct pollfd *pf)
{
	uint64_t end = clock_mono_ns() + (uint64_t)p->wait_ms * 1000000u;
	size_t pending = k;
	for (size_t i = 0; i < k; i++)
		pf[i] = (struct pollfd){.fd = socks[i].fd, .events = POLLIN};
	while (pending) {
		uint64_t now = clock_mono_ns();
		if (now >= end)
			break;
		int rc = poll(pf, k, (int)((end - now) / 1000000u) + 1);
		if (rc < 0 && errno != EINTR)
			break;
		for (size_t i = 0; rc > 0 && i < k; i++) {
			if (!(pf[i].revents & (POLLIN | POLLERR)))
				continue;
			ssize_t r = recv(socks[i].fd, socks[i].reply, REPLY_MAX, 0);
			if (r > 0)
				socks[i].len = (uint16_t)r;
			pf[i].fd = -1; /* one datagram per probe (an ICMP error: none) */
			pending--;
		}
	}
	for (size_t i = 0; i < k; i++)
		close(socks[i].fd);
}

/* The window's port ix: the best answer among its probes' replies, in plan order. */
static bool judge_port(const struct udp_vscan_params *p, struct probe_scratch *sc,
		       const struct probe_sock *socks, size_t k, size_t ix, struct grab_result *r)
{
	int best = -1, soft = -1, any = -1;
	char softsvc[32] = "";
	for (size_t i = 0; i < k && best < 0; i++) {
		if (socks[i].port_ix != ix || !socks[i].len)
			continue;
		if (any < 0)
			any = (int)i;
		char s[32] = "";
		int rc = probe_db_match_probe(p->db, sc, socks[i].probe, socks[i].reply, socks[i].len,
					      NULL, s, sizeof(s));
		if (rc == 2)
			best = (int)i;
		else if (s[0] && soft < 0) {
			soft = (int)i;
			memcpy(softsvc, s, sizeof(s));
		}
	}
	int use = best >= 0 ? best : soft >= 0 ? soft : any;
	if (use < 0)
		return false;
	const struct probe_sock *ps = &socks[use];
	char s[32] = "";
	probe_db_match_probe(p->db, sc, ps->probe, ps->reply, ps->len, r, s, sizeof(s));
	size_t bn = ps->len < GRAB_BANNER_MAX ? ps->len : GRAB_BANNER_MAX;
	memcpy(r->banner, ps->reply, bn);
	r->banner_len = (uint16_t)bn;
	r->banner_truncated = ps->len > GRAB_BANNER_MAX;
	r->rx_bytes = ps->len;
	if (!r->probe[0])
		GRAB_SETS(r->probe, probe_db_probe_name(p->db, ps->probe));
	return true;
}

static void trace_port(const struct udp_vscan_params *p, const struct grab_result *r, bool ok)
{
	if (!p->trace)
		return;
	uint32_t a = r->scan.addr;
	fprintf(stderr, "vscan %u.%u.%u.%u:%u/udp: %s %s\n", a >> 24, (a >> 16) & 255,
		(a >> 8) & 255, a & 255, r->scan.port, ok ? "reply" : "no reply",
		ok ? r->service : "");
}

static long run_window(const struct udp_vscan_params *p, struct probe_scratch *sc,
		       const struct scan_result *ports, size_t n, struct probe_sock *socks,
		       struct pollfd *pf, struct grab_result *r)
{
	uint64_t t0 = clock_mono_ns();
	size_t k = send_window(p, ports, n, socks);
	collect(p, socks, k, pf);
	long answered = 0;
	for (size_t i = 0; i < n; i++) {
		grab_result_not_grabbed(r, &ports[i]);
		GRAB_SETS(r->module, "udp");
		bool ok = judge_port(p, sc, socks, k, i, r);
		r->status = ok ? GRAB_STATUS_SUCCESS : GRAB_STATUS_IO_TIMEOUT;
		if (ok) {
			r->scan.state = PORT_OPEN;
			r->scan.reason = REASON_UDP_RESPONSE;
			answered++;
		}
		r->duration_us = (clock_mono_ns() - t0) / 1000;
		trace_port(p, r, ok);
		p->on_result(r, p->user);
	}
	return answered;
}

long udp_vscan_run(const struct udp_vscan_params *params, const struct scan_result *ports,
		   size_t n)
{
	struct udp_vscan_params p = *params;
	if (!p.wait_ms)
		p.wait_ms = 2000;
	if (!p.parallel)
		p.parallel = 64;
	size_t cap = (size_t)p.parallel * UDP_VSCAN_PROBES_MAX;
	struct probe_sock *socks = calloc(cap, sizeof(*socks));
	struct pollfd *pf = calloc(cap, sizeof(*pf));
	struct grab_result *r = malloc(sizeof(*r));
	struct probe_scratch *sc = probe_scratch_new();
	long answered = -1;
	if (socks && pf && r && sc) {
		answered = 0;
		for (size_t off = 0; off < n; off += p.parallel) {
			size_t w = n - off < p.parallel ? n - off : p.parallel;
			answered += run_window(&p, sc, ports + off, w, socks, pf, r);
		}
	}
	probe_scratch_free(sc);
	free(r);
	free(pf);
	free(socks);
	return answered;
}
