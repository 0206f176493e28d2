/* The configuration: the option table's consistency, command-line parsing (SI suffixes,
 * lists, nmap aliases, operand order, repeated and conflicting options), YAML files (every
 * kind of value, null, errors with line:column) and the --print-config round trip. */
#include <stdlib.h>
#include <unistd.h>

#include "config/config.h"
#include "config/option_table.h"
#include "tests/unit/check.h"

#define ARGV(...) ((char *[]){"orbit", __VA_ARGS__, NULL})
#define ARGC(v) ((int)(sizeof(v) / sizeof(v[0])) - 1)

/* Parses argv into cfg (freshly initialised); returns config_parse_args' result. */
static int parse(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e)
{
	config_init(cfg);
	e->msg[0] = '\0';
	return config_parse_args(cfg, argc, argv, e);
}

#define PARSE_OK(cfg, ...)                                                             \
	do {                                                                           \
		char **v_ = ARGV(__VA_ARGS__);                                         \
		struct errbuf e_;                                                      \
		int rc_ = parse(cfg, ARGC(ARGV(__VA_ARGS__)), v_, &e_);                \
		CHECK(rc_ == 0);                                                       \
		if (rc_ != 0)                                                          \
			fprintf(stderr, "  parse failed: %s\n", e_.msg);               \
	} while (0)

/* The command line is rejected with a message naming `named`. */
static int rejects(int argc, char **argv, const char *named)
{
	struct orbit_config cfg;
	struct errbuf e;
	int ok = parse(&cfg, argc, argv, &e) < 0 && strstr(e.msg, named) && !strchr(e.msg, '\n');
	if (!ok)
		fprintf(stderr, "  args starting '%s': message '%s' should name '%s'\n", argv[1], e.msg,
			named);
	config_free(&cfg);
	return ok;
}
#define REJECTS(named, ...) rejects(ARGC(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__), named)

/* Loads YAML text over a fresh config; the error, if any, in e. */
static int load(struct orbit_config *cfg, const char *text, struct errbuf *e)
{
	config_init(cfg);
	e->msg[0] = '\0';
	return config_load_yaml_string(cfg, "t.yaml", text, strlen(text), e);
}

/* The YAML text is rejected with a message starting with `where` (t.yaml:L:C:) and
 * naming `named`. */
static int yaml_rejects(const char *text, const char *where, const char *named)
{
	struct orbit_config cfg;
	struct errbuf e;
	int ok = load(&cfg, text, &e) < 0 && strncmp(e.msg, where, strlen(where)) == 0 &&
		 strstr(e.msg, named) && !strchr(e.msg, '\n');
	if (!ok)
		fprintf(stderr, "  yaml '%s': message '%s' should start '%s' and name '%s'\n", text,
			e.msg, where, named);
	config_free(&cfg);
	return ok;
}

