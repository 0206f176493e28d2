/* --help and the orbit(1) man page, both generated from the option table so neither can
 * miss an option (tests/cli/test_config.sh checks every table entry against both). */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/option_table.h"
#include "config/timing.h"

void config_print_help(FILE *out)
{
	fprintf(out, "usage: orbit [options] TARGETS...\n"
		     "       orbit -c FILE.yaml [options] [TARGETS...]\n"
		     "TARGETS: addresses, CIDRs, a.b.c.d-e.f.g.h ranges, hostnames\n");
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		const char *title = option_section_starting_at(o);
		if (title)
			fprintf(out, "\n%s:\n", title);
		char flags[80];
		int len = 0;
		if (o->short_name)
			len += snprintf(flags + len, sizeof flags - (size_t)len, "-%c, ", o->short_name);
		if (o->nmap_alias)
			len += snprintf(flags + len, sizeof flags - (size_t)len, "%s, ", o->nmap_alias);
		snprintf(flags + len, sizeof flags - (size_t)len, "--%s%s%s", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", flags, o->help);
	}
	fprintf(out, "\nEvery flag --X also has a --no-X form that clears it (to override a -c file).\n"
		     "In a -c file, every long option is a key: see orbit(1) or --print-config.\n");
}

/* Text in roff: a backslash is \e, a '-' is \- (a minus, so copy-paste gives an ASCII
 * hyphen), and a line may not start with '.' or '\'' (a request). */
static void roff_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void man_option(FILE *out, const struct option_spec *o)
{
	fputs(".TP\n", out);
	if (o->short_name)
		fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
	if (o->nmap_alias) {
		fputs("\\fB", out);
		roff_text(out, o->nmap_alias);
		fputs("\\fR, ", out);
	}
	fputs("\\fB\\-\\-", out);
	roff_text(out, o->name);
	fputs("\\fR", out);
	if (o->arg) {
		fputs(" \\fI", out);
		roff_text(out, o->arg);
		fputs("\\fR", out);
	}
	fputs("\n", out);
	roff_text(out, o->help);
	fputs(".\n", out);
	if (o->choices) {
		fputs("One of: ", out);
		for (const char *c = o->choices; *c; c++) {
			if (*c == '|')
				fputs(", ", out);
			else if (*c == '-')
				fputs("\\-", out);
			else
				fputc(*c, out);
		}
		fputs(".\n", out);
	}
	if (o->cli_only)
		fputs("Command line only (not a config-file key).\n", out);
}

/* nmap's, zmap's and masscan's options as orbit reads them (the refused nmap options are
 * config/nmap_cli.c's table; orbit names each in its one-line refusal). */
