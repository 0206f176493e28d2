/* The command-line pass over the option table (option_apply_argv, see
 * config/option_table.h): nmap's tokens first (aliases rewritten to long names, refused
 * nmap options, long names in full only, -v2/-d2), then one getopt_long pass. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/nmap_cli.h"
#include "config/option_table.h"

enum { NOPTIONS_MAX = 256, LONG_BASE = 1000, NEGATED_BASE = 3000 };

/* getopt_long's tables, built from option_table. */
struct getopt_tables {
	struct option longopts[2 * NOPTIONS_MAX + 1];
	char negated_names[NOPTIONS_MAX][64];
	char shortopts[3 * NOPTIONS_MAX + 2];
};

static bool takes_value(const struct option_spec *o)
{
	return o->kind != OPT_FLAG && !o->counted;
}

static void build_getopt_tables(struct getopt_tables *t)
{
	size_t ns = 0, nl = 0;
	t->shortopts[ns++] = ':'; /* report a missing argument as ':' */
	for (size_t i = 0; i < option_count; i++) {
		const struct option_spec *o = &option_table[i];
		int has_arg = o->kind == OPT_FLAG ? no_argument : required_argument;
		t->longopts[nl++] = (struct option){o->name, has_arg, NULL, (int)(LONG_BASE + i)};
		if (o->kind == OPT_FLAG && !o->cli_only) {
			/* --no-FLAG: the way to clear, on the command line, a flag a file set. */
			snprintf(t->negated_names[i], sizeof t->negated_names[i], "no-%s", o->name);
			t->longopts[nl++] = (struct option){t->negated_names[i], no_argument, NULL,
							    (int)(NEGATED_BASE + i)};
		}
		if (o->short_name) {
			t->shortopts[ns++] = (char)o->short_name;
			if (takes_value(o))
				t->shortopts[ns++] = ':';
		}
	}
	t->longopts[nl] = (struct option){0};
	t->shortopts[ns] = '\0';
}

static const struct option_spec *option_by_alias(const char *arg)
{
	for (size_t i = 0; i < option_count; i++)
		if (option_table[i].nmap_alias && strcmp(arg, option_table[i].nmap_alias) == 0)
			return &option_table[i];
	return NULL;
}

static const struct option_spec *option_by_letter(int c)
{
	for (size_t i = 0; i < option_count; i++)
		if (option_table[i].short_name == c)
			return &option_table[i];
	return NULL;
}

/* -sQ, -oZ, -iR, -PE...: nmap's two-letter flags that neither orbit nor its refusal list
 * knows; named whole rather than as an unknown -s. */
static bool looks_like_nmap_flag(const char *arg)
{
	return arg[0] == '-' && arg[1] && strchr("soiP", arg[1]) && isupper((unsigned char)arg[2]) &&
	       arg[3] == '\0';
}

/* "-v2", "-d3": nmap's numbered levels, which getopt would read as -v then -2. */
static const struct option_spec *numbered_level(const char *tok)
{
	if (tok[0] != '-' || !tok[1] || !isdigit((unsigned char)tok[2]) ||
	    tok[2 + strspn(tok + 2, "0123456789")] != '\0')
		return NULL;
	const struct option_spec *o = option_by_letter(tok[1]);
	return o && o->counted ? o : NULL;
}

/* How many of the next tokens a short-letter cluster ("-qc", "-p80", "-p") takes as its
 * value: 1 when its last option letter wants one and nothing follows it in the token. */
static int cluster_value_tokens(const char *tok)
{
	for (const char *c = tok + 1; *c; c++) {
		const struct option_spec *o = option_by_letter((unsigned char)*c);
		if (!o)
			return 0; /* getopt reports it */
		if (takes_value(o))
			return c[1] == '\0';
	}
	return 0;
}

/* nmap's ping letters -PE, -PP, -PR, -PS[PORTS], -PA[PORTS], -PU[PORTS] carry their value
 * glued on: "-PS80,443" is rewritten to "--ping-probe=PS80,443" (core/scan/discovery.h). */
#define PING_PROBE_PREFIX "--ping-probe="
static bool is_nmap_ping_flag(const char *arg)
{
	if (arg[0] != '-' || arg[1] != 'P' || !arg[2] || !strchr("EPRSAU", arg[2]))
		return false;
	return strchr("EPR", arg[2]) ? arg[3] == '\0' : arg[3] == '\0' || isdigit((unsigned char)arg[3]);
}

