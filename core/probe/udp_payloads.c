/* Built-in UDP payloads, each written from its protocol's specification, and the
 * per-port table. Every multi-byte id sits at an even offset, so its contribution to
 * the UDP checksum is a plain sum of its 16-bit halves added to the precomputed sum of
 * the payload with the id zeroed. */
#include "core/probe/udp_payloads.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/checksum.h"
#include "core/base/cookie.h"
#include "core/base/packet.h"

/* Where a payload carries the cookie. */
enum payload_id {
	ID_NONE,
	ID_BE16_AT_0, /* DNS, mDNS, NetBIOS transaction id (offset 0) = id16 */
	ID_MEMCACHED, /* memcached UDP frame request id (offset 0) = id16 */
	ID_NTP_XMT,   /* NTP transmit timestamp (offset 40) = cookie; echoed as origin (24) */
	ID_RPC_XID,   /* ONC RPC xid (offset 0) = id31 */
	ID_IKE_SPI,   /* ISAKMP initiator SPI (offset 0) = cookie */
	ID_COAP,      /* CoAP message id (offset 2) = id16, 4-byte token (offset 4) = id31 */
	ID_SNMP_V1,   /* SNMP request-id = id31; the message is encoded per probe */
	ID_SNMP_V2C,
};

/* ---- The payloads. Comments give the fields; ids are zero here. */

/* DNS (RFC 1035): id, flags RD, 1 question: version.bind TXT CH (RFC 4892), which
 * servers answer with their software version. */
static const uint8_t dns_version_bind[] = {
	0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 4, 'b', 'i', 'n', 'd', 0,
	0x00, 0x10, /* TXT */ 0x00, 0x03, /* CH */
};

/* DNS: ". NS IN", answered by recursive resolvers and root-aware servers. */
static const uint8_t dns_root_ns[] = {
	0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0, 0x00, 0x02, /* NS */ 0x00, 0x01, /* IN */
};

/* NTP (RFC 5905 7.3): LI 0, version 4, mode 3 (client), stratum 0, poll 6,
 * precision -23; all timestamps zero except transmit (offset 40) = cookie. */
static const uint8_t ntp_v4_client[48] = {0x23, 0x00, 0x06, 0xe9};
/* NTPv3 (RFC 1305), same layout, for servers that ignore v4. */
static const uint8_t ntp_v3_client[48] = {0x1b, 0x00, 0x06, 0xe9};

/* NetBIOS name service NODE STATUS REQUEST (RFC 1002 4.2.17): id, flags 0, 1 question
 * for the wildcard name "*" (first-level encoded: '*' = "CK", NULs = "AA"), NBSTAT IN. */
static const uint8_t nbns_nbstat[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 'C', 'K', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
	'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 0x00,
	0x00, 0x21, /* NBSTAT */ 0x00, 0x01, /* IN */
};

/* mDNS (RFC 6762, 6763 9): PTR _services._dns-sd._udp.local, class IN with the
 * unicast-response bit (QU). Sent from a port other than 5353 it is a "legacy unicast"
 * query, and the responder must echo the id (RFC 6762 6.7). */
static const uint8_t mdns_services[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	9, '_', 's', 'e', 'r', 'v', 'i', 'c', 'e', 's', 7, '_', 'd', 'n', 's', '-', 's', 'd',
	4, '_', 'u', 'd', 'p', 5, 'l', 'o', 'c', 'a', 'l', 0,
	0x00, 0x0c, /* PTR */ 0x80, 0x01, /* QU | IN */
};

/* SSDP (UPnP Device Architecture 1.1, 1.3.2): a search for all devices and services. */
static const uint8_t ssdp_msearch[] = "M-SEARCH * HTTP/1.1\r\n"
				      "HOST: 239.255.255.250:1900\r\n"
				      "MAN: \"ssdp:discover\"\r\n"
				      "MX: 1\r\n"
				      "ST: ssdp:all\r\n"
				      "\r\n";

