/* nic: checks the configuration, picks the backend's ops and dispatches every call
 * through them. Bursts larger than NIC_BURST_MAX are split here so backends can keep
 * fixed-size per-queue arrays. */
#include "nic/nic_internal.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const struct nic_ops *const nic_backends[] = {
	&nic_dpdk_ops,
	&nic_afpacket_ops,
	&nic_pcap_ops,
};

uint64_t nic_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int nic_ifmac(const char *ifname, uint8_t mac[6], struct errbuf *e)
{
	struct ifreq ifr;
	if (strlen(ifname) >= sizeof ifr.ifr_name)
		return err_set(e, "interface name '%s' is too long", ifname);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, "socket for interface '%s': %s", ifname, strerror(errno));
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
	int err = errno;
	close(fd);
	if (rc < 0)
		return err_set(e, "no MAC for interface '%s': %s", ifname, strerror(err));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int nic_open(struct nic **out, const struct nic_config *cfg, struct errbuf *e)
{
	*out = NULL;
	if (!cfg->backend)
		return err_set(e, "no nic backend given (dpdk, afpacket, pcap)");
	const struct nic_ops *ops = NULL;
	for (size_t i = 0; i < sizeof nic_backends / sizeof nic_backends[0]; i++)
		if (strcmp(nic_backends[i]->name, cfg->backend) == 0)
			ops = nic_backends[i];
	if (!ops)
		return err_set(e, "unknown nic backend '%s' (dpdk, afpacket, pcap)", cfg->backend);
	if (cfg->tx_queues < 1 || cfg->tx_queues > NIC_MAX_QUEUES)
		return err_set(e, "tx queues %u out of range 1..%d", cfg->tx_queues,
			       NIC_MAX_QUEUES);
	if (cfg->rx_queues < 1 || cfg->rx_queues > NIC_MAX_QUEUES)
		return err_set(e, "rx queues %u out of range 1..%d", cfg->rx_queues,
			       NIC_MAX_QUEUES);
	struct nic *nic = calloc(1, sizeof *nic);
	if (!nic)
		return err_set(e, "out of memory opening nic '%s'", cfg->backend);
	nic->ops = ops;
	if (ops->open(nic, cfg, e) < 0) {
		free(nic);
		return -1;
	}
	*out = nic;
	return 0;
}

void nic_close(struct nic *nic)
{
	if (!nic)
		return;
	nic->ops->close(nic);
	free(nic);
}

const char *nic_backend_name(const struct nic *nic)
{
	return nic->ops->name;
}

const char *nic_dpdk_version(const struct nic *nic)
{
	return nic->ops == &nic_dpdk_ops ? nic_dpdk_runtime_version() : NULL;
}

unsigned nic_tx_queue_count(const struct nic *nic)
{
	return nic->tx_queues;
}

unsigned nic_rx_queue_count(const struct nic *nic)
{
	return nic->rx_queues;
}

int nic_mac(const struct nic *nic, uint8_t mac[6])
{
	if (!nic->have_mac)
		return -1;
	memcpy(mac, nic->mac, 6);
	return 0;
}

unsigned nic_tx_alloc(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	/* One backend call of at most NIC_BURST_MAX: a short answer means the ring or pool
	 * is (for now) out of buffers, so there is no point asking again at once. */
	return nic->ops->tx_alloc(nic, q, bufs, n < NIC_BURST_MAX ? n : NIC_BURST_MAX);
}

unsigned nic_tx_submit(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	unsigned sent = 0;
	for (unsigned done = 0; done < n;) {
		unsigned chunk = n - done < NIC_BURST_MAX ? n - done : NIC_BURST_MAX;
		sent += nic->ops->tx_submit(nic, q, bufs + done, chunk);
		done += chunk;
	}
	return sent;
}

unsigned nic_rx_burst(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	return nic->ops->rx_burst(nic, q, bufs, n < NIC_BURST_MAX ? n : NIC_BURST_MAX);
}

void nic_rx_release(struct nic *nic, unsigned q, struct nic_buf *bufs, unsigned n)
{
	nic->ops->rx_release(nic, q, bufs, n);
}

bool nic_rx_exhausted(const struct nic *nic)
{
	return nic->ops->rx_exhausted ? nic->ops->rx_exhausted(nic) : false;
}

void nic_get_stats(struct nic *nic, struct nic_stats *st)
{
	memset(st, 0, sizeof *st);
	nic->ops->get_stats(nic, st);
}

void nic_print_stats(struct nic *nic, FILE *out)
{
	if (nic->ops->print_stats)
		nic->ops->print_stats(nic, out);
}
