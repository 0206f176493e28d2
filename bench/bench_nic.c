/* bench_nic: one-core send rate of each nic backend, 60-byte frames (64 on the wire) in
 * bursts of 32 for a few seconds, from namespace NS_A over the veth nt-a into NS_B, where
 * the frames (to a MAC nobody has) are dropped by the kernel. The rate is what arrived at
 * nt-b (its rx_packets), not what the backend claims. Run it through the namespace
 * wrapper, as root:
 *   tests/nic/with_netns.sh orbit-nictest-bench build/bench/bench_nic [seconds] [backend...]
 * backends: afpacket (sendmmsg) afpacket-ring pcap dpdk-af_packet dpdk-af_xdp dpdk-null */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nic/nic.h"

struct bench_case {
	const char *name;
	const char *backend;
	const char *afpacket_tx; /* ORBIT_AFPACKET_TX */
	const char *vdev;        /* dpdk: --vdev value (%s: the interface) */
};

static const struct bench_case cases[] = {
	{"afpacket", "afpacket", "sendmmsg", NULL},
	{"afpacket-ring", "afpacket", "ring", NULL},
	{"pcap", "pcap", NULL, NULL},
	{"dpdk-af_packet", "dpdk", NULL, "net_af_packet0,iface=%s"},
	{"dpdk-af_xdp", "dpdk", NULL, "net_af_xdp0,iface=%s,start_queue=0,queue_count=1"},
	{"dpdk-null", "dpdk", NULL, "net_null0,no-rx=1"},
};

struct result {
	int ok;
	double seconds;
	struct nic_stats st;
	char msg[300];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* nt-b's rx_packets, read inside NS_B (sysfs shows the namespace of its mount). */
static unsigned long long far_rx_packets(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "ip netns exec %s cat /sys/class/net/nt-b/statistics/rx_packets",
		 getenv("NS_B"));
	FILE *p = popen(cmd, "r");
	unsigned long long v = 0;
	if (p) {
		if (fscanf(p, "%llu", &v) != 1)
			v = 0;
		pclose(p);
	}
	return v;
}

static void sender(const struct bench_case *c, double seconds, struct result *r)
{
	char path[256], args[512];
	snprintf(path, sizeof path, "/var/run/netns/%s", getenv("NS_A"));
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		snprintf(r->msg, sizeof r->msg, "cannot enter %s", path);
		return;
	}
	close(nsfd);
	if (c->afpacket_tx)
		setenv("ORBIT_AFPACKET_TX", c->afpacket_tx, 1);
	char vdev[128] = "";
	if (c->vdev)
		snprintf(vdev, sizeof vdev, c->vdev, "nt-a");
	snprintf(args, sizeof args,
		 "--no-huge --no-pci -m 256 --no-telemetry -l 0 --log-level=lib.eal:error "
		 "--file-prefix=%s-%d --vdev=%s",
		 getenv("NS_PREFIX") ? getenv("NS_PREFIX") : "orbit-nictest", (int)getpid(), vdev);
	struct nic_config cfg = {.backend = c->backend, .ifname = "nt-a", .dpdk_args = args,
				 .tx_queues = 1, .rx_queues = 1};
	struct nic *nic;
	struct errbuf e = {""};
	if (nic_open(&nic, &cfg, &e) < 0) {
		snprintf(r->msg, sizeof r->msg, "%s", e.msg);
		return;
	}
	static const uint8_t tmpl[60] = {
		0x02, 0x00, 0xc6, 0x12, 0xfa, 0xee, 0x02, 0x00, 0xc6, 0x12, 0xfa, 0x01, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 198, 18,
		250, 1, 198, 18, 250, 2, 0x9c, 0x40, 0x00, 0x09, 0x00, 0x1a, 0x00, 0x00};
	double start = now_s(), end = start + seconds, t = start;
	uint32_t seq = 0;
	while (t < end) {
		/* Check the clock every 64 bursts only. */
		for (int i = 0; i < 64; i++) {
			struct nic_buf bufs[32];
			unsigned n = nic_tx_alloc(nic, 0, bufs, 32);
			for (unsigned k = 0; k < n; k++) {
				memcpy(bufs[k].data, tmpl, sizeof tmpl);
				bufs[k].data[18] = (uint8_t)(seq >> 8); /* IP id */
				bufs[k].data[19] = (uint8_t)seq++;
				bufs[k].len = sizeof tmpl;
			}
			nic_tx_submit(nic, 0, bufs, n);
		}
		t = now_s();
	}
	r->seconds = t - start;
	nic_get_stats(nic, &r->st);
	nic_close(nic);
	r->ok = 1;
}

int main(int argc, char **argv)
{
	if (!getenv("NS_A") || !getenv("NS_B")) {
		fprintf(stderr, "run me through tests/nic/with_netns.sh orbit-nictest-bench\n");
		return 2;
	}
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	if (seconds <= 0 || seconds > 30)
		seconds = 3.0;
	printf("%-18s %12s %12s %10s %12s\n", "backend", "sent", "at nt-b", "seconds", "pps");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct bench_case *c = &cases[i];
		bool wanted = argc <= 2;
		for (int a = 2; a < argc; a++)
			wanted |= strcmp(argv[a], c->name) == 0;
		if (!wanted)
			continue;
		unsigned long long before = far_rx_packets();
		int p[2];
		if (pipe(p) < 0)
			return 1;
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			struct result r = {0};
			sender(c, seconds, &r);
			(void)!write(p[1], &r, sizeof r);
			_exit(0);
		}
		close(p[1]);
		struct result r = {0};
		ssize_t got = read(p[0], &r, sizeof r);
		close(p[0]);
		waitpid(pid, NULL, 0);
		unsigned long long arrived = far_rx_packets() - before;
		if (got != (ssize_t)sizeof r || !r.ok) {
			printf("%-18s failed: %s\n", c->name, got > 0 ? r.msg : "no report");
			continue;
		}
		/* net_null sends nowhere: its rate is the backend's own count. */
		bool null_dev = c->vdev && strncmp(c->vdev, "net_null", 8) == 0;
		double pps = (double)(null_dev ? r.st.tx_packets : arrived) / r.seconds;
		printf("%-18s %12llu %12llu %10.2f %12.0f%s\n", c->name,
		       (unsigned long long)r.st.tx_packets, arrived, r.seconds, pps,
		       null_dev ? " (own count)" : "");
	}
	return 0;
}
