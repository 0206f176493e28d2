/* The scan's lifecycle: set-up (outputs, addresses, NIC, templates, follow-up pool,
 * monitor), the threads' start, the supervisor (checkpoints, status, cooldown), the
 * threads' stop and the ending (unanswered, outputs, checkpoint, -m, summary). The loops
 * are tx.c and rx.c; the counters totals.c. */
#include "core/scan/engine.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/followup/grab.h"
#include "core/scan/latefile.h"
#include "core/scan/privs.h"
#include "core/scan/scan_internal.h"
#include "core/scan/scripts.h"
#include "targets/addrspec.h"

static struct output_options output_options_of(const struct orbit_config *cfg)
{
	struct output_options o = {
		.format = cfg->output_format,
		.path = cfg->output_file,
		.fields = cfg->fields,
		.filter = cfg->output_filter,
		.normal_path = cfg->normal_file,
		.xml_path = cfg->xml_file,
		.grepable_path = cfg->grepable_file,
		.report_all = cfg->report_all,
		.reason = cfg->reason,
		.hits_only = !cfg->report_closed,
		.postgres = cfg->output_postgres,
		.stdout_is_tty = isatty(STDOUT_FILENO) == 1,
		.tcp_options = cfg->tcp_options,
	};
	return o;
}

int engine_check_outputs(const struct orbit_config *cfg, struct errbuf *e)
{
	struct output_options oo = output_options_of(cfg);
	oo.validate_only = true;
	struct output_set *unused;
	return output_set_open(&unused, &oo, e);
}

/* ---- set-up ------------------------------------------------------------------------ */

/* Targets in the interface's subnet are swept by ARP and reached at their own MAC; the
 * rest need the gateway's. The space is sorted, so when its first address is on-link and
 * its last is not, the last is routed: resolve the gateway for it. */
static int plan_onlink(struct scan *s, struct errbuf *e)
{
	struct nic_addrs *a = &s->addrs;
	if (!a->have_onlink)
		return 0;
	s->arp.net = a->onlink_net;
	s->arp.mask = a->onlink_mask;
	uint32_t last = ipindex_addr(&s->ts->index, s->ts->naddrs - 1);
	if (a->have_gw_mac || arp_table_onlink(&s->arp, last))
		return 0;
	return nic_discover(last, a, e);
}

/* --checkpoint and -m are written after privileges drop: open them now (latefile.h). */
static int open_late_files(struct scan *s, struct errbuf *e)
{
	const struct orbit_config *cfg = s->cfg;
	if (cfg->checkpoint_file && !s->replay &&
	    (s->checkpoint_fd = late_file_open(cfg->checkpoint_file, "checkpoint", e)) < 0)
		return ORBIT_EXIT_RUNTIME;
	if (cfg->metadata_file && strcmp(cfg->metadata_file, "-") != 0 &&
	    (s->metadata_fd = late_file_open(cfg->metadata_file, "--metadata", e)) < 0)
		return ORBIT_EXIT_RUNTIME;
	return ORBIT_EXIT_OK;
}

/* The addresses the user gave, the rest discovered; then the NIC backend. */
static int open_nic(struct scan *s, struct errbuf *e)
{
	const struct scan_params *p = s->params;
	struct nic_addrs *a = &s->addrs;
	*a = p->given;
	if (!(a->have_src_addr && a->have_src_mac && a->have_gw_mac && a->ifname[0]) &&
	    nic_discover(ipindex_addr(&s->ts->index, 0), a, e) < 0)
		return -1;
	if (plan_onlink(s, e) < 0)
		return -1;
	struct nic_config nc = {
		.backend = p->backend,
		.ifname = a->ifname[0] ? a->ifname : NULL,
		.dpdk_args = s->cfg->dpdk_args,
		.dpdk_port = s->cfg->dpdk_port,
		.rx_file = s->cfg->rx_pcap,
		.rx_filter = s->cfg->rx_filter,
		.tx_queues = s->ntx,
		.rx_queues = s->nrx,
		.qdisc_bypass = s->cfg->qdisc_bypass,
	};
	/* DPDK's EAL pins the thread that initialises it to one core, and threads inherit
	 * that: keep the CPUs we had, so senders and receivers are not squeezed onto one. */
	cpu_set_t cpus;
	bool have_cpus = sched_getaffinity(0, sizeof cpus, &cpus) == 0;
	if (nic_open(&s->nic, &nc, e) < 0)
		return -1;
	if (have_cpus)
		sched_setaffinity(0, sizeof cpus, &cpus);
	s->nrx = nic_rx_queue_count(s->nic); /* a backend may offer fewer than asked */
	s->nic_name = nic_backend_name(s->nic);
	s->nic_version = nic_runtime_version(s->nic);
	if (!a->have_src_mac && nic_mac(s->nic, a->src_mac) == 0)
		a->have_src_mac = true;
	if (cookie_key_random(&s->key) < 0)
		return err_set(e, "cannot read random bytes for the cookie key: %s", strerror(errno));
	return 0;
}