/* memcached UDP (protocol.txt, "UDP protocol"): frame header request id, sequence 0,
 * 1 datagram, reserved 0; then the text command. */
static const uint8_t memcached_version[] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	'v', 'e', 'r', 's', 'i', 'o', 'n', '\r', '\n',
};

/* ONC RPC (RFC 5531) CALL to portmapper (RFC 1833): xid, CALL, RPC version 2,
 * program 100000, version 2, procedure 4 (DUMP: the registered programs), AUTH_NONE
 * credentials and verifier. */
static const uint8_t portmap_dump[] = {
	0, 0, 0, 0, /* xid */ 0, 0, 0, 0, /* CALL */ 0, 0, 0, 2, 0, 0x01, 0x86, 0xa0,
	0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* IKEv1 (RFC 2408, 2409) Main Mode first message: ISAKMP header (initiator SPI,
 * responder SPI 0, next payload SA, version 1.0, exchange 2, length 84), one SA
 * (DOI IPsec, SIT_IDENTITY_ONLY) with one ISAKMP proposal holding one KEY_IKE transform:
 * AES-CBC-128, SHA1, pre-shared key, MODP 2048, lifetime 28800 s. A responder answers
 * with its SA or a NO-PROPOSAL-CHOSEN notification, both carrying our SPI. */
static const uint8_t ike_v1_main[] = {
	0, 0, 0, 0, 0, 0, 0, 0, /* initiator SPI */ 0, 0, 0, 0, 0, 0, 0, 0,
	0x01, 0x10, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 84,
	/* SA */ 0x00, 0x00, 0, 56, 0, 0, 0, 1, 0, 0, 0, 1,
	/* proposal */ 0x00, 0x00, 0, 44, 1, 1, 0, 1,
	/* transform */ 0x00, 0x00, 0, 36, 1, 1, 0, 0,
	0x80, 0x01, 0x00, 0x07, /* encryption AES-CBC */
	0x80, 0x0e, 0x00, 0x80, /* key length 128 */
	0x80, 0x02, 0x00, 0x02, /* hash SHA */
	0x80, 0x03, 0x00, 0x01, /* authentication pre-shared key */
	0x80, 0x04, 0x00, 0x0e, /* group 14 */
	0x80, 0x0b, 0x00, 0x01, /* life type seconds */
	0x80, 0x0c, 0x70, 0x80, /* life duration 28800 */
};

/* CoAP (RFC 7252, 6690): version 1, confirmable, token length 4, GET, message id,
 * token, Uri-Path ".well-known", Uri-Path "core". */
static const uint8_t coap_well_known_core[] = {
	0x44, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xbb, '.', 'w', 'e', 'l', 'l', '-', 'k', 'n', 'o', 'w', 'n',
	0x04, 'c', 'o', 'r', 'e',
};

/* TFTP (RFC 1350): read request, filename, mode "octet". The answer (data or error)
 * comes from a new server port, so it carries no id to check. */
static const uint8_t tftp_rrq[] = {
	0x00, 0x01, 'o', 'r', 'b', 'i', 't', '.', 't', 'x', 't', 0, 'o', 'c', 't', 'e', 't', 0,
};

/* SNMP messages are encoded per probe (the request-id's BER length varies); this is
 * only the length bound for the table (encoding with a 4-byte request-id). */
#define SNMP_GET_MAX_LEN 43

struct builtin {
	struct udp_payload_builtin_info info;
	const uint8_t *bytes;
	uint16_t len;
	uint8_t id_kind;
};

#define BUILTIN(name_, port_, summary_, bytes_, kind_)                                    \
	{{name_, port_, summary_}, bytes_, sizeof(bytes_), kind_}

static const struct builtin builtins[] = {
	BUILTIN("dns-version-bind", 53, "DNS TXT CH version.bind query", dns_version_bind,
		ID_BE16_AT_0),
	BUILTIN("dns-root-ns", 0, "DNS . NS IN query", dns_root_ns, ID_BE16_AT_0),
	BUILTIN("tftp-rrq", 69, "TFTP read request", tftp_rrq, ID_NONE),
	BUILTIN("portmap-dump", 111, "ONC RPC portmapper DUMP call", portmap_dump, ID_RPC_XID),
	BUILTIN("ntp-v4", 123, "NTPv4 client request", ntp_v4_client, ID_NTP_XMT),
	BUILTIN("ntp-v3", 0, "NTPv3 client request", ntp_v3_client, ID_NTP_XMT),
	BUILTIN("nbns-nbstat", 137, "NetBIOS node status request", nbns_nbstat, ID_BE16_AT_0),
	{{"snmp-v2c", 161, "SNMPv2c GetRequest sysDescr.0, community public"}, NULL,
	 SNMP_GET_MAX_LEN, ID_SNMP_V2C},
	{{"snmp-v1", 0, "SNMPv1 GetRequest sysDescr.0, community public"}, NULL,
	 SNMP_GET_MAX_LEN, ID_SNMP_V1},
	BUILTIN("ike-v1-main", 500, "IKEv1 Main Mode SA proposal", ike_v1_main, ID_IKE_SPI),
	/* The string's NUL terminator is not sent. */
	{{"ssdp-msearch", 1900, "SSDP M-SEARCH ssdp:all"}, ssdp_msearch,
	 sizeof ssdp_msearch - 1, ID_NONE},
	BUILTIN("mdns-services", 5353, "mDNS QU PTR _services._dns-sd._udp.local",
		mdns_services, ID_BE16_AT_0),
	BUILTIN("coap-well-known-core", 5683, "CoAP GET /.well-known/core",
		coap_well_known_core, ID_COAP),
	BUILTIN("memcached-version", 11211, "memcached UDP version command",
		memcached_version, ID_MEMCACHED),
};
#define BUILTIN_COUNT (sizeof builtins / sizeof builtins[0])

size_t udp_payload_builtin_count(void)
{
	return BUILTIN_COUNT;
}

const struct udp_payload_builtin_info *udp_payload_builtin_at(size_t i)
{
	return i < BUILTIN_COUNT ? &builtins[i].info : NULL;
}

/* ---- The table: a byte per port naming a slot (0: empty payload). */

#define TABLE_SLOTS 256

struct payload_slot {
	const char *name; /* built-in name or "user" */
	const uint8_t *bytes;
	uint8_t *owned; /* user bytes, freed with the table */
	uint32_t sum;   /* unfolded sum of bytes (ids zero) */
	uint16_t len;
	uint8_t id_kind;
};

struct udp_payload_table {
	uint8_t slot_of_port[65536];
	struct payload_slot slots[TABLE_SLOTS];
	size_t used; /* slots[0] is the empty payload */
	size_t max_len;
};

static int table_put(struct udp_payload_table *t, uint16_t port, struct payload_slot slot,
		     struct errbuf *e)
{
	if (slot.len == 0) {
		free(slot.owned);
		t->slot_of_port[port] = 0;
		return 0;
	}
	if (t->used >= TABLE_SLOTS) {
		free(slot.owned);
		return err_set(e, "too many UDP payloads (at most %d)", TABLE_SLOTS - 1);
	}
	slot.sum = slot.bytes ? csum_partial(slot.bytes, slot.len, 0) : 0;
	t->slots[t->used] = slot;
	t->slot_of_port[port] = (uint8_t)t->used++;
	if (slot.len > t->max_len)
		t->max_len = slot.len;
	return 0;
}

static const struct builtin *builtin_by_name(const char *name)
{
	for (size_t i = 0; i < BUILTIN_COUNT; i++)
		if (strcmp(builtins[i].info.name, name) == 0)
			return &builtins[i];
	return NULL;
}

static int put_builtin(struct udp_payload_table *t, uint16_t port, const struct builtin *b,
		       struct errbuf *e)
{
	struct payload_slot slot = {b->info.name, b->bytes, NULL, 0, b->len, b->id_kind};
	return table_put(t, port, slot, e);
}

struct udp_payload_table *udp_payload_table_new(bool with_defaults)
{
	struct udp_payload_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->used = 1;
	for (size_t i = 0; with_defaults && i < BUILTIN_COUNT; i++)
		if (builtins[i].info.default_port)
			put_builtin(t, builtins[i].info.default_port, &builtins[i], NULL);
	return t;
}

void udp_payload_table_free(struct udp_payload_table *t)
{
	if (!t)
		return;
	for (size_t i = 1; i < t->used; i++)
		free(t->slots[i].owned);
	free(t);
}

int udp_payload_set_bytes(struct udp_payload_table *t, uint16_t port, const uint8_t *bytes,
			  size_t len, struct errbuf *e)
{
	if (len > UDP_PAYLOAD_MAX)
		return err_set(e, "UDP payload for port %u too long: %zu bytes (at most %d)",
			       (unsigned)port, len, UDP_PAYLOAD_MAX);
	uint8_t *copy = NULL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return err_set(e, "out of memory for UDP payload of port %u", (unsigned)port);
		memcpy(copy, bytes, len);
	}
	struct payload_slot slot = {"user", copy, copy, 0, (uint16_t)len, ID_NONE};
	return table_put(t, port, slot, e);
}

