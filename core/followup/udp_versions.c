#include "core/followup/udp_versions.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/followup/module.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- DNS ---------------------------------------------------------------------------- */

/* Skips a (possibly compressed) name at *off; false when it runs off the end. */
static bool dns_skip_name(const uint8_t *p, size_t n, size_t *off)
{
	for (int labels = 0; labels < 128; labels++) {
		if (*off >= n)
			return false;
		uint8_t len = p[*off];
		if (len == 0) {
			(*off)++;
			return true;
		}
		if ((len & 0xc0) == 0xc0) { /* a pointer ends the name */
			if (*off + 2 > n)
				return false;
			*off += 2;
			return true;
		}
		if (len & 0xc0)
			return false;
		*off += 1u + len;
	}
	return false;
}

/* nmap's product names for the version.bind strings of the common servers. */
static void dns_name_product(const char *txt, struct grab_result *r)
{
	static const struct {
		const char *prefix;
		const char *product;
	} known[] = {
		{"dnsmasq-", "dnsmasq"},   {"NSD ", "NLnet Labs NSD"}, {"unbound ", "Unbound"},
		{"Knot DNS ", "Knot DNS"}, {"PowerDNS Recursor ", "PowerDNS Recursor"},
		{"PowerDNS Authoritative Server ", "PowerDNS Authoritative Server"},
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		size_t l = strlen(known[i].prefix);
		if (strncasecmp(txt, known[i].prefix, l) == 0) {
			GRAB_SETS(r->product, known[i].product);
			GRAB_SETS(r->version, txt + l);
			return;
		}
	}
	/* BIND answers with its bare version: "9.18.19-1~deb12u1-Debian". */
	if (txt[0] >= '0' && txt[0] <= '9' && strchr(txt, '.')) {
		GRAB_SETS(r->product, "ISC BIND");
		GRAB_SETS(r->version, txt);
		return;
	}
	grab_field(r, "dns.version_bind", txt, strlen(txt));
}

bool udp_version_dns(const uint8_t *p, size_t n, struct grab_result *r)
{
	if (n < 12 || !(p[2] & 0x80)) /* a response */
		return false;
	unsigned qd = be16(p + 4), an = be16(p + 6);
	size_t off = 12;
	for (unsigned i = 0; i < qd; i++) {
		if (!dns_skip_name(p, n, &off) || off + 4 > n)
			return false;
		off += 4;
	}
	GRAB_SETS(r->service, "domain");
	for (unsigned i = 0; i < an; i++) {
		if (!dns_skip_name(p, n, &off) || off + 10 > n)
			return true;
		uint16_t type = be16(p + off), rdlen = be16(p + off + 8);
		off += 10;
		if (off + rdlen > n)
			return true;
		if (type == 16 && rdlen >= 1 && p[off] >= 1 && 1u + p[off] <= rdlen) {
			char txt[256];
			size_t l = p[off];
			memcpy(txt, p + off + 1, l);
			txt[l] = '\0';
			if (memchr(txt, '\0', l)) /* a NUL inside: not a version string */
				return true;
			dns_name_product(txt, r);
			return true;
		}
		off += rdlen;
	}
	return true;
}

/* ---- NTP ---------------------------------------------------------------------------- */

bool udp_version_ntp(const uint8_t *p, size_t n, struct grab_result *r)
{
	if (n < 48)
		return false;
	unsigned version = (p[0] >> 3) & 7, mode = p[0] & 7, stratum = p[1];
	if (mode != 4 || version < 1 || version > 4) /* a server's answer */
		return false;
	GRAB_SETS(r->service, "ntp");
	GRAB_SETS(r->product, "NTP");
	char v[8];
	snprintf(v, sizeof v, "v%u", version);
	GRAB_SETS(r->version, v);
	char info[48];
	if (stratum == 0 || stratum >= 16)
		snprintf(info, sizeof info, "unsynchronized");
	else if (stratum == 1)
		snprintf(info, sizeof info, "primary server");
	else
		snprintf(info, sizeof info, "secondary server; stratum %u", stratum);
	GRAB_SETS(r->info, info);
	return true;
}

/* ---- SNMP (BER) --------------------------------------------------------------------- */

struct ber {
	const uint8_t *p;
	size_t n;
};

/* Reads one TLV: its tag and its contents; false when malformed or cut. */
static bool ber_next(struct ber *b, uint8_t *tag, struct ber *content)
{
	if (b->n < 2)
		return false;
	*tag = b->p[0];
	size_t len = b->p[1], hdr = 2;
	if (len & 0x80) {
		size_t bytes = len & 0x7f;
		if (bytes == 0 || bytes > 3 || b->n < 2 + bytes)
			return false;
		len = 0;
		for (size_t i = 0; i < bytes; i++)
			len = len << 8 | b->p[2 + i];
		hdr += bytes;
	}
	if (len > b->n - hdr)
		return false;
	*content = (struct ber){b->p + hdr, len};
	b->p += hdr + len;
	b->n -= hdr + len;
	return true;
}

static bool ber_expect(struct ber *b, uint8_t want, struct ber *content)
{
	uint8_t tag;
	return ber_next(b, &tag, content) && tag == want;
}

static void snmp_ostype(const char *descr, struct grab_result *r)
{
	static const char *const oses[] = {"Linux", "FreeBSD", "OpenBSD", "NetBSD", "SunOS",
					   "Darwin", "Windows", "Cisco IOS"};
	for (size_t i = 0; i < sizeof oses / sizeof oses[0]; i++)
		if (strncmp(descr, oses[i], strlen(oses[i])) == 0) {
			GRAB_SETS(r->ostype, oses[i]);
			return;
		}
}

bool udp_version_snmp(const uint8_t *p, size_t n, struct grab_result *r)
{
	struct ber msg = {p, n}, top, version, community, pdu, skip, varbinds, vb, oid, value;
	if (!ber_expect(&msg, 0x30, &top) || !ber_expect(&top, 0x02, &version) ||
	    version.n != 1 || version.p[0] > 1 || !ber_expect(&top, 0x04, &community) ||
	    !ber_expect(&top, 0xa2, &pdu)) /* GetResponse */
		return false;
	for (int i = 0; i < 3; i++) /* request-id, error-status, error-index */
		if (!ber_expect(&pdu, 0x02, &skip))
			return false;
	GRAB_SETS(r->service, "snmp");
	GRAB_SETS(r->product, version.p[0] == 0 ? "SNMPv1 server" : "SNMPv2c server");
	GRAB_SET(r->info, (const char *)community.p, community.n);
	if (!ber_expect(&pdu, 0x30, &varbinds) || !ber_expect(&varbinds, 0x30, &vb) ||
	    !ber_expect(&vb, 0x06, &oid))
		return true;
	uint8_t tag;
	if (!ber_next(&vb, &tag, &value) || tag != 0x04) /* sysDescr is an OCTET STRING */
		return true;
	char descr[256];
	size_t l = value.n < sizeof descr - 1 ? value.n : sizeof descr - 1;
	memcpy(descr, value.p, l);
	descr[l] = '\0';
	grab_field(r, "snmp.sysdescr", descr, l);
	snmp_ostype(descr, r);
	return true;
}

bool udp_version_parse(uint16_t port, const uint8_t *p, size_t n, struct grab_result *r)
{
	switch (port) {
	case 53: return udp_version_dns(p, n, r);
	case 123: return udp_version_ntp(p, n, r);
	case 161: return udp_version_snmp(p, n, r);
	default: return false;
	}
}
