/* Protocol modules of the grab pool: one file each, one small vtable.
 *
 * Contract: the pool owns the socket, the TLS layer, the buffers and the timers; a module
 * only decides what to send and when the answer is complete, from the bytes received so
 * far (s->rx, s->rx_len: everything the server sent on this connection, plaintext, at most
 * max_bytes). Modules keep their progress in s->phase / s->mark / s->aux (zeroed when the
 * module takes over) and fill the result only in finish(), by parsing s->rx, so a
 * connection in flight costs no result struct. Callbacks never block and never allocate.
 *
 *   start(s)    after connect (and the TLS handshake): send first words with grab_send(),
 *               or wait for a greeting (grab_wait() sets an idle timer, else the overall
 *               timeout applies).
 *   on_data(s)  new bytes arrived, or s->eof (server closed): GRAB_MORE to keep reading,
 *               GRAB_DONE when the answer is complete, GRAB_MISMATCH when this is not the
 *               module's protocol (the pool then tries greeting detection), GRAB_ERROR for
 *               a protocol error (reason in s->why).
 *   on_idle(s)  the timer set by grab_wait() expired with no new bytes (may be NULL: DONE).
 *   finish(s,r) fill service/product/version/info and fields from s->rx; called once, for
 *               every outcome that got past connect (also timeouts).
 *   detect(p,n) does this greeting (server-first bytes) look like the module's protocol?
 *               NULL for client-first protocols.
 */
#ifndef ORBIT_CORE_GRAB_MODULE_H
#define ORBIT_CORE_GRAB_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/grab_result.h"

enum grab_verdict {
	GRAB_MORE = 0,
	GRAB_DONE,
	GRAB_MISMATCH,
	GRAB_ERROR,
};

#define GRAB_TX_MAX 512

struct grab_session {
	uint32_t addr; /* host order */
	uint16_t port;
	bool tls;      /* the connection runs over TLS */
	bool eof;      /* the server closed (or reset) */
	const uint8_t *rx;
	size_t rx_len;
	size_t rx_limit; /* max_bytes: rx_len never exceeds it */
	unsigned timeout_ms; /* the connection's whole time budget (scale waits to it) */
	const char *contact; /* --contact (printable, no parentheses), or NULL */
	bool probes_follow;  /* Nmap's probe sequence follows an unnamed answer (grab.h) */
	/* Module state, zeroed when a module takes over. */
	int phase;
	size_t mark;
	uint32_t aux;
	const char *why;  /* protocol-error reason (static string) */
	/* Output to the pool. */
	uint8_t tx[GRAB_TX_MAX];
	size_t tx_len;
	unsigned wait_ms; /* set by grab_wait(): idle timer */
	void *tls_ssl;    /* SSL * when tls (for the TLS facts in finish) */
};

struct grab_module {
	const char *name;    /* "http", "ssh", ... (also grab_result.module) */
	const char *service; /* Nmap's default service name */
	/* Nmap probes whose matches apply to the answer this module elicits (NULL-ended); the
	 * NULL probe (greeting) is always tried first. */
	const char *const *nmap_probes;
	enum grab_verdict (*start)(struct grab_session *s);
	enum grab_verdict (*on_data)(struct grab_session *s);
	enum grab_verdict (*on_idle)(struct grab_session *s);
	void (*finish)(const struct grab_session *s, struct grab_result *r);
	bool (*detect)(const uint8_t *p, size_t n);
};

/* Queues bytes to send (false if they do not fit in GRAB_TX_MAX). */
bool grab_send(struct grab_session *s, const void *p, size_t n);
bool grab_send_str(struct grab_session *s, const char *str);
/* Arms the idle timer: on_idle() after ms without new bytes. 0 disarms. */
void grab_wait(struct grab_session *s, unsigned ms);

