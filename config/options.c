/* The option table, the one-pass command-line parser built from it (config/load.c
 * orders it with the -c file), and the checks that span several options (see config/config.h and config/option_table.h for the contracts). */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config/option_table.h"
#include "targets/ports.h"

#define FIELD(f) offsetof(struct orbit_config, f)
#define NOSET OPTION_NOSET

/* Order matters: --help, the man page and --print-config list options in this order,
 * under the headings of option_sections[]. The trailing members (cli_only, choices) are
 * named only by the few entries that have them; the rest leave them zero. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct option_spec option_table[] = {
	{"ports", 'p', NULL, OPT_STRING, FIELD(ports), NOSET, 0, 0, "PORTS",
	 "ports to probe: 80, 1-1024, 22,80,443, - (all), T:22,80,U:53,161"},
	{"top-ports", 0, NULL, OPT_UINT, FIELD(top_ports), NOSET, 1, 65535, "N",
	 "the N most frequently open ports of nmap-services (TCP, or UDP with -sU); without -p "
	 "and -F: the top 1000, as nmap"},
	{"fast", 'F', NULL, OPT_FLAG, FIELD(fast), NOSET, 0, 0, NULL,
	 "the top 100 ports instead of the top 1000 (nmap's -F)"},
	{"ports-in-order", 'r', NULL, OPT_FLAG, FIELD(ports_in_order), NOSET, 0, 0, NULL,
	 "nmap's -r: no randomisation; hosts ascending, each host's ports ascending (a host "
	 "gets its probes back to back at the full rate)"},
	{"input-file", 0, "-iL", OPT_STRING, FIELD(input_file), NOSET, 0, 0, "FILE",
	 "read targets from FILE, one per line (# comments)"},
	{"allowlist-file", 'w', NULL, OPT_STRING, FIELD(allowlist_file), NOSET, 0, 0, "FILE",
	 "scan only addresses in FILE (targets default to all of it)"},
	{"blocklist-file", 0, NULL, OPT_STRING, FIELD(blocklist_file), NOSET, 0, 0, "FILE",
	 "never scan addresses in FILE (replaces the built-in IANA special-purpose list)"},
	{"excludefile", 0, NULL, OPT_STRING, FIELD(blocklist_file), NOSET, 0, 0, "FILE",
	 "masscan's and nmap's name for --blocklist-file"},
	{"blocklist-reload", 0, NULL, OPT_UINT, FIELD(blocklist_reload), NOSET, 1, 86400, "SECONDS",
	 "re-read --blocklist-file every SECONDS (and on SIGHUP): added ranges get no more probes"},
	{"syn", 0, "-sS", OPT_FLAG, FIELD(scan_syn), NOSET, 0, 0, NULL, "TCP SYN scan (default)"},
	{"udp", 0, "-sU", OPT_FLAG, FIELD(scan_udp), NOSET, 0, 0, NULL, "UDP scan"},
	{"ack", 0, "-sA", OPT_FLAG, FIELD(scan_ack), NOSET, 0, 0, NULL,
	 "TCP ACK scan (unfiltered / filtered)"},
	{"ping-sweep", 0, "-sn", OPT_FLAG, FIELD(ping_sweep), NOSET, 0, 0, NULL,
	 "host discovery only, no port scan: which hosts are up (nmap's default probes, ARP "
	 "on-link)"},
	{"no-ping", 0, "-Pn", OPT_FLAG, FIELD(no_ping), NOSET, 0, 0, NULL,
	 "no host discovery: every target is taken as up and its ports reported"},
	{"discovery", 0, NULL, OPT_STRING, FIELD(discovery), NOSET, 0, 0, "PROBES",
	 "host discovery sent with the port probes, in the same walk: none, default (nmap's "
	 "PE,PS443,PA80,PP; ARP on-link always) or a list such as PE,PS22,80,PA80,PU53,PP. "
	 "Unset: default for -sn and for nmap-style reports (text, -oN, -oX, -oG) of at most "
	 "4096 addresses, else none (a host is up when a port answers)"},
	{"ping-probe", 0, NULL, OPT_LIST, FIELD(ping_probes), NOSET, 0, 0, "PROBE",
	 "one discovery probe type, as nmap's -PE, -PS[PORTS] (default 80), -PA[PORTS] (80), "
	 "-PU[PORTS] (40125), -PP (timestamp), -PR (ARP); repeatable, replaces the default set"},
	{"seed", 0, NULL, OPT_U64, FIELD(seed), FIELD(seed_given), 0, UINT64_MAX, "N",
	 "64-bit seed of the probe order (random when absent, and printed)"},
	{"shards", 0, NULL, OPT_UINT, FIELD(shards), NOSET, 1, 65535, "S",
	 "split the scan over S machines (same seed on each)"},
	{"shard", 0, NULL, OPT_UINT, FIELD(shard), NOSET, 0, 65534, "I|auto",
	 "this machine's shard, 0 .. S-1; auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX",
	 .word = "auto", .word_offset = FIELD(shard_auto)},
	{"tx-threads", 0, NULL, OPT_UINT, FIELD(tx_threads), NOSET, 1, 256, "N",
	 "transmit threads (each walks its own arc)"},
	{"sender-threads", 0, NULL, OPT_UINT, FIELD(tx_threads), NOSET, 1, 256, "N",
	 "zmap's name for --tx-threads"},
	{"max-targets", 0, NULL, OPT_U64, FIELD(max_targets), NOSET, 1, UINT64_MAX, "N",
	 "stop after N probes in all (split evenly over shards and threads)"},
	{"checkpoint", 0, NULL, OPT_STRING, FIELD(checkpoint_file), NOSET, 0, 0, "FILE",
	 "write each arc's position to FILE when stopping, for --resume"},
	{"resume", 0, NULL, OPT_STRING, FIELD(resume_file), NOSET, 0, 0, "FILE",
	 "continue the walk saved in FILE (same targets, ports, blocklist)"},
	{"dry-run", 0, NULL, OPT_FLAG, FIELD(dry_run), NOSET, 0, 0, NULL,
	 "print ADDR,PROTO,PORT per probe in walk order; send nothing"},
	{"rx-filter", 0, NULL, OPT_STRING, FIELD(rx_filter), NOSET, 0, 0, "BPF",
	 "also drop received frames that fail this pcap filter, in the kernel (afpacket, pcap)"},
	{"backend", 0, NULL, OPT_STRING, FIELD(backend), NOSET, 0, 0, "NAME",
	 "packet I/O: dpdk, afpacket, pcap (default: dpdk with --dpdk-args, else afpacket)", .choices = "dpdk|afpacket|pcap"},
	{"interface", 'e', NULL, OPT_STRING, FIELD(interface), NOSET, 0, 0, "IF",
	 "interface to send on (default: the route to the first target)"},
	{"adapter", 0, NULL, OPT_STRING, FIELD(interface), NOSET, 0, 0, "IF",
	 "masscan's name for --interface"},
	{"source-ip", 'S', NULL, OPT_STRING, FIELD(source_ip), NOSET, 0, 0, "ADDR",
	 "source address of probes (default: the interface's)"},
	{"adapter-ip", 0, NULL, OPT_STRING, FIELD(source_ip), NOSET, 0, 0, "ADDR",
	 "masscan's name for --source-ip"},
	{"source-mac", 0, NULL, OPT_STRING, FIELD(source_mac), NOSET, 0, 0, "MAC",
	 "source MAC (default: the interface's)"},
	{"adapter-mac", 0, NULL, OPT_STRING, FIELD(source_mac), NOSET, 0, 0, "MAC",
	 "masscan's name for --source-mac"},
	{"gateway-mac", 'G', NULL, OPT_STRING, FIELD(gateway_mac), NOSET, 0, 0, "MAC",
	 "next hop's MAC for routed targets (default: the neighbour table, else orbit's own ARP request)"},
	{"router-mac", 0, NULL, OPT_STRING, FIELD(gateway_mac), NOSET, 0, 0, "MAC",
	 "masscan's name for --gateway-mac"},
	{"dpdk-args", 0, NULL, OPT_STRING, FIELD(dpdk_args), NOSET, 0, 0, "ARGS",
	 "DPDK EAL arguments, e.g. \"--no-huge --vdev=net_af_packet0,iface=eth1\""},
	{"dpdk-port", 0, NULL, OPT_STRING, FIELD(dpdk_port), NOSET, 0, 0, "NAME",
	 "DPDK port by name or PCI address (default: port 0)"},
	{"qdisc-bypass", 0, NULL, OPT_FLAG, FIELD(qdisc_bypass), NOSET, 0, 0, NULL,
	 "afpacket: send past the kernel's qdisc (faster; off by default so tcpdump on the "
	 "interface and tc see every probe)"},
	{"user", 0, NULL, OPT_STRING, FIELD(user), NOSET, 0, 0, "NAME",
	 "once the NIC, sockets and files are open, run as NAME (default: nobody when root)"},
	{"drop-privileges", 0, NULL, OPT_FLAG, FIELD(drop_privileges), NOSET, 0, 0, NULL,
	 "drop root and every capability once set up (default on; --no-drop-privileges keeps them)"},
	{"source-port", 'g', NULL, OPT_STRING, FIELD(source_ports), NOSET, 0, 0, "A-B",
	 "source ports of probes: one port (nmap's -g) or a range (default 32768-61000)"},
	{"adapter-port", 0, NULL, OPT_STRING, FIELD(source_ports), NOSET, 0, 0, "A-B",
	 "masscan's name for --source-port"},
	{"rate", 0, NULL, OPT_SI, FIELD(rate), NOSET, 0, UINT64_MAX, "PPS",
	 "probes per second in all (default 10000; 0 = as fast as possible)"},
	{"max-rate", 0, NULL, OPT_SI, FIELD(rate), NOSET, 0, UINT64_MAX, "PPS",
	 "nmap's name for --rate"},
	{"min-rate", 0, NULL, OPT_SI, FIELD(min_rate), NOSET, 0, UINT64_MAX, "PPS",
	 "send no slower than PPS: raises --rate (or a -T template's rate) to it"},
	{"timing", 'T', NULL, OPT_STRING, FIELD(timing), NOSET, 0, 0, "0-5",
	 "nmap's timing template: sets --rate, --max-retries, --cooldown, --grab-timeout and "
	 "--scan-delay unless given (see TIMING TEMPLATES)",
	 .choices = "0|1|2|3|4|5|paranoid|sneaky|polite|normal|aggressive|insane"},
	{"scan-delay", 0, NULL, OPT_MS, FIELD(scan_delay_ms), NOSET, 0, 3600000, "TIME",
	 "wait TIME between probes (ms, s, m, h suffixes; plain numbers are ms): at most "
	 "1/TIME probes per second"},
	{"bandwidth", 'B', NULL, OPT_SI, FIELD(bandwidth), NOSET, 1, UINT64_MAX, "BPS",
	 "bits per second on the wire (K, M, G suffixes); overrides --rate"},
	{"probes", 0, NULL, OPT_UINT, FIELD(probes), NOSET, 1, 16, "N",
	 "probes per target, sent in N rounds (default 1)"},
	{"cooldown", 0, NULL, OPT_UINT, FIELD(cooldown), NOSET, 0, 3600, "SECONDS",
	 "keep receiving this long after the last probe (default 8)"},
	{"cooldown-time", 0, NULL, OPT_UINT, FIELD(cooldown), NOSET, 0, 3600, "SECONDS",
	 "zmap's name for --cooldown"},
	{"max-retries", 0, NULL, OPT_UINT, FIELD(max_retries), NOSET, 0, 50, "N",
	 "UDP: resend unanswered probes of hosts that answered, up to N rounds >= 1.1 s "
	 "apart, until a round brings nothing (default 10, as nmap; 0 = once; closed ports "
	 "answer ~1 ICMP/s per host after 6). Free for TCP and silent hosts; on a large sweep "
	 "each round re-walks every probe (CPU) and resends the open|filtered ports of "
	 "answering hosts"},
	{"rx-threads", 0, NULL, OPT_UINT, FIELD(rx_threads), NOSET, 1, 16, "N",
	 "receive threads (default 1)"},
	{"vlan", 0, NULL, OPT_UINT, FIELD(vlan), NOSET, 1, 4094, "ID",
	 "send every probe with one 802.1Q tag (masscan's --vlan); replies may come tagged"},
	{"probe-ttl", 0, NULL, OPT_UINT, FIELD(probe_ttl), NOSET, 1, 255, "TTL",
	 "IP TTL of probes (default 64)"},
	{"ttl", 0, NULL, OPT_UINT, FIELD(probe_ttl), NOSET, 1, 255, "TTL",
	 "nmap's name for --probe-ttl"},
	{"tcp-options", 0, NULL, OPT_STRING, FIELD(tcp_options), NOSET, 0, 0, "PROFILE",
	 "SYN options: linux (default), windows, mss-only, none", .choices = "linux|windows|mss-only|none"},
	{"udp-payload", 0, NULL, OPT_LIST, FIELD(udp_payloads), NOSET, 0, 0, "PORT:DATA",
	 "UDP payload for a port: PORT:HEX, PORT:@FILE or PORT:NAME (repeatable)"},
	{"rx-pcap", 0, NULL, OPT_STRING, FIELD(rx_pcap), NOSET, 0, 0, "FILE",
	 "pcap backend: classify the replies in FILE instead of listening"},
	{"output-file", 0, NULL, OPT_STRING, FIELD(output_file), NOSET, 0, 0, "FILE",
	 "write results to FILE (default stdout)"},
	{"output-format", 0, NULL, OPT_STRING, FIELD(output_format), NOSET, 0, 0, "FORMAT",
	 "ndjson, csv, text or xml (default: text on a terminal, else ndjson)", .choices = "ndjson|csv|text|xml|grepable"},
	{"fields", 0, NULL, OPT_STRING, FIELD(fields), NOSET, 0, 0, "LIST",
	 "CSV fields to print, in order (see --list-fields)"},
	{"output-fields", 0, NULL, OPT_STRING, FIELD(fields), NOSET, 0, 0, "LIST",
	 "zmap's name for --fields"},
	{"list-fields", 0, NULL, OPT_FLAG, FIELD(list_fields), NOSET, 0, 0, NULL,
	 "print the result fields and exit", .cli_only = true},
	{"output-filter", 0, NULL, OPT_STRING, FIELD(output_filter), NOSET, 0, 0, "EXPR",
	 "report only results matching EXPR, e.g. \"state = open && port != 22\""},
	{"report-all", 0, NULL, OPT_FLAG, FIELD(report_all), NOSET, 0, 0, NULL,
	 "also report targets that never answered (filtered, open|filtered)"},
	{"reason", 0, NULL, OPT_FLAG, FIELD(reason), NOSET, 0, 0, NULL,
	 "a REASON column in the text report's port table (syn-ack ttl 64), as nmap's --reason"},
	{"open", 0, NULL, OPT_FLAG, FIELD(open_only), NOSET, 0, 0, NULL,
	 "report only open and open|filtered ports (nmap's --open; joins --output-filter)"},
	{"report-closed", 0, NULL, OPT_FLAG, FIELD(report_closed), NOSET, 0, 0, NULL,
	 "NDJSON/CSV: every answer (closed, filtered ...); by default only the hits: open "
	 "ports and hosts up (--report-all and --output-filter decide for themselves)"},
	{"no-dns", 0, "-n", OPT_FLAG, FIELD(no_dns), NOSET, 0, 0, NULL,
	 "no reverse DNS for the hosts the reports list (nmap's -n)"},
	{"resolve-all", 0, "-R", OPT_FLAG, FIELD(resolve_all), NOSET, 0, 0, NULL,
	 "reverse DNS for every host of the reports, up or not (nmap's -R)"},
	{"dns-servers", 0, NULL, OPT_STRING, FIELD(dns_servers), NOSET, 0, 0, "ADDR[:PORT],...",
	 "DNS servers for reverse DNS (default: those of /etc/resolv.conf)"},
	{"system-dns", 0, NULL, OPT_FLAG, FIELD(system_dns), NOSET, 0, 0, NULL,
	 "reverse DNS through the C library (getnameinfo), one host at a time"},
	{"output-normal", 0, "-oN", OPT_STRING, FIELD(normal_file), NOSET, 0, 0, "FILE",
	 "also write an Nmap-style text report to FILE (- for stdout)"},
	{"output-xml", 0, "-oX", OPT_STRING, FIELD(xml_file), NOSET, 0, 0, "FILE",
	 "also write Nmap XML to FILE (- for stdout)"},
	{"output-grepable", 0, "-oG", OPT_STRING, FIELD(grepable_file), NOSET, 0, 0, "FILE",
	 "also write Nmap grepable output to FILE (- for stdout)"},
	{"output-all", 0, "-oA", OPT_STRING, FIELD(all_base), NOSET, 0, 0, "BASE",
	 "write BASE.nmap, BASE.xml and BASE.gnmap at once (nmap's -oA)"},
	{"verbosity", 'v', NULL, OPT_UINT, FIELD(verbosity), NOSET, 0, 9, "LEVEL",
	 "-v, -vv or -v2: nmap's verbosity level (each -v adds one)", .counted = true},
	{"debug-level", 'd', NULL, OPT_UINT, FIELD(debug_level), NOSET, 0, 9, "LEVEL",
	 "-d, -dd or -d2: nmap's debugging level (each -d adds one)", .counted = true},
	{"metadata", 'm', NULL, OPT_STRING, FIELD(metadata_file), NOSET, 0, 0, "FILE",
	 "write one JSON object of scan metadata to FILE at the end"},
	{"output-postgres", 0, NULL, OPT_STRING, FIELD(output_postgres), NOSET, 0, 0, "CONNINFO",
	 "also write every result once into PostgreSQL (libpq CONNINFO; resumable exactly once)"},
	{"contact", 0, NULL, OPT_STRING, FIELD(contact), NOSET, 0, 0, "URL/EMAIL",
	 "who runs this scan: in the metadata, the HTTP User-Agent and the SSH client version"},
	{"notes", 0, NULL, OPT_STRING, FIELD(notes), NOSET, 0, 0, "TEXT",
	 "why this scan runs (recorded in the metadata)"},
	{"status", 0, NULL, OPT_FLAG, FIELD(status), NOSET, 0, 0, NULL,
	 "live status once a second on stderr even when it is not a terminal"},
	{"status-file", 0, NULL, OPT_STRING, FIELD(status_file), NOSET, 0, 0, "FILE",
	 "live status as NDJSON lines to FILE"},
	{"packet-trace", 0, NULL, OPT_FLAG, FIELD(packet_trace), NOSET, 0, 0, NULL,
	 "nmap's SENT/RCVD line per probe and per reply of this scan on stderr (the first 1000 "
	 "of each)"},
	{"config", 'c', NULL, OPT_STRING, FIELD(config_file), NOSET, 0, 0, "FILE",
	 "read options from a YAML file (keys are the long option names)", .cli_only = true},
	{"print-config", 0, NULL, OPT_FLAG, FIELD(print_config), NOSET, 0, 0, NULL,
	 "print the effective configuration as YAML and exit", .cli_only = true},
	{"grab", 0, "-sV", OPT_FLAG, FIELD(grab), NOSET, 0, 0, NULL,
	 "follow open TCP ports up: banner, service and version"},
	{"grab-concurrency", 0, NULL, OPT_UINT, FIELD(grab_concurrency), NOSET, 1, 100000, "N",
	 "connections open at once for banner grabs (default 1000)"},
	{"grab-threads", 0, NULL, OPT_UINT, FIELD(grab_threads), NOSET, 1, 64, "N",
	 "follow-up threads, each with its own event loop (default 1)"},
	{"grab-timeout", 0, NULL, OPT_UINT, FIELD(grab_timeout), NOSET, 1, 3600, "SECONDS",
	 "time limit per banner-grab connection (default 10)"},
	{"grab-max-bytes", 0, NULL, OPT_SI, FIELD(grab_max_bytes), NOSET, 1, 1ULL << 30, "BYTES",
	 "bytes read per connection at most (default 65536)"},
	{"grab-source-ip", 0, NULL, OPT_STRING, FIELD(grab_source_ip), NOSET, 0, 0, "ADDR",
	 "source address of banner-grab connections"},
	{"service-probes", 0, NULL, OPT_STRING, FIELD(service_probes), NOSET, 0, 0, "FILE",
	 "nmap-service-probes file for -sV (default /usr/share/nmap/nmap-service-probes)"},
	{"version-intensity", 0, NULL, OPT_UINT, FIELD(version_intensity), NOSET, 0, 9, "N",
	 "-sV: send the probes of rarity <= N (0-9, default 7) after the port's own"},
	{"version-light", 0, NULL, OPT_FLAG, FIELD(version_light), NOSET, 0, 0, NULL,
	 "-sV: --version-intensity 2"},
	{"version-all", 0, NULL, OPT_FLAG, FIELD(version_all), NOSET, 0, 0, NULL,
	 "-sV: --version-intensity 9 (every probe)"},
	{"version-trace", 0, NULL, OPT_FLAG, FIELD(version_trace), NOSET, 0, 0, NULL,
	 "-sV: one line on stderr per probe sent and answer judged"},
	{"noninteractive", 0, NULL, OPT_FLAG, FIELD(nmap_noop), NOSET, 0, 0, NULL,
	 "accepted for nmap users: orbit reads no keys while scanning", .cli_only = true},
	{"send-eth", 0, NULL, OPT_FLAG, FIELD(nmap_noop), NOSET, 0, 0, NULL,
	 "accepted for nmap users: orbit always sends Ethernet frames", .cli_only = true},
	{"script-default", 0, "-sC", OPT_FLAG, FIELD(script_default), NOSET, 0, 0, NULL,
	 "run the default scripts on open ports (--script default)"},
	{"script", 0, NULL, OPT_STRING, FIELD(script), NOSET, 0, 0, "EXPR",
	 "scripts to run: names, categories, paths, \"default and safe\" ..."},
	{"script-args", 0, NULL, OPT_STRING, FIELD(script_args), NOSET, 0, 0, "K=V,...",
	 "arguments for the scripts"},
	{"script-dir", 0, NULL, OPT_STRING, FIELD(script_dir), NOSET, 0, 0, "DIR",
	 "a folder of more scripts, selectable by name and category"},
	{"script-timeout", 0, NULL, OPT_UINT, FIELD(script_timeout), NOSET, 1, 86400, "SECONDS",
	 "time limit per script invocation (default 30)"},
	{"script-concurrency", 0, NULL, OPT_UINT, FIELD(script_concurrency), NOSET, 1, 100000, "N",
	 "script invocations running at once (default 256)"},
	{"script-memory", 0, NULL, OPT_SI, FIELD(script_memory), NOSET, 1ULL << 20, 1ULL << 32,
	 "BYTES", "memory limit per script invocation (default 32 MiB)"},
	{"script-errors", 0, NULL, OPT_FLAG, FIELD(script_errors), NOSET, 0, 0, NULL,
	 "report a script's error as its output, as nmap -d does"},
	{"os-detect", 0, "-O", OPT_FLAG, FIELD(os_detect), NOSET, 0, 0, NULL,
	 "OS detection: nmap's probes to hosts with an open and a closed TCP port"},
	{"osscan-limit", 0, NULL, OPT_FLAG, FIELD(osscan_limit), NOSET, 0, 0, NULL,
	 "-O only for hosts with both an open and a closed TCP port (nmap's)"},
	{"osscan-guess", 0, NULL, OPT_FLAG, FIELD(osscan_guess), NOSET, 0, 0, NULL,
	 "-O: print the closest guesses even when no match is near (nmap's)"},
	{"max-os-tries", 0, NULL, OPT_UINT, FIELD(max_os_tries), NOSET, 1, 50, "N",
	 "-O: rounds of OS probes per host at most (default 5, as nmap)"},
	{"quiet", 'q', NULL, OPT_FLAG, FIELD(quiet), NOSET, 0, 0, NULL, "no status or notes on stderr"},
	{"help", 'h', NULL, OPT_FLAG, FIELD(show_help), NOSET, 0, 0, NULL, "this help",
	 .cli_only = true},
	{"version", 'V', NULL, OPT_FLAG, FIELD(show_version), NOSET, 0, 0, NULL,
	 "print the version", .cli_only = true},
};
#pragma GCC diagnostic pop


const size_t option_count = sizeof option_table / sizeof option_table[0];
enum { NOPTIONS = sizeof option_table / sizeof option_table[0] };
_Static_assert(NOPTIONS <= sizeof ((struct orbit_config *)0)->option_given,
	       "orbit_config.option_given needs one slot per option");

const struct option_section option_sections[] = {
	{"ports", "Targets and ports"},
	{"syn", "Scan type"},
	{"seed", "Probe order, shards and limits"},
	{"backend", "Sending and receiving"},
	{"output-file", "Output and status"},
	{"config", "Configuration files"},
	{"grab", "Banners, services and versions"},
	{"script-default", "Scripts"},
	{"os-detect", "OS detection"},
	{"quiet", "General"},
};
const size_t option_section_count = sizeof option_sections / sizeof option_sections[0];

void config_init(struct orbit_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->shards = 1;
	cfg->tx_threads = 1;
	cfg->rate = 10000;
	cfg->probes = 1;
	cfg->cooldown = 8;
	cfg->max_retries = 10; /* nmap's default: enough for a host whose ICMP bucket is empty (1/s) */
	cfg->drop_privileges = true;
	cfg->rx_threads = 1;
	cfg->probe_ttl = 64;
	cfg->tcp_options = "linux";
	cfg->source_ports = "32768-61000";
	cfg->grab_concurrency = 1000;
	cfg->grab_threads = 1;
	cfg->grab_timeout = 10;
	cfg->grab_max_bytes = 65536;
	cfg->script_timeout = 30;
	cfg->script_concurrency = 256;
	cfg->script_memory = 32u << 20;
	cfg->max_os_tries = 5;
	cfg->version_intensity = 7;
}