static char *print_yaml(const struct orbit_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct errbuf e;
	if (config_print_yaml(cfg, f, &e) < 0) {
		fprintf(stderr, "  print failed: %s\n", e.msg);
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

/* argv → config → YAML → config → YAML: the same settings and the same text. */
static int round_trips(int argc, char **argv)
{
	struct orbit_config a, b;
	struct errbuf e;
	int ok = 0;
	char *first = NULL, *second = NULL;
	if (parse(&a, argc, argv, &e) < 0) {
		fprintf(stderr, "  round trip: parse failed: %s\n", e.msg);
		config_free(&a);
		return 0;
	}
	first = print_yaml(&a);
	config_init(&b);
	if (first && config_load_yaml_string(&b, "printed", first, strlen(first), &e) < 0)
		fprintf(stderr, "  round trip: loading the printed config failed: %s\n%s", e.msg,
			first);
	else if (first && !config_same_settings(&a, &b))
		fprintf(stderr, "  round trip: loaded settings differ:\n%s", first);
	else if (first && (second = print_yaml(&b)) && strcmp(first, second) != 0)
		fprintf(stderr, "  round trip: printed twice differently:\n%s---\n%s", first, second);
	else
		ok = first && second;
	free(first);
	free(second);
	config_free(&a);
	config_free(&b);
	return ok;
}
#define ROUND_TRIPS(...) round_trips(ARGC(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

static void test_table(void)
{
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		CHECK(o->name && o->help && o->help[0]);
		CHECK((o->kind == OPT_FLAG) == (o->arg == NULL));
		CHECK(strcmp(o->name, CONFIG_TARGETS_KEY) != 0);
		for (size_t j = i + 1; j < option_count; j++) {
			const struct option_spec *p = &option_table[j];
			CHECK(strcmp(o->name, p->name) != 0);
			CHECK(!o->short_name || o->short_name != p->short_name);
			CHECK(!o->nmap_alias || !p->nmap_alias || strcmp(o->nmap_alias, p->nmap_alias));
			/* Aliases of one field must agree on how it is read. */
			if (o->offset == p->offset)
				CHECK(o->kind == p->kind && option_canonical(p) == o);
		}
		/* --no-FLAG must not shadow a real option. */
		if (o->kind == OPT_FLAG && !o->cli_only) {
			char negated[80];
			snprintf(negated, sizeof negated, "no-%s", o->name);
			CHECK(option_by_name(negated) == NULL);
		}
		CHECK(option_by_name(o->name) == o);
	}
	/* Each heading starts at a real option, in table order. */
	const struct option_spec *prev = NULL;
	for (size_t s = 0; s < option_section_count; s++) {
		const struct option_spec *o = option_by_name(option_sections[s].first);
		CHECK(o != NULL);
		CHECK(!prev || (o && o > prev));
		prev = o;
	}
	/* The first option opens a section, so every option sits under a heading. */
	CHECK(option_section_starting_at(&option_table[0]) != NULL);
	CHECK(option_canonical(option_by_name("max-rate")) == option_by_name("rate"));
}

static void test_command_line(void)
{
	struct orbit_config cfg;
	PARSE_OK(&cfg, "--rate", "10k", "1.2.3.4");
	CHECK_EQ_U64(cfg.rate, 10000);
	CHECK(cfg.ntargets == 1);
	config_free(&cfg);
	PARSE_OK(&cfg, "-r", "1.5M", "-B", "2G", "--grab-max-bytes", "64K");
	CHECK_EQ_U64(cfg.rate, 1500000);
	CHECK_EQ_U64(cfg.bandwidth, 2000000000);
	CHECK_EQ_U64(cfg.grab_max_bytes, 64000);
	config_free(&cfg);
	PARSE_OK(&cfg, "--rate", "18446744073709551615", "--seed", "010", "-n", "0x10");
	CHECK_EQ_U64(cfg.rate, UINT64_MAX); /* exact, no trip through a double */
	CHECK_EQ_U64(cfg.seed, 10);         /* decimal: a leading zero is not octal */
	CHECK(cfg.seed_given);
	CHECK_EQ_U64(cfg.max_targets, 16);
	config_free(&cfg);
	PARSE_OK(&cfg, "--grab-threads", "2", "1.2.3.4");
	CHECK(cfg.grab_threads == 2);
	config_free(&cfg);
	CHECK(REJECTS("--grab-threads", "--grab-threads", "0"));
	CHECK(REJECTS("--grab-threads", "--grab-threads", "65"));
	CHECK(REJECTS("'18446744073709551616'", "--rate", "18446744073709551616"));
	CHECK(REJECTS("'18446744074G'", "--rate", "18446744074G"));
	PARSE_OK(&cfg, "--rate", "18446744073G"); /* just below 2^64 */
	CHECK_EQ_U64(cfg.rate, 18446744073000000000u);
	config_free(&cfg);
	CHECK(REJECTS("'10x'", "--rate", "10x"));
	CHECK(REJECTS("'1.2.3'", "--rate", "1.2.3"));
	CHECK(REJECTS("'0x10'", "--rate", "0x10"));
	CHECK(REJECTS("'-1'", "--rate", "-1"));
	CHECK(REJECTS("'1.'", "--rate", "1."));
	CHECK(REJECTS("'0' for --probes", "--probes", "0"));
	CHECK(REJECTS("'17' for --probes", "--probes", "17"));
	CHECK(REJECTS("'0x'", "--seed", "0x"));
	CHECK(REJECTS("'' for --ports", "--ports", ""));
	CHECK(REJECTS("'bogus' for --backend", "--backend", "bogus"));
	CHECK(REJECTS("dpdk, afpacket or pcap", "--backend", "bogus"));
	CHECK(REJECTS("'ndjsonx' for --output-format", "--output-format", "ndjsonx"));

	/* Lists repeat; nmap aliases; operands anywhere (getopt permutes them). */
	PARSE_OK(&cfg, "10.0.0.1", "--udp-payload", "53:dns", "-sS", "-oX", "a.xml", "-iL", "t.txt",
		 "--udp-payload=161:snmp", "-Pn", "10.0.0.2");
	CHECK(cfg.udp_payloads.n == 2);
	CHECK_STR_EQ(cfg.udp_payloads.v[1], "161:snmp");
	CHECK(cfg.scan_syn && cfg.no_ping && !cfg.scan_ack);
	CHECK_STR_EQ(cfg.xml_file, "a.xml");
	CHECK_STR_EQ(cfg.input_file, "t.txt");
	CHECK(cfg.ntargets == 2);
	CHECK_STR_EQ(cfg.targets[0], "10.0.0.1");
	CHECK_STR_EQ(cfg.targets[1], "10.0.0.2");
	config_free(&cfg);
	/* A value that looks like an nmap flag is still a value; after "--", an operand. */
	PARSE_OK(&cfg, "-oN", "-sA", "--", "-sS");
	CHECK_STR_EQ(cfg.normal_file, "-sA");
	CHECK(!cfg.scan_ack && !cfg.scan_syn);
	CHECK(cfg.ntargets == 1 && strcmp(cfg.targets[0], "-sS") == 0);
	config_free(&cfg);
	/* Bundled short flags, attached values, abbreviations. */
	PARSE_OK(&cfg, "-qp80", "--max-tar=5", "--no-ping");
	CHECK(cfg.quiet && cfg.no_ping);
	CHECK_STR_EQ(cfg.ports, "80");
	CHECK_EQ_U64(cfg.max_targets, 5);
	config_free(&cfg);

	/* The same value twice is harmless; two different ones are a mistake. */
	PARSE_OK(&cfg, "-oX", "a.xml", "--output-xml=a.xml", "--rate", "10k", "--max-rate", "10000");
	config_free(&cfg);
	CHECK(REJECTS("-oX 'b.xml' contradicts -oX 'a.xml'", "-oX", "a.xml", "-oX", "b.xml"));
	CHECK(REJECTS("--max-rate '6' contradicts --rate '5'", "--rate", "5", "--max-rate", "6"));
	PARSE_OK(&cfg, "--status", "--no-status", "-sS", "--no-syn", "--syn");
	CHECK(!cfg.status && cfg.scan_syn);
	config_free(&cfg);

	/* Unknown and malformed options. */
	CHECK(REJECTS("'--frobnicate'", "--frobnicate"));
	CHECK(REJECTS("'-Z'", "-Z"));
	CHECK(REJECTS("'-sT'", "-sT"));
	CHECK(REJECTS("'-oA'", "-oA", "all"));
	CHECK(REJECTS("ambiguous option '--no-p'", "--no-p"));
	CHECK(REJECTS("ambiguous option '--grab-'", "--grab-"));
	CHECK(REJECTS("'--rate' needs a value", "--rate"));
	CHECK(REJECTS("'--no-help'", "--no-help"));
	CHECK(REJECTS("'1\\n2'", "--rate", "1\n2"));

	/* Conflicts. */
	CHECK(REJECTS("-sA", "-sS", "-sA"));
	CHECK(REJECTS("-sn", "-sn", "-sU"));
	CHECK(REJECTS("takes no ports", "-sn", "-p", "80"));
	CHECK(REJECTS("takes no ports", "-sn", "--top-ports", "10"));
	CHECK(REJECTS("-sV and -sn", "-sn", "-sV"));
	CHECK(REJECTS("--shard 3", "--shard", "3", "--shards", "3"));
	CHECK(REJECTS("-oN and -oX both write to 'x'", "-oX", "x", "-oN", "x"));
	CHECK(REJECTS("-o and -m both write to 'r'", "-o", "r", "-m", "r"));
	CHECK(REJECTS("--rx-pcap", "--rx-pcap", "f.pcap", "--backend", "dpdk"));
	PARSE_OK(&cfg, "--list-fields", "1.2.3.4"); /* fine with targets */
	config_free(&cfg);
	PARSE_OK(&cfg, "-sS", "-sU", "--shard", "2", "--shards", "3", "-oX", "-", "-o", "r",
		 "--output-format", "grepable");
	config_free(&cfg);
	PARSE_OK(&cfg, "-o", "-", "-oN", "-"); /* who gets stdout is output/'s call */
	config_free(&cfg);
}

static void test_yaml(void)
{
	struct orbit_config cfg;
	struct errbuf e;
	CHECK(load(&cfg,
		   "# a scan\n"
		   "targets:\n  - 10.0.0.0/8\n  - \"192.0.2.1\"\n"
		   "ports: 1-1024\n"
		   "syn: true\nquiet: yes\nstatus: false\n"
		   "rate: 50k\nprobes: 2\nseed: 42\n"
		   "udp-payload: \"53:dns\"\n"
		   "output-filter: 'state = open && port != 22'\n"
		   "max-targets: ~\n",
		   &e) == 0);
	CHECK(cfg.ntargets == 2);
	CHECK_STR_EQ(cfg.targets[1], "192.0.2.1");
	CHECK_STR_EQ(cfg.ports, "1-1024");
	CHECK(cfg.scan_syn && cfg.quiet && !cfg.status);
	CHECK_EQ_U64(cfg.rate, 50000);
	CHECK_EQ_U64(cfg.probes, 2);
	CHECK(cfg.seed_given && cfg.seed == 42);
	CHECK(cfg.udp_payloads.n == 1);
	CHECK_STR_EQ(cfg.output_filter, "state = open && port != 22");
	config_free(&cfg);

	/* A single string for a list; null back to the default; an alias name as key. */
	CHECK(load(&cfg, "targets: 198.18.0.1\ntcp-options: null\nmax-rate: 7\nseed:\n", &e) == 0);
	CHECK(cfg.ntargets == 1);
	CHECK_STR_EQ(cfg.tcp_options, "linux");
	CHECK_EQ_U64(cfg.rate, 7);
	CHECK(!cfg.seed_given);
	config_free(&cfg);
	CHECK(load(&cfg, "", &e) == 0 && cfg.ntargets == 0 && cfg.rate == 10000);
	config_free(&cfg);
	CHECK(load(&cfg, "# nothing but a comment\n", &e) == 0);
	config_free(&cfg);
	CHECK(load(&cfg, "targets: []\nudp-payload: []\n", &e) == 0 && cfg.ntargets == 0);
	config_free(&cfg);
	/* Anchors and aliases are YAML's business, resolved before we see the values. */
	CHECK(load(&cfg, "output-xml: &f scan.out\nports: *f\n", &e) == 0);
	CHECK_STR_EQ(cfg.ports, "scan.out");
	config_free(&cfg);

	CHECK(yaml_rejects("rate: 1\nfrob: 2\n", "t.yaml:2:1:", "unknown key 'frob'"));
	CHECK(yaml_rejects("sS: true\n", "t.yaml:1:1:", "'syn'"));
	CHECK(yaml_rejects("-p: 80\n", "t.yaml:1:1:", "'ports'"));
	CHECK(yaml_rejects("--rate: 80\n", "t.yaml:1:1:", "without dashes"));
	CHECK(yaml_rejects("ports: 80\nrate:  fast\n", "t.yaml:2:8:", "'fast' for key 'rate'"));
	CHECK(yaml_rejects("probes: 99\n", "t.yaml:1:9:", "'99' for key 'probes'"));
	CHECK(yaml_rejects("syn: 1\n", "t.yaml:1:6:", "'1' for key 'syn'"));
	CHECK(yaml_rejects("syn: \"true\"\n", "t.yaml:1:6:", "quoted string 'true'"));
	CHECK(yaml_rejects("syn: [true]\n", "t.yaml:1:6:", "key 'syn'"));
	CHECK(yaml_rejects("rate: {a: 1}\n", "t.yaml:1:7:",
			   "key 'rate': expected a number, got a mapping"));
	CHECK(yaml_rejects("ports:\n  - 80\n", "t.yaml:2:3:", "key 'ports'"));
	CHECK(yaml_rejects("status-file: true\n", "t.yaml:1:14:", "the boolean 'true'"));
	CHECK(yaml_rejects("backend: dpdkk\n", "t.yaml:1:10:", "'dpdkk' for key 'backend'"));
	CHECK(yaml_rejects("ports: \"\"\n", "t.yaml:1:8:", "'' for key 'ports'"));
	CHECK(yaml_rejects("ports: \"8\\00\"\n", "t.yaml:1:8:", "NUL"));
	CHECK(yaml_rejects("targets:\n  - 1.2.3.4\n  - {a: b}\n", "t.yaml:3:5:", "key 'targets'"));
	CHECK(yaml_rejects("targets:\n  - 1.2.3.4\n  -\n", "t.yaml:3:", "key 'targets'"));
	CHECK(yaml_rejects("udp-payload:\n  - \"\"\n", "t.yaml:2:5:", "key 'udp-payload'"));
	CHECK(yaml_rejects("rate: 1\nports: 80\nrate: 2\n", "t.yaml:3:1:",
			   "duplicate key 'rate' (first at line 1)"));
	CHECK(yaml_rejects("rate: 1\nmax-rate: 2\n", "t.yaml:2:1:", "'max-rate'"));
	CHECK(yaml_rejects("targets: a\ntargets: b\n", "t.yaml:2:1:", "duplicate key 'targets'"));
	CHECK(yaml_rejects("config: other.yaml\n", "t.yaml:1:1:", "'config'"));
	CHECK(yaml_rejects("print-config: true\n", "t.yaml:1:1:", "'print-config'"));
	CHECK(yaml_rejects("[1, 2]: x\n", "t.yaml:1:1:", "a key must be an option name"));
	CHECK(yaml_rejects("- 80\n", "t.yaml:1:1:", "expected a mapping"));
	CHECK(yaml_rejects("just words\n", "t.yaml:1:1:", "expected a mapping"));
	CHECK(yaml_rejects("rate: 1\n  ports: 2\n", "t.yaml:2:8:", "syntax error"));
	CHECK(yaml_rejects("ports: [80\n", "t.yaml:2:1:", "syntax error"));
	CHECK(yaml_rejects("ports: \"80\n", "t.yaml:2:1:", "syntax error"));
	CHECK(yaml_rejects("rate: 1\n---\nrate: 2\n", "t.yaml:3:1:", "second YAML document"));
	CHECK(yaml_rejects("ports: 8\xff\n", "t.yaml:1:9:", "UTF-8"));
	/* A value spread over lines is quoted on one line. */
	CHECK(yaml_rejects("syn: a\n  b\n", "t.yaml:1:6:", "'a b'"));
	CHECK(yaml_rejects("syn: \"a\\nb\\tc\\x01\"\n", "t.yaml:1:6:", "'a\\nb\\tc\\x01'"));
	CHECK(yaml_rejects("ports: *nowhere\n", "t.yaml:1:8:", "undefined alias"));
}

/* A scratch file for -c. */
static char *write_temp(const char *text)
{
	static const char pattern[] = "/tmp/orbit-test-config-XXXXXX";
	char *path = malloc(sizeof pattern);
	memcpy(path, pattern, sizeof pattern);
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("temp file");
		exit(1);
	}
	close(fd);
	return path;
}