/* A value inside a rewritten ping letter, mapped back into argv: the rewritten copies are
 * freed when parsing ends, and a list option keeps its values' pointers. */
static const char *ping_value_in_argv(char *const *rewritten, char **argv, int argc,
				      const char *value)
{
	size_t skip = strlen(PING_PROBE_PREFIX);
	for (int i = 1; value && i < argc; i++)
		if (rewritten[i] && strncmp(rewritten[i], PING_PROBE_PREFIX, skip) == 0 &&
		    value >= rewritten[i] + skip && value < rewritten[i] + strlen(rewritten[i]))
			return argv[i] + 1 + (value - (rewritten[i] + skip));
	return value;
}

/* Fills args from argv: nmap aliases rewritten to --NAME (the copies in rewritten[]),
 * -vN/-dN to --verbosity=N, and every option token checked before getopt sees it. Values
 * are copied as they are, whatever they look like. */
static int rewrite_tokens(int argc, char **argv, char **args, char **rewritten, struct errbuf *e)
{
	args[0] = argv[0];
	bool operands_only = false; /* after "--", everything is a target, as getopt has it */
	for (int i = 1; i < argc; i++) {
		const char *tok = args[i] = argv[i];
		if (operands_only || tok[0] != '-' || tok[1] == '\0')
			continue;
		if (strcmp(tok, "--") == 0) {
			operands_only = true;
			continue;
		}
		int value_tokens = 0;
		const struct option_spec *o = option_by_alias(tok);
		const struct option_spec *level = o ? NULL : numbered_level(tok);
		if (o || level) {
			size_t len = strlen(o ? o->name : level->name) + strlen(tok) + 4;
			if (!(rewritten[i] = malloc(len)))
				return err_set(e, "out of memory");
			if (o)
				snprintf(rewritten[i], len, "--%s", o->name);
			else
				snprintf(rewritten[i], len, "--%s=%s", level->name, tok + 2);
			args[i] = rewritten[i];
			value_tokens = o && takes_value(o);
		} else if (is_nmap_ping_flag(tok)) {
			size_t len = strlen(PING_PROBE_PREFIX) + strlen(tok);
			if (!(rewritten[i] = malloc(len)))
				return err_set(e, "out of memory");
			snprintf(rewritten[i], len, "%s%s", PING_PROBE_PREFIX, tok + 1);
			args[i] = rewritten[i];
		} else if (nmap_cli_refusal(tok, e) < 0) {
			return -1;
		} else if (tok[1] == '-') {
			bool wants = false;
			if (long_option_check(tok, &wants, e) < 0)
				return -1;
			value_tokens = wants && !strchr(tok, '=');
		} else if (looks_like_nmap_flag(tok)) {
			return err_set(e, "unknown option '%s' (an nmap flag orbit does not take)", tok);
		} else {
			value_tokens = cluster_value_tokens(tok);
		}
		for (; value_tokens > 0 && i + 1 < argc; value_tokens--)
			args[i + 1] = argv[i + 1], i++;
	}
	args[argc] = NULL;
	return 0;
}

/* How an option is named in messages about the command line: as the user typed it when
 * that was an nmap alias, else by its long name. */
static void flag_label(const struct option_spec *o, bool typed_alias, char *buf, size_t size)
{
	if (typed_alias && o->nmap_alias)
		snprintf(buf, size, "%s", o->nmap_alias);
	else
		snprintf(buf, size, "--%s", o->name);
}

static int report_bad_option(const char *bad, int c, int bad_short, struct errbuf *e)
{
	if (c == ':')
		return err_set(e, "option '%s' needs a value", bad);
	if (bad_short)
		return err_set(e, "unknown option '-%c'", bad_short);
	return err_set(e, "unknown option '%s'", bad);
}

/* Whether token s of args is one rewritten from an nmap alias. */
static bool is_rewritten(char *const *rewritten, int argc, const char *s)
{
	for (int i = 1; s && i < argc; i++)
		if (rewritten[i] == s)
			return true;
	return false;
}

/* Per canonical option: given on this command line yet, under which name and with which
 * value, so a second, different value is an error rather than a silent last-one-wins, and
 * the first list item given here replaces the file's list. */
struct given_options {
	const struct option_spec *as[NOPTIONS_MAX];
	const char *value[NOPTIONS_MAX];
	bool as_alias[NOPTIONS_MAX];
};