void config_free(struct orbit_config *cfg)
{
	free(cfg->targets);
	cfg->targets = NULL;
	cfg->ntargets = 0;
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		if (o->kind != OPT_LIST || option_canonical(o) != o)
			continue;
		struct str_list *l = (struct str_list *)((char *)cfg + o->offset);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
	for (size_t i = 0; i < cfg->owned_strings.n; i++)
		free(cfg->owned_strings.v[i]);
	free(cfg->owned_strings.v);
	cfg->owned_strings.v = NULL;
	cfg->owned_strings.n = 0;
}

unsigned config_default_protos(const struct orbit_config *cfg)
{
	unsigned protos = cfg->scan_udp ? PROTO_BIT(PROTO_UDP) : 0;
	if (cfg->scan_syn || cfg->scan_ack || !cfg->scan_udp)
		protos |= PROTO_BIT(PROTO_TCP);
	return protos;
}

const char *config_keep_string(struct orbit_config *cfg, const char *s, size_t len)
{
	char **nv = realloc(cfg->owned_strings.v, (cfg->owned_strings.n + 1) * sizeof *nv);
	if (!nv)
		return NULL;
	cfg->owned_strings.v = nv;
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	cfg->owned_strings.v[cfg->owned_strings.n++] = copy;
	return copy;
}

