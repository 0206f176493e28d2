/* The configuration's loading order, above the two sources it reads: the command line
 * (options.c: the option table and one getopt pass) and the -c YAML file (yaml_load.c,
 * which applies through the same table). Neither source calls the other, nor back here. */
#include "config/config.h"
#include "config/option_table.h"
#include "config/timing.h"

#include <stdio.h>
#include <string.h>

/* -oA BASE: the three reports nmap writes, as if -oN/-oX/-oG had named them. */
static int set_output_of_all(struct orbit_config *cfg, const char **file, const char *flag,
			     const char *suffix, struct errbuf *e)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s.%s", cfg->all_base, suffix);
	if (n < 0 || (size_t)n >= sizeof path)
		return err_set(e, "invalid value for -oA: '%.40s...' is too long", cfg->all_base);
	if (*file && strcmp(*file, path) != 0)
		return err_set(e, "conflicting outputs: -oA %s writes %s, %s names '%s'",
			       cfg->all_base, path, flag, *file);
	*file = config_keep_string(cfg, path, (size_t)n);
	return *file ? 0 : err_set(e, "out of memory");
}

static int expand_output_all(struct orbit_config *cfg, struct errbuf *e)
{
	if (!cfg->all_base)
		return 0;
	if (strcmp(cfg->all_base, "-") == 0)
		return err_set(e, "invalid value '-' for -oA: it names files (BASE.nmap, BASE.xml, "
				  "BASE.gnmap)");
	if (set_output_of_all(cfg, &cfg->normal_file, "-oN", "nmap", e) < 0 ||
	    set_output_of_all(cfg, &cfg->xml_file, "-oX", "xml", e) < 0 ||
	    set_output_of_all(cfg, &cfg->grepable_file, "-oG", "gnmap", e) < 0)
		return -1;
	return 0;
}

/* --open: nmap's "only open (or possibly open) ports", as an output filter joined to the
 * user's own. */
static int add_open_filter(struct orbit_config *cfg, struct errbuf *e)
{
	static const char open_states[] = "state = open || state = open|filtered";
	if (!cfg->open_only)
		return 0;
	/* Already joined (a --print-config output read back with -c): leave it. */
	const char *f = cfg->output_filter;
	size_t fl = f ? strlen(f) : 0, ol = strlen(open_states);
	if (f && (strcmp(f, open_states) == 0 ||
		  (fl > ol + 6 && f[fl - 1] == ')' && strncmp(f + fl - ol - 1, open_states, ol) == 0 &&
		   strncmp(f + fl - ol - 7, ") && (", 6) == 0)))
		return 0;
	char expr[4096];
	int n = cfg->output_filter
			? snprintf(expr, sizeof expr, "(%s) && (%s)", cfg->output_filter, open_states)
			: snprintf(expr, sizeof expr, "%s", open_states);
	if (n < 0 || (size_t)n >= sizeof expr)
		return err_set(e, "invalid value for --output-filter: too long with --open");
	cfg->output_filter = config_keep_string(cfg, expr, (size_t)n);
	return cfg->output_filter ? 0 : err_set(e, "out of memory");
}

static int parse_args(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e)
{
	/* A first pass finds -c however it was written (-cFILE, --conf=FILE, -qc FILE), with
	 * getopt's own rules; the file is then loaded and the command line applied over it. */
	struct orbit_config first;
	config_init(&first);
	int rc = option_apply_argv(&first, argc, argv, e);
	const char *config_file = first.config_file; /* points into argv */
	config_free(&first);
	if (rc < 0)
		return -1;
	if (config_file && config_load_yaml_file(cfg, config_file, e) < 0)
		return -1;
	if (option_apply_argv(cfg, argc, argv, e) < 0 || timing_apply(cfg, e) < 0 ||
	    expand_output_all(cfg, e) < 0 || add_open_filter(cfg, e) < 0)
		return -1;
	return config_check(cfg, e);
}

int config_parse_args(struct orbit_config *cfg, int argc, char **argv, struct errbuf *e)
{
	if (parse_args(cfg, argc, argv, e) == 0)
		return 0;
	config_error_one_line(e);
	return -1;
}
