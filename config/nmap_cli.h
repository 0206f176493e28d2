/* nmap's command line as orbit reads it, before getopt sees it (config-internal).
 * Contract: nmap_cli_refusal() names an nmap option orbit does not implement (the token as
 * typed, "-sT", "--mtu=1400", "-PY22") in one line, or returns NULL; long_option_check()
 * accepts only a long option spelt in full (getopt's silent abbreviations are refused)
 * and, for a misspelt one, suggests the nearest long name by edit distance. Both read
 * only the option table and their own table of nmap's options. */
#ifndef ORBIT_CONFIG_NMAP_CLI_H
#define ORBIT_CONFIG_NMAP_CLI_H

#include <stdbool.h>

#include "core/base/error.h"

/* 0, or -1 with e set to "nmap's -sT (TCP connect scan) is not supported" (or, for -6,
 * "-6 (IPv6) is not supported yet"). */
int nmap_cli_refusal(const char *token, struct errbuf *e);

/* token starts with "--": 0 when its name (up to '=') is an option of the table or the
 * --no- form of one of its flags; else -1 with "unknown option '--rat'; did you mean
 * --rate?". *takes_value is set when the option wants a value. */
int long_option_check(const char *token, bool *takes_value, struct errbuf *e);

#endif
