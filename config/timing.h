/* nmap's timing templates (-T0 .. -T5) on orbit's knobs, and the rate options that work
 * together with them (config-internal; called by config/load.c once both sources are
 * read). Contract: timing_apply() sets each knob of the chosen template that neither the
 * command line nor the file gave (cfg->option_given), then applies --min-rate; -1 with a
 * one-line message when --min-rate cannot hold with --scan-delay. The table is printed in
 * the man page by timing_print_man(). */
#ifndef ORBIT_CONFIG_TIMING_H
#define ORBIT_CONFIG_TIMING_H

#include <stdio.h>

#include "config/config.h"

int timing_apply(struct orbit_config *cfg, struct errbuf *e);
void timing_print_man(FILE *out);

#endif
