#include "output/metadata.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/json.h"

/* Shorthands over the one JSON writer (output/json.h): a key and its value. */
static void open_obj(struct json *j, const char *k)
{
	if (k)
		json_key(j, k);
	json_object_begin(j);
}

static void close_obj(struct json *j)
{
	json_object_end(j);
}

static void str(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_cstring(j, v);
}

static void u64(struct json *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_uint(j, v);
}

static void dbl(struct json *j, const char *k, double v)
{
	json_key(j, k);
	json_double(j, v, 6);
}

static void boolean(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}

static void time_pair(struct json *j, const char *k, uint64_t ns)
{
	char name[64], text[64];
	time_t secs = (time_t)(ns / 1000000000u);
	struct tm tm;
	gmtime_r(&secs, &tm);
	snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ns % 1000000000u / 1000));
	str(j, k, text);
	snprintf(name, sizeof name, "%s_unix", k);
	dbl(j, name, (double)ns / 1e9);
}

static void str_list(struct json *j, const char *k, const char *const *v, size_t n)
{
	json_key(j, k);
	json_array_begin(j);
	for (size_t i = 0; i < n; i++)
		json_cstring(j, v[i]);
	json_array_end(j);
}

/* Every field of struct orbit_config, under its long option's name (config/options.c), so
 * the object reads like the command line that would repeat the scan. */
static void write_config(struct json *j, const struct orbit_config *c)
{
	open_obj(j, "config");
	str_list(j, "targets", c->targets, c->ntargets);
	str(j, "input-file", c->input_file);
	str(j, "allowlist-file", c->allowlist_file);
	str(j, "blocklist-file", c->blocklist_file);
	u64(j, "blocklist-reload", c->blocklist_reload);
	str(j, "ports", c->ports);
	u64(j, "top-ports", c->top_ports);
	boolean(j, "syn", c->scan_syn);
	boolean(j, "udp", c->scan_udp);
	boolean(j, "ack", c->scan_ack);
	boolean(j, "ping-sweep", c->ping_sweep);
	boolean(j, "no-ping", c->no_ping);
	str(j, "discovery", c->discovery);
	str_list(j, "ping-probe", c->ping_probes.v, c->ping_probes.n);
	u64(j, "seed", c->seed);
	boolean(j, "seed-given", c->seed_given);
	u64(j, "shards", c->shards);
	u64(j, "shard", c->shard);
	u64(j, "tx-threads", c->tx_threads);
	u64(j, "max-targets", c->max_targets);
	str(j, "checkpoint", c->checkpoint_file);
	str(j, "resume", c->resume_file);
	boolean(j, "dry-run", c->dry_run);
	str(j, "backend", c->backend);
	str(j, "interface", c->interface);
	str(j, "source-ip", c->source_ip);
	str(j, "source-mac", c->source_mac);
	str(j, "gateway-mac", c->gateway_mac);
	str(j, "dpdk-args", c->dpdk_args);
	str(j, "dpdk-port", c->dpdk_port);
	str(j, "source-port", c->source_ports);
	u64(j, "rate", c->rate);
	u64(j, "bandwidth", c->bandwidth);
	u64(j, "probes", c->probes);
	u64(j, "cooldown", c->cooldown);
	u64(j, "rx-threads", c->rx_threads);
	u64(j, "probe-ttl", c->probe_ttl);
	str(j, "tcp-options", c->tcp_options);
	str_list(j, "udp-payload", c->udp_payloads.v, c->udp_payloads.n);
	str(j, "output-file", c->output_file);
	str(j, "rx-pcap", c->rx_pcap);
	str(j, "output-format", c->output_format);
	str(j, "fields", c->fields);
	str(j, "output-filter", c->output_filter);
	boolean(j, "report-all", c->report_all);
	str(j, "output-normal", c->normal_file);
	str(j, "output-xml", c->xml_file);
	str(j, "output-grepable", c->grepable_file);
	str(j, "metadata", c->metadata_file);
	str(j, "output-postgres", c->output_postgres);
	str(j, "contact", c->contact);
	str(j, "notes", c->notes);
	boolean(j, "status", c->status);
	str(j, "status-file", c->status_file);
	str(j, "config", c->config_file);
	boolean(j, "grab", c->grab);
	u64(j, "grab-concurrency", c->grab_concurrency);
	u64(j, "grab-timeout", c->grab_timeout);
	u64(j, "grab-max-bytes", c->grab_max_bytes);
	str(j, "grab-source-ip", c->grab_source_ip);
	str(j, "service-probes", c->service_probes);
	boolean(j, "quiet", c->quiet);
	close_obj(j);
}