static void man_other_tools(FILE *out)
{
	fputs(".SH NMAP, ZMAP AND MASSCAN OPTIONS\n"
	      "nmap's letters and flags that orbit takes, as nmap means them:\n"
	      ".PP\n.nf\n"
	      "\\-p PORTS, \\-F, \\-\\-top\\-ports N   ports (default: the top 1000)\n"
	      "\\-sS \\-sU \\-sA \\-sn \\-Pn \\-sV    scan types, as nmap\n"
	      "\\-iL FILE, \\-\\-excludefile FILE  targets from FILE; \\-\\-blocklist\\-file\n"
	      "\\-T0 .. \\-T5 (\\-Tparanoid ..)  \\-\\-timing: see TIMING TEMPLATES\n"
	      "\\-\\-min\\-rate, \\-\\-max\\-rate        \\-\\-min\\-rate, \\-\\-rate\n"
	      "\\-\\-max\\-retries, \\-\\-scan\\-delay   as nmap (UDP retry rounds; a pace cap)\n"
	      "\\-e IF, \\-S ADDR, \\-g PORT       \\-\\-interface, \\-\\-source\\-ip, \\-\\-source\\-port\n"
	      "\\-\\-ttl TTL                      \\-\\-probe\\-ttl\n"
	      "\\-oN \\-oX \\-oG FILE, \\-oA BASE   nmap's reports (BASE.nmap, BASE.xml, BASE.gnmap)\n"
	      "\\-v \\-vv \\-v2, \\-d \\-dd \\-d2      \\-\\-verbosity, \\-\\-debug\\-level (kept in the\n"
	      "                               configuration; output does not change yet)\n"
	      "\\-\\-resume FILE, \\-V, \\-h         orbit's own checkpoint format\n"
	      "\\-\\-open                         \\-\\-open (an output filter: open, open|filtered)\n"
	      "\\-r                             \\-\\-ports\\-in\\-order (hosts, then ports, ascending)\n"
	      "\\-\\-reason                       \\-\\-reason (a REASON column in the text report)\n"
	      "\\-\\-packet\\-trace                 SENT/RCVD lines on stderr (the first 1000 of each)\n"
	      "\\-\\-noninteractive, \\-\\-send\\-eth  accepted: nothing to do\n"
	      ".fi\n.PP\n"
	      "Every other option of \\fBnmap \\-\\-help\\fR (\\-sT, \\-sI, \\-b, \\-f, \\-D, \\-A,\n"
	      "\\-\\-traceroute, \\-\\-host\\-timeout, \\-\\-mtu, \\-\\-spoof\\-mac, ...) is\n"
	      "refused in one line naming that nmap option, with exit status 2. \\fB\\-6\\fR: IPv6 is not supported yet.\n"
	      ".PP\n"
	      "zmap's and masscan's letters that nmap uses otherwise are long options in orbit:\n"
	      ".PP\n.nf\n"
	      "zmap \\-o, \\-O, \\-f     \\-\\-output\\-file, \\-\\-output\\-format, \\-\\-fields (\\-\\-output\\-fields)\n"
	      "zmap \\-b, \\-w         \\-\\-blocklist\\-file (masscan's \\-\\-excludefile), \\-\\-allowlist\\-file (\\-w stays)\n"
	      "zmap \\-r, \\-B         \\-\\-rate (nmap's \\-\\-max\\-rate), \\-\\-bandwidth (\\-B stays)\n"
	      "zmap \\-n, \\-P, \\-e     \\-\\-max\\-targets, \\-\\-probes, \\-\\-seed\n"
	      "zmap \\-T              \\-\\-tx\\-threads (zmap's \\-\\-sender\\-threads)\n"
	      "zmap \\-i, \\-s         \\-\\-interface (nmap's \\-e), \\-\\-source\\-port (nmap's \\-g)\n"
	      "zmap \\-c              \\-\\-cooldown (zmap's \\-\\-cooldown\\-time); orbit's \\-c is \\-\\-config\n"
	      "zmap \\-S, \\-G         unchanged (\\-\\-source\\-ip, \\-\\-gateway\\-mac)\n"
	      "masscan \\-\\-adapter, \\-\\-adapter\\-ip, \\-\\-adapter\\-port, \\-\\-adapter\\-mac, \\-\\-router\\-mac\n"
	      "                    \\-\\-interface, \\-\\-source\\-ip, \\-\\-source\\-port, \\-\\-source\\-mac,\n"
	      "                    \\-\\-gateway\\-mac\n"
	      ".fi\n"
	      "zmap's \\-\\-shards, \\-\\-shard, \\-\\-output\\-filter and \\-\\-max\\-targets keep their names.\n",
	      out);
}

