/* nmap's options orbit refuses by name, and the full-name rule for long options (see
 * config/nmap_cli.h). */
#include "config/nmap_cli.h"

#include <stdio.h>
#include <string.h>

#include "config/option_table.h"

/* Every option of `nmap --help` (7.93) that orbit does not implement and no other part of
 * orbit owns. attached: nmap lets a value follow without a space ("-PY22", "-PO1"). */
static const struct nmap_refusal {
	const char *flag;
	const char *what;
	bool attached;
} refusals[] = {
	{"-iR", "random targets", false},
	{"--exclude", "exclude hosts; use --blocklist-file FILE", false},
	{"-sL", "list scan; --dry-run prints every probe instead", false},
	{"-PY", "SCTP INIT discovery", true},
	{"-PM", "ICMP netmask discovery", false},
	{"-PO", "IP protocol ping", true},
	{"--traceroute", "traceroute", false},
	{"-sT", "TCP connect scan", false},
	{"-sW", "TCP Window scan", false},
	{"-sM", "TCP Maimon scan", false},
	{"-sN", "TCP Null scan", false},
	{"-sF", "TCP FIN scan", false},
	{"-sX", "TCP Xmas scan", false},
	{"-sI", "idle scan", false},
	{"-sY", "SCTP INIT scan", false},
	{"-sZ", "SCTP COOKIE-ECHO scan", false},
	{"-sO", "IP protocol scan", false},
	{"--scanflags", "custom TCP scan flags", false},
	{"-b", "FTP bounce scan; the blocklist is --blocklist-file", true},
	{"--exclude-ports", "excluded ports", false},
	{"--port-ratio", "ports by frequency ratio; use --top-ports N", false},
	{"--version-trace", "version scan trace", false},
	{"--min-hostgroup", "host group sizes; orbit is stateless", false},
	{"--max-hostgroup", "host group sizes; orbit is stateless", false},
	{"--min-parallelism", "probe parallelism; orbit paces by --rate", false},
	{"--max-parallelism", "probe parallelism; orbit paces by --rate", false},
	{"--min-rtt-timeout", "RTT timeouts; orbit waits --cooldown after the last probe", false},
	{"--max-rtt-timeout", "RTT timeouts; orbit waits --cooldown after the last probe", false},
	{"--initial-rtt-timeout", "RTT timeouts; orbit waits --cooldown after the last probe",
	 false},
	{"--host-timeout", "per-host timeout; orbit keeps no per-host state", false},
	{"--max-scan-delay", "adaptive scan delay; use --scan-delay", false},
	{"-f", "packet fragmentation; CSV fields are --fields", true},
	{"--mtu", "packet fragmentation", false},
	{"-D", "decoys", true},
	{"--proxies", "proxies", false},
	{"--data", "custom payload; UDP payloads are --udp-payload", false},
	{"--data-string", "custom payload; UDP payloads are --udp-payload", false},
	{"--data-length", "random payload", false},
	{"--ip-options", "IP options", false},
	{"--spoof-mac", "MAC spoofing; use --source-mac MAC", false},
	{"--badsum", "bogus checksums", false},
	{"-oS", "script kiddie output", false},
	{"--iflist", "interface list", false},
	{"--append-output", "appending to output files", false},
	{"--stylesheet", "XSL stylesheet", false},
	{"--webxml", "XSL stylesheet", false},
	{"--no-stylesheet", "XSL stylesheet", false},
	{"-A", "OS, version, script and traceroute all at once", false},
	{"--datadir", "data directory", false},
	{"--send-ip", "sending IP packets; orbit sends Ethernet frames", false},
	{"--privileged", "privilege assumptions", false},
	{"--unprivileged", "unprivileged scanning", false},
};

/* Whether the table now takes this flag (a merge added it): then it is not refused. */
static bool table_takes(const char *flag)
{
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		if ((o->nmap_alias && strcmp(o->nmap_alias, flag) == 0) ||
		    (flag[1] == '-' && strcmp(o->name, flag + 2) == 0) ||
		    (flag[1] != '-' && !flag[2] && o->short_name == flag[1]))
			return true;
	}
	return false;
}

static bool refusal_matches(const struct nmap_refusal *r, const char *token)
{
	size_t n = strlen(r->flag);
	if (strncmp(token, r->flag, n) != 0)
		return false;
	if (token[n] == '\0')
		return true;
	if (r->flag[1] == '-')
		return token[n] == '=';
	return r->attached;
}

int nmap_cli_refusal(const char *token, struct errbuf *e)
{
	if (strcmp(token, "-6") == 0)
		return err_set(e, "-6 (IPv6) is not supported yet");
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
		if (refusal_matches(&refusals[i], token) && !table_takes(refusals[i].flag))
			return err_set(e, "nmap's %s (%s) is not supported", refusals[i].flag,
				       refusals[i].what);
	return 0;
}

/* Levenshtein distance of a[0..na) and b, bounded: names are short. */
static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b);
	if (na > 63 || nb > 63)
		return 64;
	size_t row[64];
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

int long_option_check(const char *token, bool *takes_value, struct errbuf *e)
{
	const char *name = token + 2;
	size_t len = strcspn(name, "=");
	const struct option_spec *nearest = NULL;
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		bool negatable = o->kind == OPT_FLAG && !o->cli_only;
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
			*takes_value = o->kind != OPT_FLAG;
			return 0;
		}
		if (negatable && len == strlen(o->name) + 3 && strncmp(name, "no-", 3) == 0 &&
		    strncmp(o->name, name + 3, len - 3) == 0) {
			*takes_value = false;
			return 0;
		}
		/* A prefix ("--ra" of --rate) is as near as it gets: getopt would have taken it. */
		size_t d = strncmp(o->name, name, len) == 0 ? 1 : edit_distance(name, len, o->name);
		if (d < best) {
			best = d;
			nearest = o;
		}
	}
	if (nearest && best <= 1 + len / 3)
		return err_set(e, "unknown option '--%.*s'; did you mean --%s?", (int)len, name,
			       nearest->name);
	return err_set(e, "unknown option '--%.*s'", (int)len, name);
}