int udp_payload_set_builtin(struct udp_payload_table *t, uint16_t port, const char *name,
			    struct errbuf *e)
{
	const struct builtin *b = builtin_by_name(name);
	if (!b)
		return err_set(e, "unknown UDP payload '%s'", name);
	return put_builtin(t, port, b, e);
}

const char *udp_payload_name(const struct udp_payload_table *t, uint16_t port)
{
	uint8_t s = t->slot_of_port[port];
	return s ? t->slots[s].name : NULL;
}

size_t udp_payload_max_len(const struct udp_payload_table *t)
{
	return t->max_len;
}

/* ---- Option parsing: PORT:HEX, PORT:@FILE, PORT:NAME. */

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t *len, const char *spec, struct errbuf *e)
{
	size_t n = 0;
	int high = -1;
	for (const char *p = s; *p; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		int v = hex_value((unsigned char)*p);
		if (v < 0)
			return err_set(e, "bad UDP payload '%.64s': '%c' is not a hex digit", spec, *p);
		if (high < 0) {
			high = v;
			continue;
		}
		if (n >= UDP_PAYLOAD_MAX)
			return err_set(e, "bad UDP payload '%.64s': longer than %d bytes", spec,
				       UDP_PAYLOAD_MAX);
		out[n++] = (uint8_t)(high << 4 | v);
		high = -1;
	}
	if (high >= 0)
		return err_set(e, "bad UDP payload '%.64s': odd number of hex digits", spec);
	*len = n;
	return 0;
}

