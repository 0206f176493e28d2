/* discover: the interface, source address, interface MAC and next hop's MAC for reaching
 * a destination, read from the kernel over rtnetlink: RTM_GETROUTE (oif, gateway,
 * preferred source), RTM_GETLINK (MAC), RTM_GETNEIGH (the next hop's MAC). A missing or
 * unresolved neighbour is resolved by the kernel itself: one empty UDP datagram to the
 * next hop's discard port makes it ARP, then the table is read again for up to
 * RESOLVE_WAIT_MS. Every netlink read has a receive timeout, so nothing here blocks for
 * long. Fields the caller already has (ifname non-empty, have_*) are kept. */
#include "nic/nic_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"

#define RESOLVE_WAIT_MS 1500
#define RESOLVE_POLL_MS 20
#define NL_BUF 16384

struct route_info {
	int oif;
	uint32_t gateway, prefsrc; /* network order */
	bool has_gateway, has_prefsrc;
	unsigned char type;
};

static void add_attr(struct nlmsghdr *nh, unsigned short type, const void *data,
		     unsigned short len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct timeval tv = {.tv_sec = 1};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Sends one request and feeds every answer message to each(); returns 0, or -1 with
 * errno (from NLMSG_ERROR or the socket). each() returns 1 to stop early. */
static int nl_talk(int fd, struct nlmsghdr *req, int (*each)(struct nlmsghdr *, void *),
		   void *ctx)
{
	static const struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	req->nlmsg_seq = (uint32_t)time(NULL);
	if (sendto(fd, req, req->nlmsg_len, 0, (const struct sockaddr *)&kernel,
		   sizeof kernel) < 0)
		return -1;
	char buf[NL_BUF] __attribute__((aligned(4)));
	for (int reads = 0; reads < 1024; reads++) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0)
			return -1;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(nh);
				if (err->error == 0)
					return 0;
				errno = -err->error;
				return -1;
			}
			if (each(nh, ctx))
				return 0;
		}
		if (!(req->nlmsg_flags & NLM_F_DUMP))
			return 0; /* a single answer */
	}
	errno = EMSGSIZE;
	return -1;
}

static int on_route(struct nlmsghdr *nh, void *ctx)
{
	struct route_info *r = ctx;
	if (nh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	struct rtmsg *rt = NLMSG_DATA(nh);
	r->type = rt->rtm_type;
	int len = (int)RTM_PAYLOAD(nh);
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF)
			memcpy(&r->oif, RTA_DATA(a), sizeof r->oif);
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == 4) {
			memcpy(&r->gateway, RTA_DATA(a), 4);
			r->has_gateway = true;
		} else if (a->rta_type == RTA_PREFSRC && RTA_PAYLOAD(a) == 4) {
			memcpy(&r->prefsrc, RTA_DATA(a), 4);
			r->has_prefsrc = true;
		}
	}
	return 1;
}

static int get_route(int fd, uint32_t dst_be, int oif, struct route_info *r)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attrs[64];
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.rt);
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = 32;
	add_attr(&req.nh, RTA_DST, &dst_be, 4);
	if (oif > 0)
		add_attr(&req.nh, RTA_OIF, &oif, sizeof oif);
	memset(r, 0, sizeof *r);
	if (nl_talk(fd, &req.nh, on_route, r) < 0)
		return -1;
	return r->oif > 0 ? 0 : -1;
}

struct link_info {
	uint8_t mac[6];
	bool has_mac;
	char name[IF_NAMESIZE];
};

static int on_link(struct nlmsghdr *nh, void *ctx)
{
	struct link_info *l = ctx;
	if (nh->nlmsg_type != RTM_NEWLINK)
		return 0;
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *ifi));
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(a) == 6) {
			memcpy(l->mac, RTA_DATA(a), 6);
			l->has_mac = true;
		} else if (a->rta_type == IFLA_IFNAME) {
			size_t n = RTA_PAYLOAD(a) < sizeof l->name ? RTA_PAYLOAD(a)
								   : sizeof l->name - 1;
			memcpy(l->name, RTA_DATA(a), n);
			l->name[n < sizeof l->name ? n : sizeof l->name - 1] = 0;
		}
	}
	return 1;
}

static int get_link(int fd, int ifindex, struct link_info *l)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifi);
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	memset(l, 0, sizeof *l);
	return nl_talk(fd, &req.nh, on_link, l);
}

struct neigh_query {
	int ifindex;
	uint32_t addr; /* network order */
	uint8_t mac[6];
	bool found;
};

