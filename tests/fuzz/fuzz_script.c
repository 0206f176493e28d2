/* libFuzzer target for the script engine's text parsers and the script-result writers:
 * the input is split at its first NUL byte into a --script expression (evaluated against
 * a fake script) and --script-args; the whole input, with a blob's three closing NULs, is also walked as a
 * result blob by the text, XML and NDJSON writers. None may read out of bounds or loop. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/script_result.h"
#include "core/script/script_internal.h"
#include "output/script_fmt.h"

static void count_arg(const char *k, size_t kl, const char *v, size_t vl, void *u)
{
	(void)k;
	(void)v;
	*(size_t *)u += kl + vl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 3); /* a blob ends with three NULs */
	if (!text)
		return 0;
	memcpy(text, data, size);
	memset(text + size, 0, 3);
	const char *args = text + strlen(text) + 1;
	if (args > text + size)
		args = "";
	char *cats[] = {"default", "safe"};
	struct script_entry s = {.name = "ftp-anon", .categories = cats, .ncategories = 2};
	struct errbuf e;
	if (sel_match(text, &s, &e) < 0 && !e.msg[0])
		abort();
	size_t total = 0;
	args_parse(args, count_arg, &total, &e);
	FILE *null = fopen("/dev/null", "w");
	script_text_write(null, text);
	script_xml_write(null, text);
	fclose(null);
	char buf[4096] = "{}\n";
	script_json_splice(buf, 3, sizeof buf, text);
	free(text);
	return 0;
}
