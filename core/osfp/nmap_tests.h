/* nmap's per-reply OS tests (nmap.org/book/osdetect-methods.html), computed from one
 * IPv4 TCP reply to one of the -O probes: the option string of OPS and O= ("M5B4ST11NW7"),
 * and the attribute list of a T1-T7 or ECN line ("R=Y%DF=Y%T=40%TG=40%W=0%S=A%A=Z%F=R%
 * O=%RD=0%Q="; RD the CRC-32 of an RST's data). The first brick of -O's probe set: what a reply means, not how it is
 * sent. Pure functions over bytes; the caller has validated the reply as TCP. */
#ifndef ORBIT_CORE_OSFP_NMAP_TESTS_H
#define ORBIT_CORE_OSFP_NMAP_TESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* nmap's O string of a TCP option block: L EOL, N NOP, M<hex MSS>, W<hex shift>,
 * T<0|1><0|1> (TSval, TSecr non-zero), S SACK permitted. Returns snprintf's count. */
int nmap_options_text(const uint8_t *opt, size_t len, char *out, size_t cap);

enum nmap_test_line {
	NMAP_LINE_T1, /* no W= or O= (they are WIN's and OPS's) */
	NMAP_LINE_T,  /* T2-T7 */
	NMAP_LINE_ECN,
};

/* The attribute list of one reply: ip points at its IPv4 header (len bytes from there);
 * probe_seq, probe_ack: the probe's; hops: nmap's Network Distance (the initial TTL T
 * is the reply's TTL + hops - 1; 0: unknown, TG= the guess instead). Returns snprintf's count, -1 if not a TCP reply. */
int nmap_reply_attributes(const uint8_t *ip, size_t len, uint32_t probe_seq,
			  uint32_t probe_ack, unsigned hops, enum nmap_test_line line, char *out,
			  size_t cap);

/* The CRC-32 of RD (ISO-HDLC, as zlib's crc32()). */
uint32_t nmap_crc32(const uint8_t *p, size_t n);

#endif