static int read_payload_file(const char *path, uint8_t *out, size_t *len, const char *spec,
			     struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, "bad UDP payload '%.64s': %s: %s", spec, path, strerror(errno));
	size_t n = fread(out, 1, UDP_PAYLOAD_MAX, f);
	int too_long = n == UDP_PAYLOAD_MAX && fgetc(f) != EOF;
	int failed = ferror(f);
	fclose(f);
	if (failed)
		return err_set(e, "bad UDP payload '%.64s': cannot read %s", spec, path);
	if (too_long)
		return err_set(e, "bad UDP payload '%.64s': %s is longer than %d bytes", spec, path,
			       UDP_PAYLOAD_MAX);
	*len = n;
	return 0;
}

int udp_payload_parse_option(struct udp_payload_table *t, const char *spec, struct errbuf *e)
{
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec)
		return err_set(e, "bad UDP payload '%.64s' (PORT:HEX, PORT:@FILE or PORT:NAME)", spec);
	unsigned long port = 0;
	for (const char *p = spec; p < colon; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return err_set(e, "bad UDP payload '%.64s': bad port", spec);
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		return err_set(e, "bad UDP payload '%.64s': bad port", spec);
	const char *value = colon + 1;
	if (builtin_by_name(value))
		return udp_payload_set_builtin(t, (uint16_t)port, value, e);
	_Static_assert(UDP_PAYLOAD_MAX < 4096, "payload buffer on the stack");
	uint8_t bytes[UDP_PAYLOAD_MAX];
	size_t len = 0;
	int rc = value[0] == '@' ? read_payload_file(value + 1, bytes, &len, spec, e)
				 : parse_hex(value, bytes, &len, spec, e);
	if (rc < 0)
		return rc;
	return udp_payload_set_bytes(t, (uint16_t)port, bytes, len, e);
}