/* A counted letter (-v, -vv): one more each time, no value. */
static int apply_counted(struct orbit_config *cfg, const struct option_spec *o, struct errbuf *e)
{
	unsigned *level = (unsigned *)((char *)cfg + o->offset);
	if (*level >= o->max)
		return err_set(e, "too many -%c: the highest level is %u", o->short_name,
			       (unsigned)o->max);
	(*level)++;
	return 0;
}

static int apply_one(struct orbit_config *cfg, const struct option_spec *o, const char *value,
		     bool typed_alias, struct given_options *given, struct errbuf *e)
{
	char label[64];
	flag_label(o, typed_alias, label, sizeof label);
	size_t ci = (size_t)(option_canonical(o) - option_table);
	if (o->kind == OPT_LIST && !given->as[ci])
		((struct str_list *)((char *)cfg + o->offset))->n = 0;
	struct orbit_config before = *cfg;
	int rc = option_apply(cfg, o, value, label, e);
	if (rc == 0 && given->as[ci] && o->kind != OPT_FLAG && o->kind != OPT_LIST &&
	    !option_values_equal(o, &before, cfg)) {
		char first[64];
		flag_label(given->as[ci], given->as_alias[ci], first, sizeof first);
		rc = err_set(e, "%s '%s' contradicts %s '%s' given before it", label, value, first,
			     given->value[ci]);
	}
	if (!given->as[ci]) {
		given->as[ci] = o;
		given->value[ci] = value;
		given->as_alias[ci] = typed_alias;
	}
	return rc;
}

static int run_getopt(struct orbit_config *cfg, int argc, char **argv, char **args,
		      char **rewritten, const struct getopt_tables *t, struct errbuf *e)
{
	static struct given_options zero;
	struct given_options *given = malloc(sizeof *given);
	if (!given)
		return err_set(e, "out of memory");
	*given = zero;
	opterr = 0;
	optind = 0; /* 0, not 1: a full reset of getopt's state from an earlier pass */
	int rc = 0, c, longindex;
	while (rc == 0 && (c = getopt_long(argc, args, t->shortopts, t->longopts, &longindex)) != -1) {
		const struct option_spec *o;
		if (c >= NEGATED_BASE) {
			o = &option_table[c - NEGATED_BASE];
			*(bool *)((char *)cfg + o->offset) = false;
			continue;
		}
		if (c == '?' || c == ':') {
			const char *bad = args[optind - 1];
			bool short_bad = bad && bad[0] == '-' && bad[1] != '-';
			rc = report_bad_option(bad, c, short_bad ? optopt : 0, e);
			break;
		}
		o = c >= LONG_BASE ? &option_table[c - LONG_BASE] : option_by_letter(c);
		if (o->counted && c < LONG_BASE) {
			rc = apply_counted(cfg, o, e);
			continue;
		}
		/* The token that named the option: the one before a separate value (getopt
		 * permutes args, so indices into it do not map back to argv). */
		int at = optind - 1 - (optarg && optind >= 2 && optarg == args[optind - 1]);
		bool typed_alias = at > 0 && is_rewritten(rewritten, argc, args[at]) &&
				   strncmp(args[at] + 2, o->name, strlen(o->name)) == 0 &&
				   o->nmap_alias;
		rc = apply_one(cfg, o, ping_value_in_argv(rewritten, argv, argc, optarg), typed_alias,
			       given, e);
	}
	free(given);
	return rc;
}

int option_apply_argv(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e)
{
	if (option_count > NOPTIONS_MAX)
		return err_set(e, "internal: more than %d options", NOPTIONS_MAX);
	struct getopt_tables *t = malloc(sizeof *t);
	char **args = malloc((size_t)(argc + 1) * sizeof *args);
	char **rewritten = calloc((size_t)argc + 1, sizeof *rewritten);
	int rc = t && args && rewritten ? 0 : err_set(e, "out of memory");
	if (rc == 0) {
		build_getopt_tables(t);
		rc = rewrite_tokens(argc, argv, args, rewritten, e);
	}
	if (rc == 0)
		rc = run_getopt(cfg, argc, argv, args, rewritten, t, e);
	if (rc == 0 && optind < argc)
		cfg->ntargets = 0; /* targets on the command line replace the file's */
	/* From args, not argv: getopt moved the operands behind the options in args. */
	for (int i = optind; rc == 0 && i < argc; i++)
		if (config_add_target(cfg, args[i]) < 0)
			rc = err_set(e, "out of memory");
	for (int i = 0; rewritten && i < argc; i++)
		free(rewritten[i]);
	free(rewritten);
	free(args);
	free(t);
	return rc;
}
