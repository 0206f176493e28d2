/* TLS for the grab pool (tls.h): the client context, non-blocking steps on a socket, and
 * the facts of a result: protocol version, cipher, and the server certificate's subject,
 * issuer, validity, serial and DNS names (OpenSSL libssl / libcrypto). */
#include "core/followup/tls.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/followup/module.h"

SSL_CTX *tls_client_ctx_new(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(ctx, 0); /* see old servers as they are */
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	return ctx;
}

void tls_client_ctx_free(SSL_CTX *ctx)
{
	if (ctx)
		SSL_CTX_free(ctx);
}

SSL *tls_session_new(SSL_CTX *ctx, int fd)
{
	SSL *ssl = SSL_new(ctx);
	if (ssl && SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

void tls_session_free(SSL *ssl)
{
	if (ssl)
		SSL_free(ssl);
}

/* Why an SSL_* call returned k <= 0. */
static enum tls_step step_of(SSL *ssl, int k)
{
	switch (SSL_get_error(ssl, k)) {
	case SSL_ERROR_WANT_READ: return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE: return TLS_WANT_WRITE;
	case SSL_ERROR_SYSCALL:
	case SSL_ERROR_ZERO_RETURN: return TLS_CLOSED;
	default: return TLS_FAILED;
	}
}

enum tls_step tls_handshake(SSL *ssl)
{
	ERR_clear_error();
	int k = SSL_connect(ssl);
	return k == 1 ? TLS_OK : step_of(ssl, k);
}

enum tls_step tls_read(SSL *ssl, void *buf, size_t cap, size_t *n)
{
	ERR_clear_error();
	int k = SSL_read(ssl, buf, (int)(cap > INT_MAX ? INT_MAX : cap));
	*n = k > 0 ? (size_t)k : 0;
	return k > 0 ? TLS_OK : step_of(ssl, k);
}

enum tls_step tls_write(SSL *ssl, const void *buf, size_t len, size_t *n)
{
	ERR_clear_error();
	int k = SSL_write(ssl, buf, (int)(len > INT_MAX ? INT_MAX : len));
	*n = k > 0 ? (size_t)k : 0;
	return k > 0 ? TLS_OK : step_of(ssl, k);
}

static void name_field(struct grab_result *r, const char *key, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	char *p;
	long n = BIO_get_mem_data(b, &p);
	if (n > 0)
		grab_field(r, key, p, (size_t)n);
	BIO_free(b);
}

static void time_field(struct grab_result *r, const char *key, const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	char buf[32];
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	grab_field(r, key, buf, n);
}

void grab_tls_finish(void *ssl_, struct grab_result *r)
{
	SSL *ssl = ssl_;
	const char *v = SSL_get_version(ssl);
	if (v)
		grab_field(r, "tls.version", v, strlen(v));
	const char *c = SSL_get_cipher_name(ssl);
	if (c)
		grab_field(r, "tls.cipher", c, strlen(c));
	X509 *cert = SSL_get0_peer_certificate(ssl);
	if (!cert)
		return;
	name_field(r, "tls.subject", X509_get_subject_name(cert));
	name_field(r, "tls.issuer", X509_get_issuer_name(cert));
	time_field(r, "tls.not_before", X509_get0_notBefore(cert));
	time_field(r, "tls.not_after", X509_get0_notAfter(cert));
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	if (bn) {
		char *hex = BN_bn2hex(bn);
		if (hex) {
			grab_field(r, "tls.serial", hex, strlen(hex));
			OPENSSL_free(hex);
		}
		BN_free(bn);
	}
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (sans) {
		char buf[512];
		size_t k = 0;
		for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
			if (g->type != GEN_DNS)
				continue;
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int dl = ASN1_STRING_length(g->d.dNSName);
			if (dl <= 0 || k + (size_t)dl + 2 >= sizeof(buf))
				break;
			if (k)
				buf[k++] = ',';
			memcpy(buf + k, d, (size_t)dl);
			k += (size_t)dl;
		}
		if (k)
			grab_field(r, "tls.dns_names", buf, k);
		GENERAL_NAMES_free(sans);
	}
}