/* -sV: the pool that follows open ports up over the kernel's TCP stack. */
static int start_grab_pool(struct scan *s, struct errbuf *e)
{
	const struct orbit_config *cfg = s->cfg;
	struct grab_params gp = {
		.threads = cfg->grab_threads,
		.concurrency = cfg->grab_concurrency,
		.timeout_ms = cfg->grab_timeout * 1000,
		.max_bytes = cfg->grab_max_bytes,
		.source_ip = s->params->grab_source_ip,
		.probes = s->params->probe_db,
		.contact = cfg->contact,
		.probe_sequence = true,
		.version_intensity = s->params->version_intensity,
		.port_budget_ms = s->params->version_budget_ms,
		.version_trace = cfg->version_trace,
		.on_result = rx_on_grab_result,
		.user = s,
	};
	s->grab = grab_pool_start(&gp, e);
	return s->grab ? 0 : -1;
}

/* Everything between the open NIC and the first thread. Returns the exit status. */
static int prepare(struct scan *s, const char *command_line, uint64_t t0, uint64_t start_real,
		   struct errbuf *e)
{
	const struct orbit_config *cfg = s->cfg;
	if (tx_init_templates(s, e) < 0)
		return ORBIT_EXIT_BAD_INPUT;
	rx_init_classify(s);
	s->tracing = cfg->packet_trace;
	packet_trace_init(&s->trace, stderr, t0);
	s->pps_per_thread = tx_probes_per_second(s) / s->ntx;
	s->retry_udp = !s->replay && cfg->max_retries > 0 && s->tx[0].has_kind[KIND_UDP];
	bool human_status = !cfg->quiet && (cfg->status || isatty(STDERR_FILENO) == 1);
	if (monitor_open(&s->monitor, human_status, cfg->status_file, t0, e) < 0)
		return ORBIT_EXIT_RUNTIME;
	/* Everything is open: no thread that reads the network's replies (receive, grab
	 * pool) may start before this. */
	if (privs_drop(&s->params->privs, e) < 0)
		return ORBIT_EXIT_RUNTIME;
	if (cfg->grab && start_grab_pool(s, e) < 0)
		return ORBIT_EXIT_BAD_INPUT;
	if (scan_scripts_start(s, e) < 0)
		return ORBIT_EXIT_RUNTIME;
	struct output_scan_info info = {
		.command_line = command_line,
		.start_ns = start_real,
		.tcp_ack = s->params->tcp_probe == TCP_PROBE_ACK,
		.ping_sweep = cfg->ping_sweep,
		.all_hosts_up = cfg->no_ping,
		.ports = s->ts->ports.v,
		.nports = s->ts->ports.n,
		.addresses = s->ts->naddrs,
	};
	scan_names_setup(s, &info);
	output_set_begin(s->out, &info);
	s->expected_probes = scan_expected_probes(s);
	if (!cfg->quiet) {
		char src[16], discovery[DISCOVERY_TEXT_MAX];
		addrspec_format_ipv4(s->addrs.src_addr, src);
		discovery_text(&s->params->discovery.set, discovery);
		fprintf(stderr, "orbit: %" PRIu64 " probes x %u round(s) from %s on %s via %s, %s; "
			"discovery %s (%s)\n",
			s->ts->n, cfg->probes, src, s->addrs.ifname[0] ? s->addrs.ifname : "?",
			s->nic_name, s->pps_per_thread > 0 ? "paced" : "unpaced",
			discovery, s->params->discovery.why ? s->params->discovery.why : "as given");
	}
	return ORBIT_EXIT_OK;
}

/* ---- threads ----------------------------------------------------------------------- */

