/* Inside the grab pool: a connection slot and the worker (one thread, one loop) it lives
 * on. conn.c runs the per-connection state machine on the worker's loop (connect, TLS
 * handshake, write, read, idle and overall deadline, byte limit, module dispatch); pool.c
 * owns the workers (threads, rings, slots, lifecycle) and turns a finished connection
 * into the one result its port gets (worker_deliver*). Everything here runs on the
 * worker's thread, except the counters, which grab_pool_stats() reads from any thread. */
#ifndef ORBIT_CORE_FOLLOWUP_CONN_H
#define ORBIT_CORE_FOLLOWUP_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/base/ring.h"
#include "core/followup/grab.h"
#include "core/followup/module.h"

enum conn_state { CONN_FREE = 0, CONN_CONNECTING, CONN_TLS, CONN_ACTIVE, CONN_PROBING };

#define VSCAN_PLAN_MAX 128

/* The probe sequence (vscan.c): one connection per probe, at most VSCAN_CONNS
 * connections to a port at once (its first one's included while open), and up to
 * VSCAN_AHEAD probes sent and not yet decided (an answer that is complete waits without
 * its socket to be judged in plan order). */
#define VSCAN_CONNS 5
#define VSCAN_AHEAD 16

struct conn;

struct vscan_lane {
	struct conn *c;
	bool used;          /* carries plan entry idx (its answer may wait to be judged) */
	bool open;          /* fd is open */
	bool sent;          /* the payload is written */
	bool over;          /* the answer is complete: EOF, the wait, or the quiet time */
	bool eof;           /* the server closed (its side of the connection is gone) */
	bool hard;          /* its answer so far matches hard (judged in order later) */
	uint8_t phase;      /* 0 connecting, 1 TLS, 2 probing */
	uint8_t idx;        /* its place in the plan */
	int16_t probe;
	int fd;
	struct ssl_st *ssl;
	uint8_t *rx;
	size_t rx_len, rx_cap, tx_off, judged_len;
	uint64_t timer, deadline_ns, start_ns;
};

struct vscan_conn {
	bool on;            /* the first connection ended without a hard match: probing */
	bool early;         /* probes went out while the first connection waited for a greeting */
	bool tunnel;        /* probes run inside TLS (the port spoke TLS) */
	bool tcpwrapped;    /* the NULL probe's connection closed at once, before any byte */
	bool null_again;    /* the first connection spoke first and got nothing: NULL leads the plan */
	uint8_t first_state;/* enum conn_state the first connection ended in */
	uint8_t first_status;
	uint8_t next, nplan; /* next: the plan entry to launch */
	uint8_t judged;      /* plan entries decided (in order) */
	uint8_t restarts;   /* plan rebuilt inside TLS */
	int16_t matched;    /* probe whose answer (keep) matched hard, -1 none */
	int16_t soft_probe; /* probe whose answer (keep) softmatched, -1 none */
	int16_t plan[VSCAN_PLAN_MAX];
	char soft[32];      /* service of a softmatch ("" none) */
	const char *first_why;
	uint8_t *keep;       /* the matched answer */
	size_t keep_len;
	struct ssl_st *tls_keep; /* the tunnel's first session: its certificate for the result */
	unsigned probes_sent;
	uint64_t early_timer; /* loop timer: the first connection's silence starts the probes */
	uint64_t cool_timer;  /* loop timer: a connection we reset may count at the server still */
	uint64_t grace_ns;    /* how long it may (a round trip and 20 ms) */
	uint64_t reset_ns[VSCAN_CONNS]; /* when we last reset connections to the port */
	struct vscan_lane *lane; /* VSCAN_AHEAD of them once probes go out, else NULL */
};

struct conn {
	struct grab_worker *w;
	int fd;
	uint8_t state;    /* enum conn_state */
	uint8_t switches; /* module changes after a mismatch */
	bool tls;
	bool reset;       /* ECONNRESET seen */
	bool truncated;
	bool sent_any;
	uint64_t start_ns, deadline_ns;
	uint64_t deadline_timer, idle_timer; /* loop timer ids, 0: none */
	const struct grab_module *mod;
	struct ssl_st *ssl;
	uint8_t *rx;
	size_t rx_cap;
	size_t tx_off;   /* bytes of s.tx already written */
	size_t greeting; /* rx_len at our first write */
	uint64_t tx_bytes;
	unsigned next_free;
	struct scan_result scan;
	struct vscan_conn v;
	struct grab_session s;
};

struct grab_worker {
	const struct grab_params *p;
	struct ssl_ctx_st *tls_ctx;
	struct loop *loop;
	pthread_t tid;
	bool started;
	struct ring ring;
	struct conn *conns;
	unsigned nconns, free_head, active;
	struct grab_result res; /* scratch, filled at delivery */
	struct probe_scratch *psc;
	atomic_uint_fast64_t submitted, overflow, started_n, completed, by_status[8];
	atomic_uint_fast64_t rx_bytes, tx_bytes;
	atomic_uint active_pub, peak;
};

/* conn.c */
void conn_start(struct grab_worker *w, const struct scan_result *scan);
/* Ends an open connection as it is (the pool stops). */
void conn_stop(struct conn *c);
/* Delivers the port's result and frees the slot (vscan.c ends a probe sequence so). */
void conn_close(struct conn *c, enum grab_status st, const char *why);
/* Closes c's socket, if open, with an RST (SO_LINGER 0); the slot stays c's. */
void conn_close_socket(struct conn *c);
/* A non-blocking socket connecting to the port: the fd, or -errno; *now: connected. */
int conn_open_socket(const struct grab_params *p, const struct scan_result *scan, bool *now);
/* Still in the handshake: a readiness event for it is stale (its fd number belonged to a
 * socket closed earlier in the same loop turn). */
bool conn_still_connecting(int fd);
/* The kernel's smoothed round trip of the connection (0: unknown). */
uint64_t conn_rtt_ns(int fd);

/* vscan.c: Nmap's probe sequence (the contract is at the top of vscan.c). */
/* The first connection is up: while it stays silent, its probes may go out beside it. */
void vscan_first_active(struct conn *c);
bool vscan_after_first(struct conn *c, enum grab_status st, const char *why);
void vscan_restore(struct conn *c);
void vscan_identify(struct grab_worker *w, const struct conn *c, struct grab_result *r);
void vscan_release(struct conn *c);

/* pool.c */
struct conn *worker_take_slot(struct grab_worker *w); /* NULL when none is free */
void worker_put_slot(struct grab_worker *w, struct conn *c);
/* The result of a connection that got a socket; of a port that never did. */
void worker_deliver(struct grab_worker *w, const struct conn *c, enum grab_status st,
		    const char *why);
void worker_deliver_early(struct grab_worker *w, const struct scan_result *scan,
			  enum grab_status st, const char *why, uint64_t start_ns);

#endif
