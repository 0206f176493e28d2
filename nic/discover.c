/* discover: the interface, source address, interface MAC and next hop's MAC for reaching
 * a destination, read from the kernel over rtnetlink: RTM_GETROUTE (oif, gateway,
 * preferred source), RTM_GETLINK (MAC), RTM_GETNEIGH (the next hop's MAC), RTM_GETADDR
 * (the connected subnet: on-link targets). A missing or unresolved neighbour is resolved
 * by orbit itself: ARP who-has on a packet socket of the interface, NIC_ARP_TRIES times
 * NIC_ARP_WAIT_MS, then an error naming the address. An on-link destination has no next
 * hop to resolve (the scan's ARP sweep finds each target's MAC). Every read is bounded
 * (netlink receive timeout, poll), so nothing here blocks for long. Fields the caller
 * already has (ifname non-empty, have_*) are kept. */
#include "nic/nic_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/probe/arp.h"
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

/* ARP over a packet socket on the interface: orbit asks itself rather than waiting for
 * the kernel (which may not ARP for a datagram, or may have given up on the entry). */
static int arp_socket(const char *ifname)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		return -1;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP)};
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads frames until next_hop's reply to us or the deadline: 1 found, 0 not. */
static int arp_await(int fd, const uint8_t src_mac[6], uint32_t src_addr, uint32_t next_hop,
		     uint8_t mac[6], uint64_t deadline)
{
	uint8_t frame[NIC_FRAME_MAX];
	for (uint64_t now = clock_mono_ns(); now < deadline; now = clock_mono_ns()) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int ms = (int)((deadline - now + 999999) / 1000000);
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		ssize_t n = recv(fd, frame, sizeof frame, MSG_DONTWAIT);
		if (n < PKT_ETH_HLEN || pkt_be16(frame + 12) != PKT_ETHERTYPE_ARP)
			continue;
		uint32_t sender;
		uint8_t sender_mac[6];
		if (arp_reply_check(frame + PKT_ETH_HLEN, (size_t)n - PKT_ETH_HLEN, src_mac, src_addr,
				    &sender, sender_mac) == RX_DROP_COUNT &&
		    sender == next_hop) {
			memcpy(mac, sender_mac, 6);
			return 1;
		}
	}
	return 0;
}

int nic_arp_resolve(const char *ifname, const uint8_t src_mac[6], uint32_t src_addr,
		    uint32_t next_hop, uint8_t mac[6], struct errbuf *e)
{
	char s1[INET_ADDRSTRLEN];
	uint32_t hop_be = htonl(next_hop);
	inet_ntop(AF_INET, &hop_be, s1, sizeof s1);
	int fd = arp_socket(ifname);
	if (fd < 0)
		return err_set(e, "cannot ARP for next hop %s on %s: %s", s1, ifname, strerror(errno));
	uint8_t req[ARP_FRAME_LEN];
	arp_request_write(req, src_mac, src_addr, next_hop);
	int found = 0;
	for (int try = 0; !found && try < NIC_ARP_TRIES; try++) {
		(void)send(fd, req, sizeof req, 0);
		found = arp_await(fd, src_mac, src_addr, next_hop, mac,
				  clock_mono_ns() + NIC_ARP_WAIT_MS * 1000000ull);
	}
	close(fd);
	if (!found)
		return err_set(e, "no ARP reply from next hop %s on %s (%d requests, %d ms apart)", s1,
			       ifname, NIC_ARP_TRIES, NIC_ARP_WAIT_MS);
	return 0;
}

/* The connected subnet of the interface that holds addr (RTM_GETADDR dump). */
struct addr_query {
	int ifindex;
	uint32_t addr; /* host order */
	uint32_t net, mask;
	bool found;
};

static int on_addr(struct nlmsghdr *nh, void *ctx)
{
	struct addr_query *q = ctx;
	if (nh->nlmsg_type != RTM_NEWADDR)
		return 0;
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	if ((int)ifa->ifa_index != q->ifindex || ifa->ifa_family != AF_INET || q->found ||
	    ifa->ifa_prefixlen == 0 || ifa->ifa_prefixlen > 30)
		return 0; /* /31 and /32 have no segment to sweep */
	int len = (int)IFA_PAYLOAD(nh);
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != IFA_LOCAL || RTA_PAYLOAD(a) != 4)
			continue;
		uint32_t local_be;
		memcpy(&local_be, RTA_DATA(a), 4);
		uint32_t mask = ~0u << (32 - ifa->ifa_prefixlen);
		if ((ntohl(local_be) & mask) == (q->addr & mask)) {
			q->net = q->addr & mask;
			q->mask = mask;
			q->found = true;
		}
	}
	return 0;
}

static bool find_onlink(int fd, int ifindex, uint32_t addr, struct addr_query *q)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req;
	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifa);
	req.nh.nlmsg_type = RTM_GETADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.ifa.ifa_family = AF_INET;
	*q = (struct addr_query){.ifindex = ifindex, .addr = addr};
	return nl_talk(fd, &req.nh, on_addr, q) == 0 && q->found;
}

static const char *ip_str(uint32_t addr_be, char buf[INET_ADDRSTRLEN])
{
	return inet_ntop(AF_INET, &addr_be, buf, INET_ADDRSTRLEN);
}

static int discover_with(int fd, uint32_t dst, struct nic_addrs *a, struct errbuf *e)
{
	char s1[INET_ADDRSTRLEN];
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
	struct addr_query aq;
	if (!a->have_onlink && find_onlink(fd, r.oif, a->src_addr, &aq)) {
		a->onlink_net = aq.net;
		a->onlink_mask = aq.mask;
		a->have_onlink = true;
	}
	/* An on-link target is reached at its own MAC (the scan's sweep): no next hop. */
	a->dst_onlink = !r.has_gateway && a->have_onlink && (dst & a->onlink_mask) == a->onlink_net;
	if (a->have_gw_mac || a->dst_onlink)
		return 0;
	struct neigh_query nq = {.ifindex = r.oif, .addr = r.has_gateway ? r.gateway : dst_be};
	if (find_neigh(fd, &nq)) {
		memcpy(a->gw_mac, nq.mac, 6);
	} else if (nic_arp_resolve(link.name, a->src_mac, a->src_addr, ntohl(nq.addr), a->gw_mac,
				   e) < 0) {
		return -1;
	}
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