static void test_command_line_over_file(void)
{
	char *path = write_temp("targets: [10.0.0.0/8, 10.1.0.0/16]\n"
				"rate: 5000\nstatus: true\nports: 80\n"
				"udp-payload: [\"53:dns\", \"161:snmp\"]\nshard: 3\nshards: 2\n");
	struct orbit_config cfg;
	struct errbuf e;
	/* -c anywhere, the command line wins, lists and targets replace the file's, and a
	 * conflict in the file (shard 3 of 2) is fixed by the command line. */
	PARSE_OK(&cfg, "--rate", "7", "-c", path, "--no-status", "--udp-payload", "7:echo",
		 "--shards", "4", "192.0.2.1");
	CHECK_EQ_U64(cfg.rate, 7);
	CHECK(!cfg.status);
	CHECK_STR_EQ(cfg.ports, "80");
	CHECK(cfg.udp_payloads.n == 1 && strcmp(cfg.udp_payloads.v[0], "7:echo") == 0);
	CHECK(cfg.ntargets == 1 && strcmp(cfg.targets[0], "192.0.2.1") == 0);
	CHECK(cfg.shard == 3 && cfg.shards == 4);
	config_free(&cfg);
	/* Without targets on the command line, the file's stand; --config=FILE works too. */
	char opt[128];
	snprintf(opt, sizeof opt, "--config=%s", path);
	PARSE_OK(&cfg, opt, "--shards", "4");
	CHECK(cfg.ntargets == 2 && cfg.udp_payloads.n == 2 && cfg.status && cfg.rate == 5000);
	config_free(&cfg);
	/* The file's conflict alone is an error. */
	CHECK(parse(&cfg, 3, ARGV("-c", path), &e) < 0 && strstr(e.msg, "--shard 3"));
	config_free(&cfg);
	unlink(path);
	free(path);

	char *bad = write_temp("ports: 80\nprobes: none\n");
	CHECK(parse(&cfg, 3, ARGV("-c", bad), &e) < 0 && strstr(e.msg, bad) &&
	      strstr(e.msg, ":2:9:") && strstr(e.msg, "'none'"));
	config_free(&cfg);
	unlink(bad);
	free(bad);
	CHECK(parse(&cfg, 3, ARGV("-c", "/nonexistent/x.yaml"), &e) < 0 &&
	      strstr(e.msg, "/nonexistent/x.yaml"));
	config_free(&cfg);
	CHECK(REJECTS("contradicts", "-c", "a.yaml", "-c", "b.yaml"));
}