struct started {
	unsigned rx, tx;
};

/* Receive threads first, so no reply to the first probes is missed. */
static bool start_threads(struct scan *s, struct started *st)
{
	for (unsigned r = 0; r < s->nrx; r++) {
		s->rx[r].scan = s;
		s->rx[r].queue = r;
		dedupe_init_space(&s->rx[r].dedupe, s->ts);
		pthread_mutex_init(&s->rx[r].dedupe_lock, NULL);
		if (pthread_create(&s->rx[r].tid, NULL, rx_main, &s->rx[r]) != 0)
			return false;
		st->rx++;
	}
	if (s->replay) {
		for (unsigned t = 0; t < s->ntx; t++)
			atomic_store(&s->tx[t].done, true);
		return true;
	}
	for (unsigned t = 0; t < s->ntx; t++) {
		struct walk_arc *arc = &s->plan->arcs[t];
		s->tx[t].scan = s;
		s->tx[t].queue = t;
		s->tx[t].arc = arc;
		s->tx[t].start_pos = arc->pos;
		s->tx[t].start_budget = arc->budget;
		atomic_store(&s->tx[t].progress, arc->pos);
		if (pthread_create(&s->tx[t].tid, NULL, tx_main, &s->tx[t]) != 0)
			return false;
		st->tx++;
	}
	return true;
}

static void stop_threads(struct scan *s, const struct started *st)
{
	atomic_store(&s->stop_tx, true);
	for (unsigned t = 0; t < st->tx; t++)
		pthread_join(s->tx[t].tid, NULL);
	atomic_store(&s->stop_rx, true);
	for (unsigned r = 0; r < st->rx; r++)
		pthread_join(s->rx[r].tid, NULL);
}

/* ---- supervision ------------------------------------------------------------------- */

static bool all_tx_done(const struct scan *s)
{
	for (unsigned t = 0; t < s->ntx; t++)
		if (!atomic_load(&s->tx[t].done))
			return false;
	return true;
}

