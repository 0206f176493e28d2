/* backends: the registry of nic backends, the top tier of nic/ (see nic_internal.h), in the
 * spirit of ZMap's probe module table. Adding a backend is one file with its nic_ops and
 * one line here; nic.c and the callers stay as they are. */
#include "nic/nic_internal.h"

#include <string.h>

static const struct nic_ops *const nic_backends[] = {
	&nic_dpdk_ops,
	&nic_afpacket_ops,
	&nic_pcap_ops,
};

int nic_open(struct nic **out, const struct nic_config *cfg, struct errbuf *e)
{
	*out = NULL;
	if (!cfg->backend)
		return err_set(e, "no nic backend given (dpdk, afpacket, pcap)");
	for (size_t i = 0; i < sizeof nic_backends / sizeof nic_backends[0]; i++)
		if (strcmp(nic_backends[i]->name, cfg->backend) == 0)
			return nic_open_ops(out, nic_backends[i], cfg, e);
	return err_set(e, "unknown nic backend '%s' (dpdk, afpacket, pcap)", cfg->backend);
}
