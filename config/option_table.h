/* The option table: the one place that names every option, its type, bounds and help.
 * Contract: the command-line parser, the YAML loader and printer, --help and the man page
 * are all generated from option_table[], so a new entry is a new flag, a new config-file
 * key, a new help line and a new man-page entry at once. Entries that store into the
 * same field (--rate and --max-rate) are aliases: the first of them is the canonical one
 * (printed in YAML; a file may use either name, not both). For config/ and for tools that
 * enumerate the options (the metadata's copy of the config). */
#ifndef ORBIT_CONFIG_OPTION_TABLE_H
#define ORBIT_CONFIG_OPTION_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum opt_kind {
	OPT_FLAG,
	OPT_STRING,
	OPT_UINT,
	OPT_U64,
	OPT_SI,   /* a number with an optional K/M/G suffix (powers of 1000) */
	OPT_LIST, /* repeatable string: appended to a struct str_list */
	OPT_MS,   /* a time in milliseconds (unsigned): 500, 500ms, 2s, 1m, 1h */
};

struct option_spec {
	const char *name;  /* long name, also the YAML key */
	int short_name;    /* 0 when none */
	const char *nmap_alias; /* nmap-style multi-letter flag ("-sS"), or NULL */
	enum opt_kind kind;
	size_t offset;     /* field in struct orbit_config */
	size_t set_offset; /* bool field set when given, or SIZE_MAX */
	uint64_t min, max; /* numeric bounds */
	const char *arg;   /* argument name for --help */
	const char *help;
	/* An action of the command line (--help, -c, --print-config), not a scan setting:
	 * no config-file key, no line in --print-config, no --no- form. */
	bool cli_only;
	/* For strings with a fixed vocabulary: the accepted values, separated by '|'. */
	const char *choices;
	/* -v, -d: the letter takes no value and each use adds one (the long form sets it). */
	bool counted;
	/* For numbers: a word accepted instead ("auto" for --shard): sets the bool at
	 * word_offset (only read when word is set). */
	const char *word;
	size_t word_offset;
};

#define OPTION_NOSET SIZE_MAX

extern const struct option_spec option_table[];
extern const size_t option_count;

/* Headings of --help, the man page and --print-config: each section starts at the named
 * option and runs up to the next section's first option, in table order. */
struct option_section {
	const char *first;
	const char *title;
};
extern const struct option_section option_sections[];
extern const size_t option_section_count;

/* The YAML key (and field) that holds the positional TARGETS of the command line. */
#define CONFIG_TARGETS_KEY "targets"

/* The option of that long name, or NULL. */
const struct option_spec *option_by_name(const char *name);
/* The canonical entry for o's field: o itself unless o is an alias. */
const struct option_spec *option_canonical(const struct option_spec *o);
/* The heading of the section o starts, or NULL when o is not the first of one. */
const char *option_section_starting_at(const struct option_spec *o);

/* Parses value as option o and stores it in cfg. label names the option in the error
 * message ("--rate" on the command line, "rate" in a file). value must outlive cfg. */
int option_apply(struct orbit_config *cfg, const struct option_spec *o, const char *value,
		 const char *label, struct errbuf *e);
/* One getopt_long pass over argv (nmap aliases rewritten, --no-FLAG, a second different
 * value of one option an error), applied over what cfg holds; positional targets replace
 * cfg's. Does not read the -c file: config/load.c orders the passes. */
int option_apply_argv(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e);
/* Whether o's field holds the same value in a and b (strings by content). */
bool option_values_equal(const struct option_spec *o, const struct orbit_config *a,
			 const struct orbit_config *b);
/* Sets o's field (and its "given" marker) back to what config_init() gives. */
void option_reset(struct orbit_config *cfg, const struct option_spec *o);

/* Messages are one line: control characters of a quoted value (a newline inside a YAML
 * scalar or an argument) become escapes. */
void config_error_one_line(struct errbuf *e);

/* Helpers for the loaders: a copy of s owned by cfg (freed by config_free), NULL when out of
 * memory; appending a target (s must outlive cfg). */
const char *config_keep_string(struct orbit_config *cfg, const char *s, size_t len);
int config_add_target(struct orbit_config *cfg, const char *target);

#endif