static int on_neigh(struct nlmsghdr *nh, void *ctx)
{
	struct neigh_query *q = ctx;
	if (nh->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	struct ndmsg *nd = NLMSG_DATA(nh);
	/* Usable entries only: INCOMPLETE and FAILED have no (valid) address. */
	const unsigned usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
				NUD_PERMANENT | NUD_NOARP;
	if (nd->ndm_ifindex != q->ifindex || !(nd->ndm_state & usable))
		return 0;
	int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof *nd));
	bool match = false, has_mac = false;
	uint8_t mac[6];
	for (struct rtattr *a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof *nd));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == 4)
			match = memcmp(RTA_DATA(a), &q->addr, 4) == 0;
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
			memcpy(mac, RTA_DATA(a), 6);
			has_mac = true;
		}
	}
	if (match && has_mac) {
		memcpy(q->mac, mac, 6);
		q->found = true;
	}
	return 0; /* read the whole dump so the socket is clean for the next request */
}

static bool find_neigh(int fd, struct neigh_query *q)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.nd);
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nd.ndm_family = AF_INET;
	q->found = false;
	return nl_talk(fd, &req.nh, on_neigh, q) == 0 && q->found;
}

/* One empty datagram to the next hop's discard port: the kernel resolves the neighbour
 * to send it. */
static void provoke_arp(uint32_t addr_be, const char *ifname)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
	sin.sin_addr.s_addr = addr_be;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0)
		(void)send(fd, "", 0, MSG_DONTWAIT);
	close(fd);
}

static const char *ip_str(uint32_t addr_be, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &addr_be, buf, INET_ADDRSTRLEN);
}

static int discover_with(int fd, uint32_t dst, struct nic_addrs *a, struct errbuf *e)
{
	char s1[INET_ADDRSTRLEN], s2[INET_ADDRSTRLEN];
	uint32_t dst_be = htonl(dst);
	int want_oif = 0;
	if (a->ifname[0]) {
		want_oif = (int)if_nametoindex(a->ifname);
		if (want_oif == 0)
			return err_set(e, "unknown interface '%s'", a->ifname);
	}
	struct route_info r;
	if (get_route(fd, dst_be, want_oif, &r) < 0) {
		if (want_oif)
			return err_set(e, "no route to %s via %s", ip_str(dst_be, s1), a->ifname);
		return err_set(e, "no route to %s", ip_str(dst_be, s1));
	}
	if (r.type == RTN_LOCAL)
		return err_set(e, "%s is an address of this host", ip_str(dst_be, s1));
	if (r.type != RTN_UNICAST)
		return err_set(e, "no route to %s (route type %u)", ip_str(dst_be, s1), r.type);
	struct link_info link;
	if (get_link(fd, r.oif, &link) < 0 || !link.name[0])
		return err_set(e, "no interface %d for the route to %s", r.oif,
			       ip_str(dst_be, s1));
	if (!a->ifname[0])
		snprintf(a->ifname, sizeof a->ifname, "%s", link.name);
	if (!a->have_src_addr) {
		if (!r.has_prefsrc)
			return err_set(e, "no source address on %s for %s", link.name,
				       ip_str(dst_be, s1));
		a->src_addr = ntohl(r.prefsrc);
		a->have_src_addr = true;
	}
	if (!a->have_src_mac) {
		if (!link.has_mac)
			return err_set(e, "no MAC address on %s", link.name);
		memcpy(a->src_mac, link.mac, 6);
		a->have_src_mac = true;
	}
	if (a->have_gw_mac)
		return 0;
	struct neigh_query nq = {.ifindex = r.oif, .addr = r.has_gateway ? r.gateway : dst_be};
	bool found = find_neigh(fd, &nq);
	if (!found) {
		provoke_arp(nq.addr, link.name);
		for (int waited = 0; !found && waited < RESOLVE_WAIT_MS;
		     waited += RESOLVE_POLL_MS) {
			clock_sleep_ns(RESOLVE_POLL_MS * 1000000ull);
			found = find_neigh(fd, &nq);
		}
	}
	if (!found)
		return err_set(e, "no MAC for next hop %s on %s", ip_str(nq.addr, s2), link.name);
	memcpy(a->gw_mac, nq.mac, 6);
	a->have_gw_mac = true;
	return 0;
}

int nic_discover(uint32_t dst, struct nic_addrs *a, struct errbuf *e)
{
	int fd = nl_open();
	if (fd < 0)
		return err_set(e, "netlink socket: %s", strerror(errno));
	int rc = discover_with(fd, dst, a, e);
	close(fd);
	return rc;
}
