/* UDP probe payloads per destination port, and the reply-side check of their ids.
 * Contract: a table maps each port to one payload: a built-in (written from the
 * protocol's spec, see udp_payloads.c) or the user's bytes; ports without one get an
 * empty payload. Built-ins embed the probe's cookie where the protocol echoes an id
 * (DNS/mDNS/NetBIOS id = cookie_proto_id16, SNMP request-id = cookie_proto_id31, NTP
 * transmit timestamp = the whole cookie, portmap xid = id31, memcached request id =
 * id16, IKE initiator SPI = the whole cookie, CoAP message id = id16 and token = id31),
 * so udp_payload_check_reply() can tell a genuine answer from noise. The table is built
 * and changed at set-up only; udp_payload_write() is the per-probe path (no malloc,
 * division or syscall) and the table is read-only while a scan runs. */
#ifndef ORBIT_CORE_PROBE_UDP_PAYLOADS_H
#define ORBIT_CORE_PROBE_UDP_PAYLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/error.h"

/* Longest payload accepted: fits a 1500-byte MTU with IPv4 and UDP headers. */
#define UDP_PAYLOAD_MAX 1472

struct udp_payload_table;

/* A table with the built-in payloads on their default ports (with_defaults) or empty.
 * NULL when out of memory. */
struct udp_payload_table *udp_payload_table_new(bool with_defaults);
void udp_payload_table_free(struct udp_payload_table *t);

/* Puts the user's bytes on port (replacing what was there; len 0 means empty). */
int udp_payload_set_bytes(struct udp_payload_table *t, uint16_t port, const uint8_t *bytes,
			  size_t len, struct errbuf *e);
/* Puts a built-in payload (by name, e.g. "snmp-v1") on port. */
int udp_payload_set_builtin(struct udp_payload_table *t, uint16_t port, const char *name,
			    struct errbuf *e);
/* Parses one --udp-payload value: "PORT:HEX" (hex digits, optional spaces), "PORT:@FILE"
 * (the file's bytes) or "PORT:NAME" (a built-in, names contain letters beyond a-f). */
int udp_payload_parse_option(struct udp_payload_table *t, const char *spec, struct errbuf *e);

/* Built-ins, for --help and tests. */
struct udp_payload_builtin_info {
	const char *name;
	uint16_t default_port; /* 0: not on by default (an alternative for a port) */
	const char *summary;
};
size_t udp_payload_builtin_count(void);
const struct udp_payload_builtin_info *udp_payload_builtin_at(size_t i);

/* What is on a port: the built-in's name, "user", or NULL for the empty payload. */
const char *udp_payload_name(const struct udp_payload_table *t, uint16_t port);
/* The longest payload in the table (frame buffers are sized from it). */
size_t udp_payload_max_len(const struct udp_payload_table *t);

/* Writes the payload for a probe to port with this cookie into out (room for
 * udp_payload_max_len() bytes); returns its length and adds the one's-complement sum
 * of its 16-bit words (RFC 1071, unfolded) to *sum. */
size_t udp_payload_write(const struct udp_payload_table *t, uint16_t port, uint64_t cookie,
			 uint8_t *out, uint32_t *sum);

/* Whether a UDP reply from port carries this cookie's id, for protocols that echo one;
 * true for payloads without an id (SSDP, TFTP, user bytes, empty). payload/len: the
 * reply's UDP payload. The reply classifier calls it through its udp_reply_check_fn
 * (core/probe/reply.h). */
bool udp_payload_check_reply(const struct udp_payload_table *t, uint16_t port,
			     const uint8_t *payload, size_t len, uint64_t cookie);

#endif
