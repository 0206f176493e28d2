/* The scan's shared state, for the engine's own files (not a public header): the
 * lifecycle (engine.c) sets it up and owns it, the transmit loop (tx.c) and the receive
 * loop (rx.c) run on it in their threads, totals.c reads every counter from it in one
 * place, unanswered.c reports the complement of what was received. */
#ifndef ORBIT_SCAN_SCAN_INTERNAL_H
#define ORBIT_SCAN_SCAN_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/base/cookie.h"
#include "core/probe/probe.h"
#include "core/probe/reply.h"
#include "core/scan/packet_trace.h"
#include "core/scan/arp_sweep.h"
#include "core/scan/dedupe.h"
#include "core/scan/discovery.h"
#include "core/scan/monitor.h"
#include "core/scan/params.h"
#include "core/scan/reload.h"
#include "nic/nic.h"
#include "output/host_names.h"
#include "output/output.h"
#include "targets/plan.h"
#include "targets/targets.h"

enum { SCAN_BURST = 32 };

/* Indices into a transmit thread's templates: one per protocol the port list holds, then
 * host discovery's pings (discovery.h) that are not the port probes' kinds. */
enum {
	KIND_TCP, KIND_UDP, KIND_ICMP,
	KIND_PING_SYN, KIND_PING_ACK, KIND_PING_UDP, KIND_PING_TIMESTAMP,
	KIND_COUNT
};

struct scan;

struct tx_thread {
	struct scan *scan;
	unsigned queue;
	struct walk_arc *arc;
	struct probe_template tmpl[KIND_COUNT];
	bool has_kind[KIND_COUNT];
	pthread_t tid;
	_Atomic uint64_t sent;      /* probes handed to the NIC */
	_Atomic uint64_t progress;  /* arc position all sent probes are behind (checkpoints) */
	_Atomic unsigned round;     /* probe round being sent (retries walk the arc again) */
	_Atomic uint64_t resent;    /* UDP retries (--max-retries), not in sent */
	_Atomic uint64_t suppressed; /* walked but not sent: blocked by a reload (reload.h) */
	_Atomic unsigned retry_rounds; /* retry rounds that resent something */
	_Atomic uint64_t last_send_ns; /* clock_mono_ns() when the last pass or retry round ended */
	_Atomic bool main_done;     /* every -P round sent: only retries may follow */
	_Atomic bool done;
	uint64_t start_pos, start_budget; /* where this run began: the walked space's start */
};

/* What a receive thread publishes after each burst for the monitor: single writer,
 * relaxed stores, so the hot path never takes a lock for the status line. */
struct rx_published {
	_Atomic uint64_t frames, results, duplicates;
	_Atomic uint64_t drops[RX_DROP_COUNT];
	_Atomic uint64_t notes[RX_NOTE_COUNT];
	_Atomic uint64_t by_state[PORT_STATE_MAX + 1];
	_Atomic int64_t max_rtt_ns; /* the largest round trip measured so far; 0: none */
};

struct rx_thread {
	struct scan *scan;
	unsigned queue;
	struct dedupe dedupe;
	/* Taken around dedupe only while UDP retries may read it from a sender (scan.retry_udp). */
	pthread_mutex_t dedupe_lock;
	struct dedupe_deferred deferred; /* router ICMP errors, several queues only */
	struct rx_counters counters; /* owned by the thread; read through pub */
	uint64_t by_state[PORT_STATE_MAX + 1];
	int64_t max_rtt_ns;
	struct rx_published pub;
	pthread_t tid;
};

/* -sU -sV: UDP ports waiting for version probes (udp_version.c). */
struct udp_pending {
	pthread_mutex_t lock;
	struct scan_result *v;
	size_t n, cap;
	bool on;
};

/* -O: what the receive threads note of each host for the OS probes (os_scan.c). */
struct os_notes {
	pthread_mutex_t lock;
	void *judy; /* JudyL: address -> the ports seen, packed (os_scan.c) */
	bool on;
};

struct scan {
	const struct scan_params *params;
	const struct orbit_config *cfg; /* params->cfg */
	const struct target_space *ts;
	struct walk_plan *plan;
	struct nic_addrs addrs;        /* given, then discovered */
	struct arp_table arp;          /* on-link targets' MACs (arp_sweep.h) */
	struct nic *nic;               /* NULL once released (engine.c release_nic) */
	struct nic_stats nic_final;    /* its counters when it was released */
	const char *nic_name, *nic_version; /* its backend's, kept past the release */
	struct cookie_key key;
	struct classify_ctx classify;
	struct discovery_ports ping_ports; /* rx: ports only a ping probes (discovery.h) */
	struct output_set *out;
	struct grab_pool *grab;        /* -sV: the follow-up pool, or NULL */
	struct script_engine *scripts; /* -sC / --script: the script engine, or NULL */
	struct udp_pending udp_pending;
	struct os_notes os_notes;
	struct monitor monitor;
	uint64_t expected_probes; /* this run's probes, estimated, for % done and ETA */
	struct tx_thread tx[NIC_MAX_QUEUES];
	struct rx_thread rx[NIC_MAX_QUEUES];
	unsigned ntx, nrx;
	double pps_per_thread;
	atomic_bool stop_tx;
	atomic_bool stop_rx;
	bool replay; /* --rx-pcap: nothing is sent */
	bool retry_udp; /* --max-retries > 0 and UDP ports: senders retry, rx locks dedupe */
	bool interrupted; /* Ctrl-C or SIGTERM came: the status line and the outputs say so */
	int checkpoint_fd, metadata_fd; /* opened before privileges drop (latefile.h); -1: none */
	bool tracing;                 /* --packet-trace */
	struct packet_trace trace;
	struct host_names user_names;   /* the targets given by name (scan_names.c) */
	struct blocklist_reload reload; /* SIGHUP / --blocklist-reload: a send-time filter */
	char *db_checkpoint; /* --output-postgres: the last round's checkpoint text, or NULL */
	volatile sig_atomic_t *reload_requests; /* SIGHUPs counted by main.c, or NULL */
};