/* Result helpers (bounded copies, never fail; a full arena drops the field). */
void grab_set(char *dst, size_t cap, const char *src, size_t n); /* printable copy */
#define GRAB_SET(field, src, n) grab_set((field), sizeof(field), (src), (n))
#define GRAB_SETS(field, str) grab_set((field), sizeof(field), (str), strlen(str))
void grab_field(struct grab_result *r, const char *key, const char *val, size_t n);
void grab_fieldf(struct grab_result *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *grab_field_get(const struct grab_result *r, const char *key);

/* Parsing helpers over the received bytes. */
/* Start of the line after `from` (after "\n"), or NULL if no full line. */
const uint8_t *grab_line_end(const uint8_t *p, size_t n);
/* End (offset after the final line) of a complete FTP/SMTP-style reply starting at p
 * ("220-..." lines continue until "220 ..."), or 0 if incomplete. *code gets the code
 * (0 when the first three bytes are not digits: then the return is 0 too). */
size_t grab_reply_end(const uint8_t *p, size_t n, int *code);
/* Copies the line at p (without CR/LF) into dst. */
void grab_line(char *dst, size_t cap, const uint8_t *p, size_t n);
/* The number at p (after spaces and tabs, never past end or a line break; base 10 or 16):
 * server bytes are not NUL-terminated, so strtol() and atoi() could read beyond them. */
uint64_t grab_number(const uint8_t *p, const uint8_t *end, int base);
/* memmem, case-insensitive for ASCII. */
const uint8_t *grab_memcasemem(const uint8_t *h, size_t hn, const char *needle);

/* Line reader: the complete line at *p in [*p, end), moving *p past it; NULL when no
 * complete line is left. */
const uint8_t *grab_next_line(const uint8_t **p, const uint8_t *end);

/* The mail modules' dialog (POP3, IMAP): a greeting line, then one command, then reply
 * lines until one ends it. grab_mail_step() is such a module's on_data. */
struct grab_mail_dialog {
	bool (*greeting_may_be)(const uint8_t *p, size_t n); /* false: not this protocol */
	const char *mismatch; /* s->why then */
	const char *refusal;  /* greeting prefix of a server that says no more ("-", "* BYE") */
	const char *command;  /* sent after any other greeting */
	bool (*reply_ends)(const uint8_t *line, size_t len, bool first);
};
enum grab_verdict grab_mail_step(struct grab_session *s, const struct grab_mail_dialog *d);

/* Mail greetings → product ("Dovecot pop3d" ...), suffix "pop3d" / "imapd". */
void grab_mail_product(const char *greeting, struct grab_result *r, const char *suffix);
/* Joins the lines of [p, p+n) (each with its first `skip` bytes cut, stopping at a line
 * starting with stop_prefix) with spaces into field `key`. */
void grab_join_lines(const uint8_t *p, size_t n, size_t skip, const char *stop_prefix,
		     struct grab_result *r, const char *key);
/* Parsers exposed for tests. */
void grab_http_server(const char *server, struct grab_result *r);
void grab_ssh_ident(const char *ident, struct grab_result *r);

/* The modules. */
extern const struct grab_module grab_mod_generic, grab_mod_http, grab_mod_ssh, grab_mod_ftp,
	grab_mod_smtp, grab_mod_pop3, grab_mod_imap, grab_mod_mysql, grab_mod_redis,
	grab_mod_postgres, grab_mod_telnet;

/* Port → module (and whether the port speaks TLS first, as 443, 993, 995, 465). */
const struct grab_module *grab_module_for_port(uint16_t port, bool *tls);
/* A server-first module whose detect() accepts the greeting, or NULL. */
const struct grab_module *grab_module_detect(const uint8_t *p, size_t n);
/* By name ("http"), for drivers and tests; NULL if unknown. */
const struct grab_module *grab_module_by_name(const char *name);

/* TLS facts into r (version, cipher, certificate): core/followup/tls.c. */
void grab_tls_finish(void *ssl, struct grab_result *r);

#endif