/* ---- SNMP encoding (X.690 BER, short-form lengths: the message is < 128 bytes). */

/* Minimal two's-complement content octets of a non-negative INTEGER (X.690 8.3.2):
 * the fewest bytes whose top bit leaves the value positive. */
static size_t ber_uint31(uint32_t v, uint8_t out[4])
{
	size_t n = v < 0x80u ? 1 : v < 0x8000u ? 2 : v < 0x800000u ? 3 : 4;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}

static size_t snmp_get_sysdescr(uint8_t *out, uint8_t version, uint32_t request_id)
{
	static const uint8_t community[] = {0x04, 6, 'p', 'u', 'b', 'l', 'i', 'c'};
	/* error-status 0, error-index 0, varbinds: { { sysDescr.0 (1.3.6.1.2.1.1.1.0), NULL } } */
	static const uint8_t pdu_tail[] = {
		0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08,
		0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
	};
	uint8_t id[4];
	size_t id_len = ber_uint31(request_id, id);
	size_t pdu_len = 2 + id_len + sizeof pdu_tail;
	size_t msg_len = 3 + sizeof community + 2 + pdu_len;
	uint8_t *p = out;
	*p++ = 0x30;
	*p++ = (uint8_t)msg_len;
	*p++ = 0x02, *p++ = 0x01, *p++ = version;
	memcpy(p, community, sizeof community), p += sizeof community;
	*p++ = 0xa0; /* GetRequest-PDU */
	*p++ = (uint8_t)pdu_len;
	*p++ = 0x02, *p++ = (uint8_t)id_len;
	memcpy(p, id, id_len), p += id_len;
	memcpy(p, pdu_tail, sizeof pdu_tail), p += sizeof pdu_tail;
	return (size_t)(p - out);
}

/* ---- The per-probe path. */

static inline uint32_t sum32(uint32_t v)
{
	return (v >> 16) + (v & 0xffff);
}

size_t udp_payload_write(const struct udp_payload_table *t, uint16_t port, uint64_t cookie,
			 uint8_t *out, uint32_t *sum)
{
	const struct payload_slot *s = &t->slots[t->slot_of_port[port]];
	if (s->len == 0)
		return 0;
	uint16_t id16 = cookie_proto_id16(cookie);
	uint32_t id31 = cookie_proto_id31(cookie);
	size_t len;
	switch (s->id_kind) {
	case ID_SNMP_V1:
	case ID_SNMP_V2C:
		len = snmp_get_sysdescr(out, s->id_kind == ID_SNMP_V1 ? 0 : 1, id31);
		*sum += csum_partial(out, len, 0);
		return len;
	default:
		break;
	}
	memcpy(out, s->bytes, s->len);
	*sum += s->sum;
	switch (s->id_kind) {
	case ID_BE16_AT_0:
	case ID_MEMCACHED:
		pkt_put_be16(out, id16);
		*sum += id16;
		break;
	case ID_NTP_XMT:
		pkt_put_be64(out + 40, cookie);
		*sum += sum32((uint32_t)(cookie >> 32)) + sum32((uint32_t)cookie);
		break;
	case ID_RPC_XID:
		pkt_put_be32(out, id31);
		*sum += sum32(id31);
		break;
	case ID_IKE_SPI:
		pkt_put_be64(out, cookie);
		*sum += sum32((uint32_t)(cookie >> 32)) + sum32((uint32_t)cookie);
		break;
	case ID_COAP:
		pkt_put_be16(out + 2, id16);
		pkt_put_be32(out + 4, id31);
		*sum += id16 + sum32(id31);
		break;
	default:
		break;
	}
	return s->len;
}

