/* The parsers of the replies to orbit's UDP payloads (core/followup/udp_versions.h):
 * DNS version.bind, NTP mode 4, SNMP GetResponse(sysDescr.0); and every cut of each reply
 * is parsed without reading past it (run under ASan too). */
#include <string.h>

#include "core/followup/udp_versions.h"
#include "tests/unit/check.h"

static struct grab_result fresh(void)
{
	struct grab_result g;
	memset(&g, 0, sizeof g);
	return g;
}

/* An answer to version.bind TXT CH with one TXT string (compressed owner name). */
static size_t dns_txt(uint8_t *p, const char *txt)
{
	static const uint8_t head[] = {0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
				       7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 4, 'b', 'i', 'n', 'd', 0,
				       0, 16, 0, 3, 0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0};
	size_t n = sizeof head, l = strlen(txt);
	memcpy(p, head, n);
	p[n++] = (uint8_t)((l + 1) >> 8);
	p[n++] = (uint8_t)(l + 1);
	p[n++] = (uint8_t)l;
	memcpy(p + n, txt, l);
	return n + l;
}

static void test_dns(void)
{
	uint8_t p[512];
	struct grab_result g = fresh();
	CHECK(udp_version_parse(53, p, dns_txt(p, "dnsmasq-2.89"), &g));
	CHECK_STR_EQ(g.service, "domain");
	CHECK_STR_EQ(g.product, "dnsmasq");
	CHECK_STR_EQ(g.version, "2.89");
	g = fresh();
	CHECK(udp_version_dns(p, dns_txt(p, "9.18.19-1~deb12u1-Debian"), &g));
	CHECK_STR_EQ(g.product, "ISC BIND");
	CHECK_STR_EQ(g.version, "9.18.19-1~deb12u1-Debian");
	g = fresh();
	CHECK(udp_version_dns(p, dns_txt(p, "NSD 4.6.1"), &g));
	CHECK_STR_EQ(g.product, "NLnet Labs NSD");
	CHECK_STR_EQ(g.version, "4.6.1");
	/* The lab's dnsmasq refuses (REFUSED, no answer): a DNS server, no version. */
	static const uint8_t refused[] = {0x99, 0xce, 0x81, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'v',
					  'e', 'r', 's', 'i', 'o', 'n', 4, 'b', 'i', 'n', 'd', 0,
					  0, 16, 0, 3};
	g = fresh();
	CHECK(udp_version_dns(refused, sizeof refused, &g));
	CHECK_STR_EQ(g.service, "domain");
	CHECK_STR_EQ(g.product, "");
	/* A query (QR clear) is no answer. */
	uint8_t q[sizeof refused];
	memcpy(q, refused, sizeof q);
	q[2] = 0x01;
	g = fresh();
	CHECK(!udp_version_dns(q, sizeof q, &g));
	CHECK_STR_EQ(g.service, "");
	/* A pointer loop or labels running off the end stop the walk. */
	size_t n = dns_txt(p, "dnsmasq-2.89");
	for (size_t cut = 0; cut < n; cut++) {
		g = fresh();
		udp_version_dns(p, cut, &g);
		CHECK(strcmp(g.version, "2.89") != 0 || cut == n);
	}
}

static void test_ntp(void)
{
	uint8_t p[48] = {0x24, 2}; /* LI 0, VN 4, mode 4; stratum 2 */
	struct grab_result g = fresh();
	CHECK(udp_version_parse(123, p, sizeof p, &g));
	CHECK_STR_EQ(g.service, "ntp");
	CHECK_STR_EQ(g.product, "NTP");
	CHECK_STR_EQ(g.version, "v4");
	CHECK_STR_EQ(g.info, "secondary server; stratum 2");
	p[1] = 16;
	g = fresh();
	CHECK(udp_version_ntp(p, sizeof p, &g));
	CHECK_STR_EQ(g.info, "unsynchronized");
	p[0] = 0x23; /* mode 3: a client's request echoed is no server */
	g = fresh();
	CHECK(!udp_version_ntp(p, sizeof p, &g));
	CHECK(!udp_version_ntp(p, 47, &g));
}

static void test_snmp(void)
{
	/* GetResponse, v2c, community public, sysDescr.0 = "Linux h12 6.1.0 x86_64". */
	static const char descr[] = "Linux h12 6.1.0 x86_64";
	uint8_t p[128];
	size_t dl = sizeof descr - 1;
	size_t vb_len = 2 + 8 + 2 + dl;     /* OID TLV + OCTET STRING TLV */
	size_t vbs_len = 2 + vb_len;        /* one varbind */
	size_t pdu_len = 9 + 2 + vbs_len;   /* three INTEGERs (request-id 4 bytes) + list */
	size_t top_len = 3 + 8 + 2 + pdu_len;
	size_t n = 0;
	p[n++] = 0x30, p[n++] = (uint8_t)top_len;
	p[n++] = 0x02, p[n++] = 1, p[n++] = 1;
	p[n++] = 0x04, p[n++] = 6;
	memcpy(p + n, "public", 6), n += 6;
	p[n++] = 0xa2, p[n++] = (uint8_t)pdu_len;
	static const uint8_t ints[] = {0x02, 1, 0x55, 0x02, 1, 0, 0x02, 1, 0};
	memcpy(p + n, ints, sizeof ints), n += sizeof ints;
	p[n++] = 0x30, p[n++] = (uint8_t)vbs_len;
	p[n++] = 0x30, p[n++] = (uint8_t)vb_len;
	static const uint8_t oid[] = {0x06, 8, 0x2b, 6, 1, 2, 1, 1, 1, 0};
	memcpy(p + n, oid, sizeof oid), n += sizeof oid;
	p[n++] = 0x04, p[n++] = (uint8_t)dl;
	memcpy(p + n, descr, dl), n += dl;
	struct grab_result g = fresh();
	CHECK(udp_version_parse(161, p, n, &g));
	CHECK_STR_EQ(g.service, "snmp");
	CHECK_STR_EQ(g.product, "SNMPv2c server");
	CHECK_STR_EQ(g.info, "public");
	CHECK_STR_EQ(g.ostype, "Linux");
	CHECK(g.nfields == 1 && strcmp(g.fields[0].key, "snmp.sysdescr") == 0 &&
	      strcmp(g.arena + g.fields[0].off, descr) == 0);
	for (size_t cut = 0; cut < n; cut++) {
		g = fresh();
		CHECK(!udp_version_snmp(p, cut, &g)); /* the outer SEQUENCE is cut */
	}
	p[2 + 2] = 3; /* SNMPv3 is not this payload's answer */
	g = fresh();
	CHECK(!udp_version_snmp(p, n, &g));
	CHECK(!udp_version_parse(9999, p, n, &g));
}

int main(void)
{
	test_dns();
	test_ntp();
	test_snmp();
	return check_done("udp_versions");
}