/* scan_names.c: the reports' names -- the targets' own, and reverse DNS at the end. */
void scan_names_setup(struct scan *s, struct output_scan_info *info);
void scan_names_free(struct scan *s);

/* tx.c: the templates of every transmit thread (and the pacing that depends on their
 * size), then the thread body. */
int tx_init_templates(struct scan *s, struct errbuf *e);
double tx_probes_per_second(const struct scan *s);
void *tx_main(void *arg);

/* rx.c: what the classifier needs to know of this scan, then the thread body. */
void rx_init_classify(struct scan *s);
void *rx_main(void *arg);
/* After the receive threads of rx[0, started) have stopped: reports the deferred results
 * whose key no queue saw (see core/scan/dedupe.h) and frees them. */
void rx_resolve_deferred(struct scan *s, unsigned started);
/* The follow-up pool's result callback (user: the scan). */
void rx_on_grab_result(const struct grab_result *g, void *user);

/* udp_version.c: -sU -sV. defer() keeps an open or open|filtered UDP port for the
 * version probes (true: kept, do not write it now); run() probes and writes them all. */
void udp_version_init(struct scan *s);
bool udp_version_defer(struct scan *s, const struct scan_result *r);
void udp_version_run(struct scan *s);
void udp_version_free(struct scan *s);

/* os_scan.c: -O. note() keeps a host's open and closed ports from a receive thread;
 * run(), once the receive threads have stopped, probes the hosts through the NIC and
 * writes one RESULT_PROTO_OS record per host. */
void os_scan_init(struct scan *s);
void os_scan_note(struct scan *s, const struct scan_result *r);
void os_scan_run(struct scan *s, volatile sig_atomic_t *stops);
void os_scan_free(struct scan *s);

/* totals.c: every counter, summed once, for the monitor, the summary and -m. */
struct scan_totals {
	uint64_t sent, frames, results, duplicates;
	uint64_t suppressed; /* probes a blocklist reload kept from being sent */
	uint64_t drops[RX_DROP_COUNT]; /* receive drops by cause */
	uint64_t rx_drops;             /* their sum */
	uint64_t notes[RX_NOTE_COUNT]; /* e.g. offloaded checksums accepted */
	uint64_t by_state[PORT_STATE_MAX + 1];
	uint64_t hits;                 /* open ports and up hosts */
	int64_t followup_queue;        /* accepted by the pool, not yet reported; -1: no pool */
	struct nic_stats nic;
	struct output_stats out;
};
uint64_t scan_total_sent(const struct scan *s);
uint64_t scan_expected_probes(const struct scan *s);
void scan_gather_totals(const struct scan *s, struct scan_totals *t);
/* Only what the cooldown polls (cheap: no NIC or output call): the unique results so far
 * and the largest round trip measured (0: none). */
void scan_reply_progress(const struct scan *s, uint64_t *results, int64_t *max_rtt_ns);
/* How long after a probe its reply can still come: QUIET_RTTS times the round trip bound
 * (the largest seen, or longer), at least a quarter second (nmap's timing reasons). */
uint64_t scan_reply_quiet_ns(uint64_t rtt_bound_ns);
void scan_monitor_update(struct scan *s, uint64_t now, bool cooling, double cooldown_left);
void scan_print_summary(const struct scan *s, double seconds, double send_seconds);
void scan_write_metadata(const struct scan *s, const char *command_line, uint64_t start_real,
			 uint64_t end_real, double send_seconds, bool interrupted);

/* unanswered.c: --report-all and small Nmap-style reports. */
void scan_report_unanswered(struct scan *s);
/* unanswered.c, for the UDP retry rounds (tx.c): the part of tx's arc this run walked;
 * whether a probe is a UDP one with no result yet to a host that answered something
 * (takes each receive queue's dedupe_lock: the receive threads are running). */
void scan_walked_arc(const struct scan *s, const struct tx_thread *tx, struct walk_arc *arc);
bool scan_retry_wanted(struct scan *s, uint32_t addr, const struct port_entry *pe);

#endif