/* ---- The reply side. */

/* Reads a BER tag and definite length (short form, or long form of 1-2 bytes). */
static bool ber_header(const uint8_t **p, const uint8_t *end, uint8_t *tag, size_t *len)
{
	if (end - *p < 2)
		return false;
	*tag = (*p)[0];
	uint8_t l = (*p)[1];
	*p += 2;
	if (l < 0x80) {
		*len = l;
	} else if (l == 0x81 && end - *p >= 1) {
		*len = (*p)[0];
		*p += 1;
	} else if (l == 0x82 && end - *p >= 2) {
		*len = (size_t)((*p)[0] << 8 | (*p)[1]);
		*p += 2;
	} else {
		return false;
	}
	return true;
}

/* Skips one primitive TLV with the expected tag. */
static bool ber_skip(const uint8_t **p, const uint8_t *end, uint8_t want_tag)
{
	uint8_t tag;
	size_t len;
	if (!ber_header(p, end, &tag, &len) || tag != want_tag || (size_t)(end - *p) < len)
		return false;
	*p += len;
	return true;
}

static bool snmp_request_id_is(const uint8_t *msg, size_t len, uint32_t want)
{
	const uint8_t *p = msg, *end = msg + len;
	uint8_t tag;
	size_t l;
	if (!ber_header(&p, end, &tag, &l) || tag != 0x30)
		return false;
	if (!ber_skip(&p, end, 0x02) || !ber_skip(&p, end, 0x04)) /* version, community */
		return false;
	if (!ber_header(&p, end, &tag, &l) || (tag & 0xe0) != 0xa0) /* any PDU */
		return false;
	if (!ber_header(&p, end, &tag, &l) || tag != 0x02 || l < 1 || l > 4 ||
	    (size_t)(end - p) < l)
		return false;
	if (p[0] & 0x80) /* negative: never ours */
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < l; i++)
		v = v << 8 | p[i];
	return v == want;
}

bool udp_payload_check_reply(const struct udp_payload_table *t, uint16_t port,
			     const uint8_t *payload, size_t len, uint64_t cookie)
{
	const struct payload_slot *s = &t->slots[t->slot_of_port[port]];
	uint16_t id16 = cookie_proto_id16(cookie);
	uint32_t id31 = cookie_proto_id31(cookie);
	switch (s->id_kind) {
	case ID_BE16_AT_0: /* same id, and a response (QR / NetBIOS R bit) */
		return len >= 12 && pkt_be16(payload) == id16 && (payload[2] & 0x80);
	case ID_MEMCACHED:
		return len >= 8 && pkt_be16(payload) == id16;
	case ID_NTP_XMT:
		return len >= 48 && pkt_be64(payload + 24) == cookie;
	case ID_RPC_XID:
		return len >= 8 && pkt_be32(payload) == id31 && pkt_be32(payload + 4) == 1;
	case ID_IKE_SPI:
		return len >= 28 && pkt_be64(payload) == cookie;
	case ID_COAP:
		if (len < 4 || (payload[0] >> 6) != 1)
			return false;
		if (pkt_be16(payload + 2) == id16) /* ACK or RST to our confirmable */
			return true;
		return (payload[0] & 0x0f) == 4 && len >= 8 && pkt_be32(payload + 4) == id31;
	case ID_SNMP_V1:
	case ID_SNMP_V2C:
		return snmp_request_id_is(payload, len, id31);
	default:
		return true;
	}
}
