/* TLS for the grab pool (OpenSSL): a client context that accepts any server (no
 * verification, security level 0: old servers are seen as they are), non-blocking
 * handshake, read and write on a connected socket, and the TLS facts of a result
 * (grab_tls_finish, declared in module.h). A step that cannot finish says which readiness
 * it waits for; TLS_CLOSED is the peer going away, TLS_FAILED a TLS-level error. */
#ifndef ORBIT_CORE_FOLLOWUP_TLS_H
#define ORBIT_CORE_FOLLOWUP_TLS_H

#include <stddef.h>

struct ssl_st;
struct ssl_ctx_st;

enum tls_step { TLS_OK = 0, TLS_WANT_READ, TLS_WANT_WRITE, TLS_CLOSED, TLS_FAILED };

struct ssl_ctx_st *tls_client_ctx_new(void); /* NULL on failure */
void tls_client_ctx_free(struct ssl_ctx_st *ctx);
struct ssl_st *tls_session_new(struct ssl_ctx_st *ctx, int fd); /* NULL on failure */
void tls_session_free(struct ssl_st *ssl);
enum tls_step tls_handshake(struct ssl_st *ssl);
/* TLS_OK with *n > 0 bytes moved, or why nothing moved. */
enum tls_step tls_read(struct ssl_st *ssl, void *buf, size_t cap, size_t *n);
enum tls_step tls_write(struct ssl_st *ssl, const void *buf, size_t len, size_t *n);

#endif
