/* orbit: the command-line entry point. Exit status (core/scan/params.h): 0 success,
 * 1 runtime failure, 2 bad input (always reported in one line naming the bad value,
 * before any output file is opened or packet sent). The order: the options, then the
 * typed scan parameters (scan_params_from_config), the output options' check, the
 * targets and the walk, and only then the engine (or the dry run). */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "core/scan/dryrun.h"
#include "core/scan/engine.h"
#include "core/scan/params.h"
#include "output/output.h"
#include "targets/plan.h"
#include "targets/targets.h"

/* Ctrl-C count: the one piece of state a signal handler may touch. */
static volatile sig_atomic_t stop_requests;

/* SIGHUPs: the blocklist is re-read (core/scan/reload.h). */
static volatile sig_atomic_t reload_requests;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_requests = (sig_atomic_t)(reload_requests + 1);
		return;
	}
	if (stop_requests < 2)
		stop_requests++;
}

static int bad_input(const char *msg)
{
	fprintf(stderr, "orbit: %s\n", msg);
	return ORBIT_EXIT_BAD_INPUT;
}

static void build_target_inputs(const struct orbit_config *cfg, struct target_inputs *in)
{
	memset(in, 0, sizeof *in);
	in->targets = cfg->targets;
	in->ntargets = cfg->ntargets;
	in->input_file = cfg->input_file;
	in->allowlist_file = cfg->allowlist_file;
	in->blocklist_file = cfg->blocklist_file;
	in->ports = cfg->ports;
	in->top_ports = cfg->top_ports;
	/* No -p: nmap's default of the top 1000 ports (-F: 100), TCP or UDP with -sU. */
	if (!cfg->ports && !cfg->top_ports && !cfg->ping_sweep)
		in->top_ports = cfg->fast ? 100 : 1000;
	in->services_file = PORTLIST_NMAP_SERVICES;
	in->default_protos = config_default_protos(cfg);
	in->icmp_only = cfg->ping_sweep;
}

/* The invocation as reports quote it (Nmap's "as: nmap -sS ..."): arguments joined by
 * spaces, single-quoted when the shell would need it. NULL when out of memory. */
static char *command_line_of(int argc, char **argv)
{
	size_t cap = 1;
	for (int i = 0; i < argc; i++)
		cap += 4 * strlen(argv[i]) + 3;
	char *line = malloc(cap), *p = line;
	if (!line)
		return NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		bool plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789-_./:,=+@%") == strlen(a);
		if (i)
			*p++ = ' ';
		if (plain) {
			p += sprintf(p, "%s", a);
			continue;
		}
		*p++ = '\'';
		for (; *a; a++)
			p += *a == '\'' ? sprintf(p, "'\\''") : sprintf(p, "%c", *a);
		*p++ = '\'';
	}
	*p = '\0';
	return line;
}

static int run(struct orbit_config *cfg, struct scan_params *params,
	       const char *command_line)
{
	struct errbuf e;
	struct target_inputs in;
	struct target_space ts;
	struct walk_plan plan;

	if (!cfg->dry_run && engine_check_outputs(cfg, &e) != 0)
		return bad_input(e.msg);
	build_target_inputs(cfg, &in);
	if (target_space_build(&ts, &in, cfg->quiet ? NULL : stderr, &e) < 0)
		return bad_input(e.msg);
	const struct shard_choice *sc = &params->shard; /* --shard auto resolved */
	if (discovery_prepare(&params->discovery, cfg, params->tcp_probe == TCP_PROBE_ACK,
			      isatty(STDOUT_FILENO) == 1, &ts, &e) < 0) {
		target_space_free(&ts);
		return bad_input(e.msg);
	}
	struct walk_plan_params wp = {
		.seed = sc->seed, .seed_given = sc->seed_given, .shards = sc->shards,
		.shard = sc->shard, .threads = cfg->tx_threads, .max_targets = cfg->max_targets,
		.resume_path = cfg->resume_file, .in_order = cfg->ports_in_order,
	};
	if (sc->note[0] && !cfg->quiet)
		fprintf(stderr, "orbit: %s\n", sc->note);
	if (walk_plan_init(&plan, &ts, &wp, &e) < 0) {
		target_space_free(&ts);
		return bad_input(e.msg);
	}
	if (!sc->seed_given && !cfg->quiet)
		fprintf(stderr, "orbit: seed %" PRIu64 " (repeat this order with --seed %" PRIu64 ")\n",
			plan.seed, plan.seed);
	int status = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (!cfg->dry_run) {
		signal(SIGHUP, on_signal);
		status = engine_run(params, &ts, &plan, &stop_requests, &reload_requests, command_line);
	} else {
		/* A closed pipe (orbit --dry-run ... | head) is a normal way to stop. */
		if (dryrun_print(&plan, &ts, stdout, &stop_requests) < 0 && errno != EPIPE) {
			fprintf(stderr, "orbit: writing the walk failed: %s\n", strerror(errno));
			status = ORBIT_EXIT_RUNTIME;
		}
		if (cfg->checkpoint_file && walk_plan_save(&plan, cfg->checkpoint_file, &e) < 0) {
			fprintf(stderr, "orbit: %s\n", e.msg);
			status = ORBIT_EXIT_RUNTIME;
		}
	}
	walk_plan_free(&plan);
	target_space_free(&ts);
	return status;
}

/* Every string of the configuration typed and checked before anything is opened. */
static int parse_and_run(struct orbit_config *cfg, int argc, char **argv)
{
	struct scan_params params;
	struct errbuf e;
	if (scan_params_from_config(cfg, &params, &e) < 0)
		return bad_input(e.msg);
	char *command_line = command_line_of(argc, argv);
	int status = run(cfg, &params, command_line ? command_line : "orbit");
	free(command_line);
	scan_params_free(&params);
	return status;
}

int main(int argc, char **argv)
{
	struct orbit_config cfg;
	struct errbuf e;
	config_init(&cfg);
	int status;
	if (config_parse_args(&cfg, argc, argv, &e) < 0)
		status = bad_input(e.msg);
	else if (cfg.show_help) {
		config_print_help(stdout);
		status = 0;
	} else if (cfg.show_version) {
		printf("orbit %s\n", ORBIT_VERSION);
		status = 0;
	} else if (cfg.print_config) {
		/* Before any target is resolved or file opened: the config as given. */
		status = config_print_yaml(&cfg, stdout, &e) < 0 ? bad_input(e.msg) : 0;
		if (status == 0 && fflush(stdout) != 0) {
			fprintf(stderr, "orbit: writing the config failed: %s\n", strerror(errno));
			status = ORBIT_EXIT_RUNTIME;
		}
	} else if (cfg.list_fields) {
		output_list_fields(stdout);
		status = 0;
	} else {
		status = parse_and_run(&cfg, argc, argv);
	}
	config_free(&cfg);
	return status;
}