int config_add_target(struct orbit_config *cfg, const char *target)
{
	const char **nv = realloc(cfg->targets, (cfg->ntargets + 1) * sizeof *nv);
	if (!nv)
		return -1;
	cfg->targets = nv;
	cfg->targets[cfg->ntargets++] = target;
	return 0;
}

const struct option_spec *option_by_name(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(option_table[i].name, name) == 0)
			return &option_table[i];
	return NULL;
}

const struct option_spec *option_canonical(const struct option_spec *o)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (option_table[i].offset == o->offset)
			return &option_table[i];
	return o;
}

const char *option_section_starting_at(const struct option_spec *o)
{
	for (size_t s = 0; s < option_section_count; s++)
		if (strcmp(option_sections[s].first, o->name) == 0)
			return option_sections[s].title;
	return NULL;
}

static void *field(struct orbit_config *cfg, size_t offset)
{
	return (char *)cfg + offset;
}

static const void *cfield(const struct orbit_config *cfg, size_t offset)
{
	return (const char *)cfg + offset;
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether o's field holds the same value in a and b (strings by content). */
bool option_values_equal(const struct option_spec *o, const struct orbit_config *a,
			const struct orbit_config *b)
{
	switch (o->kind) {
	case OPT_FLAG:
		return *(const bool *)cfield(a, o->offset) == *(const bool *)cfield(b, o->offset);
	case OPT_STRING:
		return same_string(*(const char *const *)cfield(a, o->offset),
				   *(const char *const *)cfield(b, o->offset));
	case OPT_UINT:
	case OPT_MS:
		return *(const unsigned *)cfield(a, o->offset) ==
		       *(const unsigned *)cfield(b, o->offset);
	case OPT_U64:
	case OPT_SI:
		return *(const uint64_t *)cfield(a, o->offset) ==
		       *(const uint64_t *)cfield(b, o->offset);
	case OPT_LIST: {
		const struct str_list *la = cfield(a, o->offset), *lb = cfield(b, o->offset);
		if (la->n != lb->n)
			return false;
		for (size_t i = 0; i < la->n; i++)
			if (!same_string(la->v[i], lb->v[i]))
				return false;
		return true;
	}
	}
	return false;
}

bool config_same_settings(const struct orbit_config *a, const struct orbit_config *b)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_spec *o = &option_table[i];
		if (o->cli_only)
			continue;
		if (!option_values_equal(o, a, b))
			return false;
		if (o->set_offset != NOSET &&
		    *(const bool *)cfield(a, o->set_offset) != *(const bool *)cfield(b, o->set_offset))
			return false;
	}
	if (a->ntargets != b->ntargets)
		return false;
	for (size_t i = 0; i < a->ntargets; i++)
		if (!same_string(a->targets[i], b->targets[i]))
			return false;
	return true;
}

