/* Inside the nmap-service-probes database: the parsed structs shared by the parser
 * (probes.c) and the matcher/planner (probes_match.c). Nothing outside those two files
 * includes this header. */
#ifndef ORBIT_CORE_FOLLOWUP_PROBES_DB_H
#define ORBIT_CORE_FOLLOWUP_PROBES_DB_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { T_P, T_V, T_I, T_H, T_O, T_D, T_N };
#define PMATCH_CPE_MAX 4
#define PROBE_FALLBACK_MAX 8

struct pmatch {
	bool soft;
	int16_t first; /* byte every match must start with, or -1 */
	int16_t first_alt;
	char *service;
	char *re;
	uint32_t opts;
	char *tmpl[T_N];
	char *cpe[PMATCH_CPE_MAX];
	_Atomic(pcre2_code *) code; /* compiled at its first use */
	_Atomic(pcre2_code *) jit;  /* a JIT-compiled copy once it is used often */
	atomic_uint uses;
	atomic_int failed;
	unsigned line;
};

struct port_range {
	uint16_t lo, hi;
};

struct portset {
	struct port_range *r;
	size_t n;
};

struct probe {
	char *name;
	bool udp;
	uint8_t *payload;
	size_t payload_len;
	struct pmatch *m;
	size_t nm, capm;
	char *fallback;
	int fb[PROBE_FALLBACK_MAX];
	int nfb;
	struct portset ports, sslports;
	uint8_t rarity;        /* 1..9; probes without a rarity line count as 9 */
	unsigned totalwaitms;  /* 0: not given (the engine's default) */
	unsigned tcpwrappedms; /* 0: not given */
};

struct probe_db {
	struct probe *p;
	size_t n, cap;
	unsigned nmatch, nsoft;
	int null_probe;
	struct portset exclude_tcp, exclude_udp;
	pthread_t warm; /* probe_db_warm(): compiles ahead, joined by probe_db_free */
	bool warming;
	atomic_bool warm_stop;
};

void probe_db_warm_join(struct probe_db *db);

bool portset_has(const struct portset *s, uint16_t port);

#endif