static void write_walk_and_reload(struct json *j, const struct scan_metadata *m)
{
	char digest[17];
	snprintf(digest, sizeof digest, "%016llx", (unsigned long long)m->walk.digest);
	open_obj(j, "walk");
	str(j, "digest", digest);
	u64(j, "shards", m->walk.shards);
	u64(j, "shard", m->walk.shard);
	boolean(j, "complete", m->walk.complete);
	close_obj(j);
	open_obj(j, "blocklist_reload");
	u64(j, "reloads", m->reload.reloads);
	u64(j, "failures", m->reload.failures);
	u64(j, "addresses_added", m->reload.addresses_added);
	u64(j, "probes_suppressed", m->reload.probes_suppressed);
	close_obj(j);
}

/* Returns -1 when writing to f failed. */
static int write_object(FILE *f, const struct scan_metadata *m)
{
	char buf[4096];
	struct json j;
	json_init_file(&j, buf, sizeof buf, f);
	open_obj(&j, NULL);
	str(&j, "orbit_version", ORBIT_VERSION);
	str(&j, "dpdk_version", m->dpdk_version);
	str(&j, "command_line", m->command_line);
	time_pair(&j, "start_time", m->start_ns);
	time_pair(&j, "end_time", m->end_ns);
	dbl(&j, "duration_s", (double)(m->end_ns - m->start_ns) / 1e9);
	dbl(&j, "send_duration_s", m->send_seconds);
	boolean(&j, "interrupted", m->interrupted);
	u64(&j, "seed", m->seed);
	str(&j, "backend", m->backend);
	str(&j, "interface", m->interface);
	str(&j, "source_addr", m->source_addr);
	u64(&j, "tx_threads", m->tx_threads);
	u64(&j, "rx_threads", m->rx_threads);
	str(&j, "output_format", m->main_format);
	str(&j, "services_source", m->services_source);
	str(&j, "contact", m->cfg->contact);
	str(&j, "notes", m->cfg->notes);
	str(&j, "discovery", m->discovery);
	str(&j, "discovery_rule", m->discovery_rule);
	write_config(&j, m->cfg);
	write_walk_and_reload(&j, m);

	open_obj(&j, "targets");
	u64(&j, "addresses", m->addresses);
	u64(&j, "ports", m->ports);
	u64(&j, "probes", m->probes);
	close_obj(&j);

	open_obj(&j, "counters");
	u64(&j, "sent", m->sent);
	u64(&j, "received", m->received);
	u64(&j, "results", m->results);
	u64(&j, "duplicates", m->duplicates);
	open_obj(&j, "by_state");
	for (int s = PORT_OPEN; s <= PORT_STATE_MAX; s++)
		u64(&j, port_state_name((enum port_state)s), m->by_state[s]);
	close_obj(&j);
	open_obj(&j, "rx_drops");
	uint64_t total = 0;
	for (unsigned d = 0; d < m->ndrops; d++) {
		u64(&j, m->drop_names[d], m->drops[d]);
		total += m->drops[d];
	}
	close_obj(&j);
	u64(&j, "rx_drops_total", total);
	open_obj(&j, "rx_notes");
	for (unsigned n = 0; n < m->nnotes; n++)
		u64(&j, m->note_names[n], m->notes[n]);
	close_obj(&j);
	open_obj(&j, "output");
	u64(&j, "written", m->output.written);
	u64(&j, "filtered_out", m->output.filtered_out);
	u64(&j, "dropped", m->output.dropped);
	u64(&j, "unanswered", m->output.unanswered);
	close_obj(&j);
	open_obj(&j, "nic");
	u64(&j, "tx_packets", m->nic.tx_packets);
	u64(&j, "tx_dropped", m->nic.tx_dropped);
	u64(&j, "tx_errors", m->nic.tx_errors);
	u64(&j, "rx_packets", m->nic.rx_packets);
	u64(&j, "rx_missed", m->nic.rx_missed);
	u64(&j, "rx_errors", m->nic.rx_errors);
	close_obj(&j);
	close_obj(&j);
	close_obj(&j);
	json_append(&j, "\n", 1);
	return json_flush(&j);
}

int metadata_write_stream(FILE *f, const struct scan_metadata *m)
{
	return write_object(f, m) == 0 && !ferror(f) ? 0 : -1;
}

int metadata_write(const char *path, const struct scan_metadata *m, struct errbuf *e)
{
	if (strcmp(path, "-") == 0) {
		int rc = write_object(stdout, m);
		return fflush(stdout) == 0 && rc == 0 ? 0 : err_set(e, "writing --metadata to stdout failed: %s",
							   strerror(errno));
	}
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	if (!tmp)
		return err_set(e, "out of memory");
	snprintf(tmp, n, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		err_set(e, "cannot write --metadata '%s': %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	bool ok = write_object(f, m) == 0 && !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		err_set(e, "cannot write --metadata '%s': %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