void option_reset(struct orbit_config *cfg, const struct option_spec *o)
{
	struct orbit_config defaults;
	config_init(&defaults);
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)field(cfg, o->offset) = *(bool *)field(&defaults, o->offset);
		break;
	case OPT_STRING:
		*(const char **)field(cfg, o->offset) = *(const char **)field(&defaults, o->offset);
		break;
	case OPT_UINT:
	case OPT_MS:
		*(unsigned *)field(cfg, o->offset) = *(unsigned *)field(&defaults, o->offset);
		break;
	case OPT_U64:
	case OPT_SI:
		*(uint64_t *)field(cfg, o->offset) = *(uint64_t *)field(&defaults, o->offset);
		break;
	case OPT_LIST:
		((struct str_list *)field(cfg, o->offset))->n = 0;
		break;
	}
	if (o->set_offset != NOSET)
		*(bool *)field(cfg, o->set_offset) = false;
	cfg->option_given[option_canonical(o) - option_table] = false;
}

/* Decimal, or hexadecimal after 0x; never octal (a leading zero is not a base). */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end != '\0' || end == s + (base == 16 ? 2 : 0))
		return -1;
	*out = v;
	return 0;
}

/* "10000", "1.5M", "10G": powers of 1000, as rates and bandwidths are written. Whole
 * numbers are exact over the full 64 bits; fractions go through a double. */
