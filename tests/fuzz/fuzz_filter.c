/* libFuzzer target for --output-filter: any text either parses, and then evaluates on a
 * few results without a sanitizer report, or fails with one line that names a position
 * inside the text (1 .. length + 1). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/filter.h"

static void require(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size_t len = strlen(text); /* an embedded NUL ends the expression, as on a command line */
	struct errbuf e = {{0}};
	struct output_filter *f = output_filter_parse(text, &e);
	if (f) {
		struct scan_result r[3] = {
			{.addr = 0xc612010a, .port = 22, .proto = 6, .state = PORT_OPEN, .reason = REASON_SYN_ACK,
			 .ttl = 63, .tcp_opts = TCPOPT_HAS_MSS, .tcp_mss = 1460, .rtt_ns = 1000},
			{.addr = 0xc612010e, .port = 53, .proto = 17, .state = PORT_OPEN_FILTERED,
			 .reason = REASON_NO_RESPONSE, .rtt_ns = -1},
			{.addr = 0xc6120101, .proto = 1, .state = HOST_UP, .reason = REASON_ECHO_REPLY,
			 .ttl = 64, .rtt_ns = -1, .timestamp_ns = 1},
		};
		struct field_env env = {0};
		for (int i = 0; i < 3; i++)
			(void)output_filter_match(f, &r[i], &env);
		output_filter_free(f);
	} else {
		const char *at = strstr(e.msg, "at position ");
		if (at) {
			long pos = strtol(at + 12, NULL, 10);
			require(pos >= 1 && (size_t)pos <= len + 1);
		} else {
			require(strcmp(e.msg, "out of memory") == 0);
		}
		require(strchr(e.msg, '\n') == NULL);
	}
	free(text);
	return 0;
}
