/* The configuration's loading order, above the two sources it reads: the command line
 * (options.c: the option table and one getopt pass) and the -c YAML file (yaml_load.c,
 * which applies through the same table). Neither source calls the other, nor back here. */
#include "config/config.h"
#include "config/option_table.h"

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
	if (option_apply_argv(cfg, argc, argv, e) < 0)
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