static int parse_si(const char *s, uint64_t *out)
{
	size_t digits = strspn(s, "0123456789.");
	if (digits == 0 || !isdigit((unsigned char)s[0]))
		return -1;
	const char *suffix = s + digits;
	uint64_t mult = 1;
	if (*suffix == 'k' || *suffix == 'K')
		mult = 1000;
	else if (*suffix == 'M')
		mult = 1000000;
	else if (*suffix == 'G')
		mult = 1000000000;
	if (mult != 1)
		suffix++;
	if (*suffix != '\0')
		return -1;
	const char *dot = memchr(s, '.', digits);
	if (!dot) {
		uint64_t whole = 0;
		for (size_t i = 0; i < digits; i++) {
			unsigned d = (unsigned)(s[i] - '0');
			if (whole > (UINT64_MAX - d) / 10)
				return -1;
			whole = whole * 10 + d;
		}
		if (whole > UINT64_MAX / mult)
			return -1;
		*out = whole * mult;
		return 0;
	}
	if (memchr(dot + 1, '.', digits - (size_t)(dot - s) - 1) || dot + 1 == s + digits)
		return -1;
	double v = strtod(s, NULL) * (double)mult;
	if (v >= 1.8e19)
		return -1;
	*out = (uint64_t)(v + 0.5);
	return 0;
}

