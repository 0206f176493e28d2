/* libFuzzer target for remote bytes the host report parses or prints: the replies to
 * orbit's UDP payloads (core/followup/udp_versions.h, each parser on every input) and
 * the SF fingerprint of an unrecognised answer (output/service_info.h). Invariants: no
 * sanitizer report; every string the parsers fill stays NUL-terminated inside its field;
 * the fingerprint never exceeds its buffer and uses printable ASCII only. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/udp_versions.h"
#include "output/service_info.h"

static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_strings(const struct grab_result *g)
{
	require(memchr(g->service, 0, sizeof g->service) != NULL);
	require(memchr(g->product, 0, sizeof g->product) != NULL);
	require(memchr(g->version, 0, sizeof g->version) != NULL);
	require(memchr(g->info, 0, sizeof g->info) != NULL);
	require(memchr(g->ostype, 0, sizeof g->ostype) != NULL);
	require(g->nfields <= GRAB_FIELDS_MAX && g->arena_used <= GRAB_ARENA_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct grab_result g;
	bool (*const parsers[])(const uint8_t *, size_t, struct grab_result *) = {
		udp_version_dns, udp_version_ntp, udp_version_snmp};
	for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
		memset(&g, 0, sizeof g);
		parsers[i](data, size, &g);
		check_strings(&g);
	}
	memset(&g, 0, sizeof g);
	g.scan.port = 40713;
	g.scan.proto = 6;
	g.banner_len = (uint16_t)(size < GRAB_BANNER_MAX ? size : GRAB_BANNER_MAX);
	memcpy(g.banner, data, g.banner_len);
	char fp[6 * GRAB_BANNER_MAX + 256];
	size_t n = service_fp_string(&g, 0, fp, sizeof fp);
	require(n < sizeof fp && fp[n] == '\0' && strlen(fp) == n);
	for (size_t i = 0; i < n; i++)
		require(fp[i] > 0x20 && fp[i] < 0x7f);
	return 0;
}
