/* The follow-up (banner grab) result: what the grab pool (core/followup/) learned about one
 * open TCP port. It carries a copy of the port's scan_result, so the engine can emit one
 * enriched record per open port.
 * Contract: plain struct with fixed-size, NUL-terminated strings (empty = unknown) and no
 * heap pointers of its own (scan.grab stays NULL), so a copy is one assignment: the engine
 * hands the outputs a heap copy through scan_result.grab. `banner` holds raw bytes (may
 * contain NUL and binary): formats escape it (output/json.h's policy). Protocol-specific facts are key/value pairs
 * ("http.title", "tls.cipher", "ssh.kex_algorithms", "ftp.anonymous" ...), in the order the
 * module found them; keys are static strings, values live in `arena`.
 * grab_status names follow ZGrab2's, plus "not-grabbed" (the pool was full, or grabs off). */
#ifndef ORBIT_BASE_GRAB_RESULT_H
#define ORBIT_BASE_GRAB_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/result.h"

enum grab_status {
	GRAB_STATUS_NOT_GRABBED = 0, /* queue overflow (back-pressure) or pool stopped */
	GRAB_STATUS_SUCCESS,
	GRAB_STATUS_CONNECTION_REFUSED, /* RST to our SYN */
	GRAB_STATUS_CONNECTION_TIMEOUT, /* connect() did not finish in time */
	GRAB_STATUS_CONNECTION_CLOSED,  /* EOF or RST before the module had an answer */
	GRAB_STATUS_IO_TIMEOUT,         /* connected, but the answer did not finish in time */
	GRAB_STATUS_PROTOCOL_ERROR,     /* the answer is not the protocol the module speaks */
	GRAB_STATUS_UNKNOWN_ERROR,      /* anything else (see grab_result.error) */
};

#define GRAB_BANNER_MAX 1024 /* raw bytes kept for output; the pool may read more */
#define GRAB_FIELDS_MAX 24
#define GRAB_ARENA_MAX 4096

struct grab_field {
	const char *key; /* static string, e.g. "http.title" */
	uint16_t off;    /* value: arena + off, NUL-terminated */
};

struct grab_result {
	struct scan_result scan; /* the open port as the stateless stage found it */
	uint8_t status;          /* enum grab_status */
	uint8_t tls;             /* 1 when the service spoke TLS */
	uint8_t banner_truncated;/* the server sent more than the pool kept or read */
	char module[16];         /* module that produced the answer: "http", "ssh", ... */
	char service[32];        /* Nmap's service name: "http", "ssh", "ftp", "redis" ... */
	char product[80];        /* "nginx", "OpenSSH", "vsftpd" ... */
	char version[48];        /* "1.22.1" */
	char info[128];          /* Nmap's extrainfo: "Debian 2+deb12u10; protocol 2.0" */
	char ostype[32];         /* Nmap's o/ : "Linux", "Unix" */
	char devicetype[32];     /* Nmap's d/ : "router", "printer" */
	char hostname[64];       /* Nmap's h/ : the host name the service gave */
	char cpe_more[3][80];    /* CPEs after the first (cpe), in the match's order */
	char method[8];          /* "probed" (a probe's match named it), "table" (port guess) */
	uint8_t conf;            /* Nmap's conf: 10 probed, 3 table, 0 unknown */
	uint8_t softmatched;     /* only a softmatch named the service (Nmap prints no product) */
	uint8_t tcpwrapped;      /* the server closed at once, before any byte (Nmap's tcpwrapped) */
	char probe[24];          /* the nmap-service-probes probe whose answer matched: "NULL" */
	char cpe[128];           /* first CPE, when a probe database match gives one */
	char error[64];          /* why status is not success (errno text, module reason) */
	uint64_t rx_bytes;       /* bytes read from the server (after TLS: plaintext) */
	uint64_t tx_bytes;       /* bytes written */
	uint64_t duration_us;    /* connect start to close */
	uint16_t banner_len;
	uint8_t nfields;
	char banner[GRAB_BANNER_MAX];
	struct grab_field fields[GRAB_FIELDS_MAX];
	uint16_t arena_used;
	char arena[GRAB_ARENA_MAX];
};

const char *grab_status_name(enum grab_status s); /* "success", "io-timeout", ... */

#endif