/* The checkpoint of what has been sent so far (malloc'd text), or NULL. */
static char *checkpoint_text(const struct scan *s)
{
	/* A copy whose positions are what has been sent, not what a thread is building. */
	struct walk_plan snap = *s->plan;
	struct walk_arc arcs[NIC_MAX_QUEUES];
	for (unsigned t = 0; t < s->ntx; t++) {
		arcs[t] = s->plan->arcs[t];
		arcs[t].pos = atomic_load(&s->tx[t].progress);
	}
	snap.arcs = arcs;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *name = s->cfg->checkpoint_file ? s->cfg->checkpoint_file : "FILE";
	int rc = f ? walk_plan_write(&snap, name, f) : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void save_checkpoint_text(const struct scan *s, const char *text)
{
	if (!s->cfg->checkpoint_file || s->replay)
		return;
	/* Into the file opened before privileges dropped (latefile.h). */
	if (!text || late_file_rewrite(s->checkpoint_fd, text, strlen(text)) < 0)
		fprintf(stderr, "orbit: cannot write checkpoint '%s': %s\n", s->cfg->checkpoint_file,
			strerror(errno));
}

static void save_checkpoint(const struct scan *s)
{
	if (!s->cfg->checkpoint_file || s->replay)
		return;
	char *text = checkpoint_text(s);
	save_checkpoint_text(s, text);
	free(text);
}

/* Every few seconds: the checkpoint file, and for --output-postgres the checkpoint of the
 * round before (its probes' replies are all in by now: the database stores it with the
 * rows, output/pgsink.h). */
static void checkpoint_round(struct scan *s)
{
	char *text = checkpoint_text(s);
	save_checkpoint_text(s, text);
	if (s->cfg->output_postgres && s->db_checkpoint)
		output_set_checkpoint(s->out, s->db_checkpoint);
	free(s->db_checkpoint);
	s->db_checkpoint = text;
}

/* The database's last checkpoint: after a full cooldown the one of everything sent;
 * after a stop (the cooldown cut short) the one of the round before, whose replies are in. */
static void final_db_checkpoint(struct scan *s, bool interrupted)
{
	char *text = interrupted ? NULL : checkpoint_text(s);
	const char *cp = text ? text : s->db_checkpoint;
	if (cp)
		output_set_checkpoint(s->out, cp);
	free(text);
}

/* Until every transmit thread is done (or a stop): a checkpoint every few seconds and
 * the monitor. Returns when sending ended. */
static uint64_t supervise_sending(struct scan *s, volatile sig_atomic_t *stops)
{
	uint64_t last_save = clock_mono_ns();
	sig_atomic_t hups_seen = s->reload_requests ? *s->reload_requests : 0;
	while (!all_tx_done(s) && *stops == 0) {
		clock_sleep_ns(20000000);
		uint64_t now = clock_mono_ns();
		bool hup = s->reload_requests && *s->reload_requests != hups_seen;
		if (hup)
			hups_seen = *s->reload_requests;
		blocklist_reload_poll(&s->reload, hup, now, s->cfg->quiet ? NULL : stderr);
		if ((s->cfg->checkpoint_file || s->cfg->output_postgres) &&
		    now - last_save > 5000000000u && !s->replay) {
			checkpoint_round(s);
			last_save = now;
		}
		if (monitor_due(&s->monitor, now))
			scan_monitor_update(s, now, false, 0);
	}
	atomic_store(&s->stop_tx, true);
	return clock_mono_ns();
}

/* When the cooldown may end before --cooldown: every probe of this run answered (one
 * result per target: retries of -P N and --max-retries answer once, and the latter are
 * not counted in sent), or no reply for scan_reply_quiet_ns() of the largest round trip
 * seen since the last probe (nothing still in flight can be later than that, as nmap's
 * timing reasons); with no reply at all, nmap's initial RTT timeout of a second. A replay
 * ends with its file instead. */
static const uint64_t QUIET_NO_REPLY_NS = 1000000000u;

struct cooldown_watch {
	uint64_t tx_end, last_reply, results;
};

static bool nothing_more_to_come(const struct scan *s, struct cooldown_watch *w, uint64_t now)
{
	uint64_t results;
	int64_t rtt;
	scan_reply_progress(s, &results, &rtt);
	if (results != w->results) {
		w->results = results;
		w->last_reply = now;
	}
	uint64_t targets = scan_total_sent(s) / (s->cfg->probes ? s->cfg->probes : 1);
	if (targets > 0 && results >= targets)
		return true;
	/* A reply after the last probe is at most one round trip behind it. */
	uint64_t rtt_bound = w->last_reply > w->tx_end ? w->last_reply - w->tx_end : 0;
	if (rtt > 0 && (uint64_t)rtt > rtt_bound)
		rtt_bound = (uint64_t)rtt;
	uint64_t quiet = results == 0 ? QUIET_NO_REPLY_NS : scan_reply_quiet_ns(rtt_bound);
	uint64_t since = w->last_reply > w->tx_end ? w->last_reply : w->tx_end;
	return now - since >= quiet;
}

/* When the last pass or retry round of any sender ended (at most `fallback`). */
static uint64_t last_probe_ns(const struct scan *s, uint64_t fallback)
{
	uint64_t last = 0;
	for (unsigned t = 0; t < s->ntx && !s->replay; t++) {
		uint64_t v = atomic_load(&s->tx[t].last_send_ns);
		last = v > last ? v : last;
	}
	return last && last < fallback ? last : fallback;
}

/* The cooldown: at most --cooldown, shortened by a first Ctrl-C, ended by a second, and
 * ended early when nothing more can arrive. */
static void supervise_cooldown(struct scan *s, volatile sig_atomic_t *stops)
{
	uint64_t cooldown = (uint64_t)s->cfg->cooldown * 1000000000u;
	if (*stops > 0 && cooldown > 2000000000u)
		cooldown = 2000000000u; /* interrupted: a short cooldown for replies in flight */
	uint64_t start = clock_mono_ns();
	uint64_t until = start + (s->replay ? 0 : cooldown);
	/* The quiet time counts from the last probe, not from the senders' end: a sender that
	 * waited for a UDP retry round which it then found nothing for has waited already. */
	struct cooldown_watch w = {.tx_end = last_probe_ns(s, start), .last_reply = 0};
	/* The replies in before the cooldown are not news: counted as if they came now, a
	 * UDP scan whose last retry round was a second ago took that second for a round
	 * trip and waited four more. */
	int64_t rtt_unused;
	scan_reply_progress(s, &w.results, &rtt_unused);
	while (*stops < 2) {
		uint64_t now = clock_mono_ns();
		if (*stops > 0 && !s->interrupted) {
			s->interrupted = true; /* Ctrl-C during the cooldown */
			if (until > now + 2000000000u)
				until = now + 2000000000u;
		}
		if (s->replay ? nic_rx_exhausted(s->nic)
			      : now >= until || nothing_more_to_come(s, &w, now))
			break;
		if (monitor_due(&s->monitor, now))
			scan_monitor_update(s, now, true,
					    s->replay ? 0 : (double)(until > now ? until - now : 0) / 1e9);
		clock_sleep_ns(5000000);
	}
}

/* After the receive threads: let every accepted port finish (each connection is bounded
 * by --grab-timeout), unless a second Ctrl-C asks to stop now; then stop the pool, which
 * reports what is left as not grabbed. */
static void finish_grabs(struct scan *s, volatile sig_atomic_t *stops)
{
	if (!s->grab)
		return;
	/* Wait while connections keep finishing: a queue longer than the concurrency takes
	 * several timeouts to work through, but a pool that stops making progress for longer
	 * than one connection's limit is stuck, and is stopped. */
	uint64_t limit_s = s->cfg->grab_timeout;
	if (s->params->probe_db) /* a port's probe sequence is one result */
		limit_s = s->params->version_budget_ms / 1000;
	const uint64_t patience = (limit_s + 5) * 1000000000u;
	uint64_t last_progress = clock_mono_ns(), last_completed = 0;
	/* Interrupted: the grabs get the short cooldown, not their timeouts. */
	uint64_t interrupted_until = 0;
	while (*stops < 2 && !grab_pool_drain(s->grab, 100)) {
		struct grab_stats st;
		grab_pool_stats(s->grab, &st);
		uint64_t now = clock_mono_ns();
		if (*stops > 0 && interrupted_until == 0)
			interrupted_until = now + 2000000000u;
		if (interrupted_until && now >= interrupted_until)
			break;
		if (st.completed != last_completed) {
			last_completed = st.completed;
			last_progress = now;
		} else if (now - last_progress > patience) {
			break;
		}
	}
	grab_pool_stop(s->grab);
	s->grab = NULL;
}

/* ---- the run ----------------------------------------------------------------------- */

/* Once nothing sends or receives on it any more: an AF_PACKET ring takes some 40 ms to
 * give back, spent here while the follow-up pool waits on its probes, not at the end. */
static void release_nic(struct scan *s)
{
	nic_get_stats(s->nic, &s->nic_final);
	nic_close(s->nic);
	s->nic = NULL;
}

/* Sends, receives and ends the scan; returns the exit status. */
static int scan_run(struct scan *s, volatile sig_atomic_t *stops, const char *command_line,
		    uint64_t t0, uint64_t start_real)
{
	int status = ORBIT_EXIT_RUNTIME;
	uint64_t tx_end = t0;
	struct started st = {0, 0};
	struct errbuf e;
	udp_version_init(s);
	os_scan_init(s);
	if (arp_sweep_run(s, stops, &e) < 0) {
		fprintf(stderr, "orbit: %s\n", e.msg);
		return ORBIT_EXIT_RUNTIME;
	}
	if (s->arp.asked && !s->cfg->quiet)
		fprintf(stderr, "orbit: ARP sweep: %" PRIu64 " requests, %" PRIu64 " hosts answered\n",
			s->arp.asked, s->arp.answered);
	if (start_threads(s, &st)) {
		tx_end = supervise_sending(s, stops);
		s->interrupted = *stops > 0;
		supervise_cooldown(s, stops);
		if (s->interrupted) /* a last status line: where the stop left the scan */
			scan_monitor_update(s, clock_mono_ns(), true, 0);
		status = ORBIT_EXIT_OK;
	} else {
		fprintf(stderr, "orbit: cannot start threads: %s\n", strerror(errno));
	}
	stop_threads(s, &st);
	rx_resolve_deferred(s, st.rx);
	os_scan_run(s, stops); /* the NIC is free now; the follow-up pool goes on meanwhile */
	release_nic(s);
	/* -sU -sV probes its UDP ports while the grab pool's threads still probe the TCP
	 * ones: the two waits overlap instead of adding up. */
	if (st.tx == s->ntx || s->replay)
		scan_report_unanswered(s);
	udp_version_run(s);
	finish_grabs(s, stops);
	/* Last: -sU -sV's ports reach the scripts too (nmap's version scripts run on UDP). */
	scan_scripts_finish(s, stops);
	bool interrupted = *stops > 0;
	s->interrupted = interrupted;
	if (interrupted && status == ORBIT_EXIT_OK)
		status = ORBIT_EXIT_INTERRUPTED; /* 128 + SIGINT, as a shell reports it */
	if (s->cfg->output_postgres && !s->replay)
		final_db_checkpoint(s, interrupted);
	uint64_t end_real = clock_wall_ns();
	if (output_set_finish(s->out, end_real, interrupted, &e) < 0) {
		fprintf(stderr, "orbit: %s\n", e.msg);
		status = ORBIT_EXIT_RUNTIME;
	}
	save_checkpoint(s);
	double seconds = (double)(clock_mono_ns() - t0) / 1e9;
	double send_seconds = (double)(tx_end - t0) / 1e9;
	if (s->cfg->metadata_file)
		scan_write_metadata(s, command_line, start_real, end_real, send_seconds, interrupted);
	if (!s->cfg->quiet)
		scan_print_summary(s, seconds, send_seconds);
	monitor_close(&s->monitor);
	for (unsigned r = 0; r < st.rx; r++) {
		dedupe_free(&s->rx[r].dedupe);
		pthread_mutex_destroy(&s->rx[r].dedupe_lock);
	}
	udp_version_free(s);
	os_scan_free(s);
	return status;
}

int engine_run(const struct scan_params *p, const struct target_space *ts,
	       struct walk_plan *plan, volatile sig_atomic_t *stop_requests,
	       volatile sig_atomic_t *reload_requests, const char *command_line)
{
	if (plan->threads > NIC_MAX_QUEUES) {
		fprintf(stderr, "orbit: invalid --tx-threads %u: at most %d transmit threads\n", plan->threads,
			NIC_MAX_QUEUES);
		return ORBIT_EXIT_BAD_INPUT;
	}
	struct scan *s = calloc(1, sizeof *s);
	if (!s) {
		fprintf(stderr, "orbit: out of memory\n");
		return ORBIT_EXIT_RUNTIME;
	}
	s->params = p;
	s->cfg = p->cfg;
	s->ts = ts;
	s->plan = plan;
	s->ntx = plan->threads;
	s->nrx = p->cfg->rx_threads;
	s->replay = p->cfg->rx_pcap != NULL;
	s->checkpoint_fd = s->metadata_fd = -1;
	struct errbuf e;
	struct output_options oo = output_options_of(s->cfg);
	s->reload_requests = reload_requests;
	int status = output_set_open(&s->out, &oo, &e);
	if (status == 0 && s->cfg->output_postgres) {
		char scan_id[64]; /* the same for every shard and every resumed run of one scan */
		snprintf(scan_id, sizeof scan_id, "%016" PRIx64 "-%" PRIu64, plan->digest, plan->seed);
		output_set_postgres_scan(s->out, scan_id, plan->shard);
	}
	if (status == 0 && blocklist_reload_init(&s->reload, s->cfg->blocklist_file,
						 s->cfg->blocklist_reload, &e) < 0)
		status = ORBIT_EXIT_BAD_INPUT;
	if (status == 0)
		status = open_late_files(s, &e);
	if (status == 0)
		status = open_nic(s, &e) < 0 ? ORBIT_EXIT_RUNTIME : ORBIT_EXIT_OK;
	uint64_t t0 = clock_mono_ns(), start_real = clock_wall_ns();
	if (status == 0)
		status = prepare(s, command_line, t0, start_real, &e);
	if (status == 0)
		status = scan_run(s, stop_requests, command_line, t0, start_real);
	else
		fprintf(stderr, "orbit: %s\n", e.msg);
	if (s->grab)
		grab_pool_stop(s->grab);
	scan_scripts_stop(s);
	nic_close(s->nic);
	output_set_close(s->out);
	scan_names_free(s);
	arp_table_free(&s->arp);
	blocklist_reload_free(&s->reload);
	free(s->db_checkpoint);
	if (s->checkpoint_fd >= 0)
		close(s->checkpoint_fd);
	if (s->metadata_fd >= 0)
		close(s->metadata_fd);
	free(s);
	return status;
}
