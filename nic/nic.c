/* nic: the lowest tier of nic/ (see nic_internal.h). Checks the configuration, dispatches
 * every call through nic->ops and holds the helpers backends share; it names no backend
 * (backends.c picks the ops). Bursts larger than NIC_BURST_MAX are split here so backends
 * can keep fixed-size per-queue arrays. */
#include "nic/nic_internal.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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

int nic_open_ops(struct nic **out, const struct nic_ops *ops, const struct nic_config *cfg,
		 struct errbuf *e)
{
	*out = NULL;
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

const char *nic_runtime_version(const struct nic *nic)
{
	return nic->ops->version ? nic->ops->version() : NULL;
}

int nic_thread_register(struct nic *nic)
{
	return nic->ops->thread_register ? nic->ops->thread_register(nic) : 0;
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