void config_print_man(FILE *out)
{
	fprintf(out,
		".\\\" Generated from the option table (config/options.c) by orbit_gen_man.\n"
		".TH ORBIT 1 \"\" \"orbit %s\" \"User Commands\"\n"
		".SH NAME\n"
		"orbit \\- internet\\-scale network scanner\n"
		".SH SYNOPSIS\n"
		".B orbit\n"
		"[\\fIoptions\\fR] \\fITARGETS\\fR...\n"
		".br\n"
		".B orbit \\-c\n"
		"\\fIFILE.yaml\\fR [\\fIoptions\\fR] [\\fITARGETS\\fR...]\n"
		".SH DESCRIPTION\n"
		"\\fBorbit\\fR sends one probe per (address, port) of the targets, in a random order\n"
		"fixed by a seed, at a set rate, and reports each answer: the port state as Nmap\n"
		"names it (open, closed, filtered, unfiltered, open|filtered), the reason and, with\n"
		"\\fB\\-sV\\fR, the service banner and version.\n"
		".PP\n"
		"\\fITARGETS\\fR are IPv4 addresses, CIDR blocks, a.b.c.d\\-e.f.g.h ranges and\n"
		"hostnames. Addresses of the IANA special\\-purpose registry are never scanned unless\n"
		"\\fB\\-\\-blocklist\\-file\\fR names another blocklist. Without \\fB\\-p\\fR, the\n"
		"top 1000 ports of \\fI/usr/share/nmap/nmap\\-services\\fR (UDP with \\fB\\-sU\\fR), as\n"
		"nmap; \\fB\\-F\\fR the top 100. When that file (Debian's nmap\\-common) is missing,\n"
		"a list of the top 1000 shipped with orbit, made from the same file, stands in.\n"
		".PP\n"
		"Single letters and nmap's multi\\-letter flags (\\fB\\-sS\\fR, \\fB\\-oX\\fR,\n"
		"\\fB\\-iL\\fR) mean what they mean to nmap; zmap's and masscan's long names are\n"
		"kept (see NMAP, ZMAP AND MASSCAN OPTIONS). Long options are spelt in full: an\n"
		"abbreviation is refused, and a misspelt one gets the nearest name. Conflicting or\n"
		"unknown options are reported in one line, and orbit exits with status 2 before\n"
		"sending anything.\n"
		"Every flag \\fB\\-\\-\\fIX\\fR also has a \\fB\\-\\-no\\-\\fIX\\fR form that clears it.\n"
		"Numbers are decimal (or hexadecimal after 0x); rates and sizes take K, M and G\n"
		"suffixes (powers of 1000).\n",
		ORBIT_VERSION);
	fputs(".SH OPTIONS\n", out);
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		const char *title = option_section_starting_at(o);
		if (title) {
			fputs(".SS ", out);
			roff_text(out, title);
			fputs("\n", out);
		}
		man_option(out, o);
	}
	man_other_tools(out);
	timing_print_man(out);
	fputs(".SH CONFIGURATION FILES\n"
	      "\\fB\\-c\\fR \\fIFILE\\fR reads a YAML mapping whose keys are the long option names\n"
	      "(without the dashes) and \\fBtargets\\fR. Flags take \\fBtrue\\fR or \\fBfalse\\fR;\n"
	      "numbers a number; options that repeat (\\fBudp\\-payload\\fR) and \\fBtargets\\fR a\n"
	      "sequence or a single value; a null value (\\fB~\\fR, \\fBnull\\fR or nothing) means\n"
	      "the default. Paths are relative to the working directory, as on the command line.\n"
	      ".PP\n"
	      "The file is read first, wherever \\fB\\-c\\fR stands, and the command line applies\n"
	      "over it: a value given there replaces the file's, a repeatable option or targets\n"
	      "given there replace the file's list, \\fB\\-\\-no\\-\\fIFLAG\\fR clears a flag the file\n"
	      "set. Unknown keys, values of the wrong type, bad values and keys given twice are\n"
	      "errors that name the file, line and column.\n"
	      ".PP\n"
	      "\\fB\\-\\-print\\-config\\fR prints the effective configuration in that format,\n"
	      "every key included (defaults too; \\fBnull\\fR where an option is unset), so that\n"
	      "\\fBorbit \\-c\\fR on its output runs with the same settings (the same probe order\n"
	      "too when \\fB\\-\\-seed\\fR is given):\n"
	      ".PP\n"
	      ".nf\n"
	      ".RS\n"
	      "targets:\n"
	      "  \\- \"198.18.1.0/24\"\n"
	      "ports: \"1\\-1024\"\n"
	      "syn: true\n"
	      "rate: 50000\n"
	      "output\\-xml: \"lab.xml\"\n"
	      ".RE\n"
	      ".fi\n"
	      ".SH EXIT STATUS\n"
	      ".TP\n"
	      "0\n"
	      "The scan (or the printing asked for) finished.\n"
	      ".TP\n"
	      "1\n"
	      "A failure at run time: the network, a file being written.\n"
	      ".TP\n"
	      "2\n"
	      "Bad input: an unknown or conflicting option, a bad value, target, port or config\n"
	      "file. One line on standard error names it; nothing was sent.\n"
	      ".SH EXAMPLES\n"
	      ".nf\n"
	      "orbit \\-sS \\-p 1\\-1024 \\-\\-rate 50000 \\-oX lab.xml \\-oN \\- 198.18.1.0/24\n"
	      "orbit \\-p 80,U:53 \\-\\-dry\\-run \\-\\-seed 7 198.18.0.0/22\n"
	      "orbit \\-sS \\-p 443 \\-\\-rate 50000 10.0.0.0/8 \\-\\-print\\-config > scan.yaml\n"
	      "orbit \\-c scan.yaml \\-\\-rate 1000\n"
	      ".fi\n"
	      ".SH SEE ALSO\n"
	      ".BR nmap (1),\n"
	      ".BR zmap (1),\n"
	      ".BR masscan (8)\n",
	      out);
}
