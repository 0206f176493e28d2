/* The blocklist reloaded mid-scan (core/scan/reload.h): nothing published until the file
 * gains a range; a SIGHUP or the period re-reads it; only what was added since the start
 * filters (the start's ranges are the target space's business); a broken file keeps the
 * last good set; a range removed again is not given back. */
#include "core/scan/reload.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char path[] = "/tmp/orbit-test-reload-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	write_file(path, "10.0.0.0/8\n");
	struct blocklist_reload r;
	struct errbuf e;
	CHECK(blocklist_reload_init(&r, path, 2, &e) == 0);
	uint64_t t = r.last_ns;
	CHECK(!blocklist_reload_poll(&r, true, t, NULL)); /* unchanged: nothing to publish */
	CHECK(blocklist_reload_current(&r) == NULL);
	write_file(path, "10.0.0.0/8\n198.19.128.0/17 # opt-out\n");
	CHECK(!blocklist_reload_poll(&r, false, t + 1000000000u, NULL)); /* period not yet over */
	CHECK(blocklist_reload_poll(&r, false, t + 2000000000u, NULL));  /* the period re-reads */
	const struct ipset *b = blocklist_reload_current(&r);
	CHECK(b != NULL);
	CHECK(b && ipset_contains(b, 0xc6138001u));  /* 198.19.128.1 */
	CHECK(b && !ipset_contains(b, 0xc6130001u)); /* 198.19.0.1 */
	CHECK(b && !ipset_contains(b, 0x0a000001u)); /* 10.0.0.1: the start's, not a reload's */
	CHECK_EQ_U64(r.added_addresses, 32768);
	write_file(path, "10.0.0.0/8\n198.19.128.0/17\nnot an address\n");
	CHECK(!blocklist_reload_poll(&r, true, t + 3000000000u, NULL)); /* broken: kept */
	CHECK(r.failures == 1 && blocklist_reload_current(&r) == b);
	write_file(path, "10.0.0.0/8\n");
	CHECK(!blocklist_reload_poll(&r, true, t + 4000000000u, NULL)); /* not given back */
	CHECK(blocklist_reload_current(&r) == b);
	write_file(path, "10.0.0.0/8\n198.19.128.0/17\n198.19.1.0/24\n");
	CHECK(blocklist_reload_poll(&r, true, t + 5000000000u, NULL));
	b = blocklist_reload_current(&r);
	CHECK(b && ipset_contains(b, 0xc6130101u) && ipset_contains(b, 0xc6138001u));
	CHECK(r.reloads == 4);
	blocklist_reload_free(&r);
	struct blocklist_reload none;
	CHECK(blocklist_reload_init(&none, NULL, 0, &e) == 0);
	CHECK(!blocklist_reload_poll(&none, true, 1, NULL) && blocklist_reload_current(&none) == NULL);
	blocklist_reload_free(&none);
	unlink(path);
	return check_done("reload");
}
