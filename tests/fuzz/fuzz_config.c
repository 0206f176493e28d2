/* libFuzzer target for YAML config files: any input either loads or is refused with a
 * one-line "name:line:col: ..." message; whatever loads prints (unless a string is not
 * UTF-8) as YAML that loads back to the same settings and prints to the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static char *print(const struct orbit_config *cfg, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct errbuf e;
	*rc = config_print_yaml(cfg, f, &e);
	fclose(f);
	return text;
}

static void fail(const char *what, const char *detail, const char *text)
{
	fprintf(stderr, "fuzz_config: %s: %s\n%s\n", what, detail, text ? text : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct orbit_config a, b;
	struct errbuf e;
	config_init(&a);
	if (config_load_yaml_string(&a, "f.yaml", (const char *)data, size, &e) < 0) {
		/* Every refusal is one line naming the file and place. */
		if ((strncmp(e.msg, "f.yaml:", 7) != 0 && strncmp(e.msg, "out of memory", 13) != 0) ||
		    strchr(e.msg, '\n'))
			fail("bad refusal", e.msg, NULL);
		config_free(&a);
		return 0;
	}
	int rc;
	char *first = print(&a, &rc);
	if (rc == 0) {
		config_init(&b);
		if (config_load_yaml_string(&b, "p", first, strlen(first), &e) < 0) {
			fail("the printed config does not load", e.msg, first);
		}
		if (!config_same_settings(&a, &b))
			fail("the printed config loads to other settings", "", first);
		char *second = print(&b, &rc);
		if (rc != 0 || strcmp(first, second) != 0)
			fail("printed twice differently", second, first);
		free(second);
		config_free(&b);
	}
	free(first);
	config_free(&a);
	return 0;
}