static void test_round_trip(void)
{
	CHECK(ROUND_TRIPS("198.18.0.1"));
	CHECK(ROUND_TRIPS("-sS", "-p", "1-1024", "--rate", "50000", "-oX", "lab.xml", "-oN", "-",
			  "198.18.1.0/24"));
	CHECK(ROUND_TRIPS("--seed", "0", "--top-ports", "100", "-sU", "--udp-payload", "53:dns",
			  "--udp-payload", "161:@/etc/x", "--max-targets", "18446744073709551615",
			  "--bandwidth", "1G", "--tx-threads", "4", "--shards", "9", "--shard", "8"));
	CHECK(ROUND_TRIPS("--backend", "pcap", "--rx-pcap", "r.pcap", "--grab", "--status",
			  "--report-all", "--dry-run", "--quiet", "--no-ping", "--tcp-options", "none",
			  "--dpdk-args", "--no-huge --vdev=net_af_packet0,iface=eth1"));
	/* Strings YAML would read otherwise, were they not quoted and escaped. */
	const char *tricky[] = {
		"a: b", "# not a comment", "x #y", "-leading-dash", "- item", "\"quoted\"",
		"'single'", "back\\slash", "new\nline", "tab\there", "cr\rhere", "null", "~",
		"true", "no", "123", "0x1F", "1e3", " leading space", "trailing space ", "*alias",
		"&anchor", "!tag", "%directive", "@at", "`tick", "{a: 1}", "[1, 2]", "? key", "| block",
		"> folded", "---", "...", "caf\xc3\xa9", "nel\xc2\x85", "ls\xe2\x80\xa8ps\xe2\x80\xa9",
		"bom\xef\xbb\xbf",
		"emoji \xf0\x9f\x9b\xb0", "bell\a", "del\x7f", "esc\x1b[0m", "c1 \xc2\x9b",
	};
	for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
		int ok = ROUND_TRIPS("--output-filter", (char *)tricky[i], "--udp-payload",
				     (char *)tricky[i], "--", (char *)tricky[i]);
		CHECK(ok);
		if (!ok)
			fprintf(stderr, "  (string %zu)\n", i);
		/* And the value comes back byte for byte. */
		struct orbit_config a, b;
		struct errbuf e;
		config_init(&a);
		config_init(&b);
		a.output_filter = tricky[i];
		char *text = print_yaml(&a);
		CHECK(text && config_load_yaml_string(&b, "p", text, strlen(text), &e) == 0 &&
		      b.output_filter && strcmp(b.output_filter, tricky[i]) == 0);
		free(text);
		config_free(&b);
	}

	/* The equality the round trip relies on does see differences. */
	struct orbit_config a, b;
	config_init(&a);
	config_init(&b);
	CHECK(config_same_settings(&a, &b));
	b.probe_ttl = 63;
	CHECK(!config_same_settings(&a, &b));
	config_init(&b);
	b.seed_given = true;
	CHECK(!config_same_settings(&a, &b));
	config_init(&b);
	const char *target = "1.2.3.4";
	b.targets = &target;
	b.ntargets = 1;
	CHECK(!config_same_settings(&a, &b));

	/* YAML holds only UTF-8: a string that is not is an error naming the option, and
	 * nothing is printed. */
	config_init(&b);
	b.interface = "eth\xff";
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct errbuf e;
	CHECK(config_print_yaml(&b, f, &e) < 0 && strstr(e.msg, "--interface"));
	fclose(f);
	CHECK(len == 0);
	free(text);

	/* Every config-file key is printed once, command-line actions are not. */
	config_init(&a);
	text = print_yaml(&a);
	for (size_t i = 0; text && i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		char key[96];
		snprintf(key, sizeof key, "\n%s:", o->name);
		bool printed = strstr(text, key) != NULL;
		CHECK(printed == (!o->cli_only && option_canonical(o) == o));
		if (printed != (!o->cli_only && option_canonical(o) == o))
			fprintf(stderr, "  key '%s' printed: %d\n", o->name, printed);
	}
	free(text);
}

int main(void)
{
	test_table();
	test_command_line();
	test_yaml();
	test_command_line_over_file();
	test_round_trip();
	return check_done("config");
}