/* nmap's <time>: "500" and "500ms" are milliseconds, then s, m and h. */
static int parse_ms(const char *s, uint64_t *out)
{
	char digits[24];
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n >= sizeof digits)
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	uint64_t v;
	if (parse_u64(digits, &v) < 0)
		return -1;
	const char *unit = s + n;
	uint64_t mult = strcmp(unit, "") == 0 || strcmp(unit, "ms") == 0 ? 1
			: strcmp(unit, "s") == 0 ? 1000
			: strcmp(unit, "m") == 0 ? 60000
			: strcmp(unit, "h") == 0 ? 3600000 : 0;
	if (mult == 0 || v > UINT32_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* Whether value is one of the '|'-separated words of choices. */
static bool is_choice(const char *choices, const char *value)
{
	size_t len = strlen(value);
	for (const char *c = choices; *c;) {
		size_t n = strcspn(c, "|");
		if (n == len && strncmp(c, value, n) == 0)
			return true;
		c += n + (c[n] == '|');
	}
	return false;
}

/* "a, b or c" from "a|b|c", for messages. */
static void describe_choices(const char *choices, char *buf, size_t size)
{
	size_t used = 0, words = 1;
	for (const char *c = choices; *c; c++)
		words += *c == '|';
	size_t w = 0;
	for (const char *c = choices; *c && used + 1 < size; w++) {
		size_t n = strcspn(c, "|");
		int len = snprintf(buf + used, size - used, "%s%.*s",
				   w == 0 ? "" : w + 1 == words ? " or " : ", ", (int)n, c);
		if (len < 0)
			break;
		used += (size_t)len;
		c += n + (c[n] == '|');
	}
	buf[used < size ? used : size - 1] = '\0';
}

/* "a number 1-16", or "a number" when any 64-bit value goes. */
static void describe_range(const struct option_spec *o, char *buf, size_t size)
{
	if (o->max == UINT64_MAX && o->min == 0)
		snprintf(buf, size, "a number");
	else if (o->max == UINT64_MAX)
		snprintf(buf, size, "a number from %llu", (unsigned long long)o->min);
	else
		snprintf(buf, size, "a number %llu-%llu", (unsigned long long)o->min,
			 (unsigned long long)o->max);
}

int option_apply(struct orbit_config *cfg, const struct option_spec *o, const char *value,
		 const char *label, struct errbuf *e)
{
	uint64_t v = 0;
	switch (o->kind) {
	case OPT_SI:
		if (parse_si(value, &v) < 0 || v < o->min || v > o->max) {
			char range[64];
			describe_range(o, range, sizeof range);
			return err_set(e, "invalid value '%s' for %s: expected %s (K, M, G "
					  "suffixes allowed)", value, label, range);
		}
		*(uint64_t *)field(cfg, o->offset) = v;
		break;
	case OPT_LIST: {
		struct str_list *l = field(cfg, o->offset);
		if (*value == '\0')
			return err_set(e, "invalid value '' for %s: expected %s", label, o->arg);
		const char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
		if (!nv)
			return err_set(e, "out of memory");
		l->v = nv;
		l->v[l->n++] = value;
		break;
	}
	case OPT_FLAG:
		*(bool *)field(cfg, o->offset) = true;
		break;
	case OPT_STRING:
		if (*value == '\0')
			return err_set(e, "invalid value '' for %s: expected %s", label, o->arg);
		if (o->choices && !is_choice(o->choices, value)) {
			char words[128];
			describe_choices(o->choices, words, sizeof words);
			return err_set(e, "invalid value '%s' for %s: expected %s", value, label,
				       words);
		}
		*(const char **)field(cfg, o->offset) = value;
		break;
	case OPT_MS:
		if (parse_ms(value, &v) < 0 || v < o->min || v > o->max)
			return err_set(e, "invalid value '%s' for %s: expected a time up to %llu ms "
					  "(ms, s, m, h suffixes)", value, label,
				       (unsigned long long)o->max);
		*(unsigned *)field(cfg, o->offset) = (unsigned)v;
		break;
	case OPT_UINT:
	case OPT_U64:
		if (o->word && strcmp(value, o->word) == 0) {
			*(bool *)field(cfg, o->word_offset) = true;
			break;
		}
		if (parse_u64(value, &v) < 0 || v < o->min || v > o->max) {
			char range[64];
			describe_range(o, range, sizeof range);
			return err_set(e, "invalid value '%s' for %s: expected %s", value, label,
				       range);
		}
		if (o->kind == OPT_UINT)
			*(unsigned *)field(cfg, o->offset) = (unsigned)v;
		else
			*(uint64_t *)field(cfg, o->offset) = v;
		break;
	}
	if (o->set_offset != NOSET)
		*(bool *)field(cfg, o->set_offset) = true;
	cfg->option_given[option_canonical(o) - option_table] = true;
	return 0;
}

/* Outputs that would overwrite each other. Paths are compared as written; "-" (stdout)
 * is left to output/, which lets -oN - take stdout from the default output. */
static int check_output_clashes(const struct orbit_config *cfg, struct errbuf *e)
{
	const struct {
		const char *flag;
		const char *path;
	} outs[] = {
		{"--output-file", cfg->output_file},        {"-oN", cfg->normal_file},
		{"-oX", cfg->xml_file},          {"-oG", cfg->grepable_file},
		{"-m", cfg->metadata_file},      {"--status-file", cfg->status_file},
		{"--checkpoint", cfg->checkpoint_file},
	};
	size_t n = sizeof outs / sizeof outs[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (outs[i].path && outs[j].path && strcmp(outs[i].path, "-") != 0 &&
			    strcmp(outs[i].path, outs[j].path) == 0)
				return err_set(e, "conflicting outputs: %s and %s both write to '%s'",
					       outs[i].flag, outs[j].flag, outs[i].path);
	return 0;
}

int config_check(const struct orbit_config *cfg, struct errbuf *e)
{
	if (cfg->scan_syn && cfg->scan_ack)
		return err_set(e, "conflicting scan types -sS and -sA: choose one TCP probe");
	if (cfg->ping_sweep && (cfg->scan_syn || cfg->scan_ack || cfg->scan_udp))
		return err_set(e, "conflicting scan types: -sn (ping sweep) with a port scan");
	if (cfg->ping_sweep && (cfg->ports || cfg->top_ports))
		return err_set(e, "a ping sweep (-sn) takes no ports: drop -p/--top-ports");
	if (cfg->ping_sweep && cfg->grab)
		return err_set(e, "conflicting options -sV and -sn: banners need open TCP ports, "
				  "a ping sweep finds none");
	if (cfg->fast && (cfg->ports || cfg->top_ports))
		return err_set(e, "conflicting options -F and %s: -F is the top 100 ports",
			       cfg->ports ? "-p" : "--top-ports");
	if (cfg->ping_sweep && cfg->fast)
		return err_set(e, "a ping sweep (-sn) takes no ports: drop -F");
	if (cfg->rx_pcap && cfg->backend && strcmp(cfg->backend, "pcap") != 0)
		return err_set(e, "--rx-pcap reads replies with the pcap backend, not '%s'", cfg->backend);
	if (!cfg->shard_auto && cfg->shard >= cfg->shards)
		return err_set(e, "invalid --shard %u: must be below --shards %u (shards count from 0)",
			       cfg->shard, cfg->shards);
	/* A checkpoint holds one position per arc, not a round: resuming a multi-round
	 * scan would repeat the rounds already done. */
	if (cfg->probes > 1 && (cfg->checkpoint_file || cfg->resume_file))
		return err_set(e, "conflicting options --probes %u and --%s: checkpoints support one "
				  "probe per target", cfg->probes,
			       cfg->checkpoint_file ? "checkpoint" : "resume");
	return check_output_clashes(cfg, e);
}


void config_error_one_line(struct errbuf *e)
{
	char out[sizeof e->msg];
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)e->msg; *p && n + 5 < sizeof out; p++) {
		if (*p == '\n')
			n += (size_t)snprintf(out + n, sizeof out - n, "\\n");
		else if (*p == '\t')
			n += (size_t)snprintf(out + n, sizeof out - n, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(out + n, sizeof out - n, "\\x%02x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	memcpy(e->msg, out, n + 1);
}
