/* Compressed sinks (output/sink.h, output/compress.h): what is written to a .zst / .gz
 * path decompresses to the same bytes; after sink_sync() (and before any close) the file
 * on disk is already a complete stream holding everything written so far -- what a
 * killed scan leaves -- and later writes add frames/members that decode after it. */
#include "output/sink.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* The whole file decompressed (every frame) into out; -1 if it is not complete. */
static long read_zstd(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static char in[1 << 20];
	size_t n = fread(in, 1, sizeof in, f);
	fclose(f);
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, n, 0};
	ZSTD_outBuffer ob = {out, cap, 0};
	size_t left = 0;
	while (ib.pos < ib.size) {
		left = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(left))
			break;
	}
	ZSTD_freeDStream(d);
	return ZSTD_isError(left) || left != 0 ? -1 : (long)ob.pos;
}

static long read_gzip(const char *path, char *out, size_t cap)
{
	gzFile g = gzopen(path, "rb");
	if (!g)
		return -1;
	int n = gzread(g, out, (unsigned)cap);
	int err;
	gzerror(g, &err);
	gzclose(g);
	return n < 0 || err != Z_OK ? -1 : n;
}

static void test_kind(const char *ending, long (*reader)(const char *, char *, size_t))
{
	char path[] = "/tmp/orbit-test-compress-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	char named[64];
	snprintf(named, sizeof named, "%s%s", path, ending);
	static char text[200000], back[400000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (char)(i % 61 == 60 ? '\n' : 'a' + (i * 7 + i / 61) % 26);
	struct sink s;
	CHECK(sink_open(&s, named) == 0);
	CHECK(s.z != NULL);
	CHECK(sink_write(&s, text, 150000));
	sink_sync(&s);
	/* As a kill -9 would leave it: the synced part, complete. */
	CHECK_EQ_U64(reader(named, back, sizeof back), 150000);
	CHECK(memcmp(back, text, 150000) == 0);
	CHECK(sink_write(&s, text + 150000, sizeof text - 150000));
	sink_sync(&s);
	sink_sync(&s); /* nothing new: no empty frame needed, still complete */
	CHECK_EQ_U64(reader(named, back, sizeof back), sizeof text);
	CHECK(memcmp(back, text, sizeof text) == 0);
	CHECK(sink_write(&s, "tail\n", 5));
	sink_close(&s);
	CHECK_EQ_U64(reader(named, back, sizeof back), sizeof text + 5);
	CHECK(memcmp(back + sizeof text, "tail\n", 5) == 0);
	unlink(named);
	unlink(path);
}

int main(void)
{
	CHECK(compress_kind_of("a.ndjson.zst") == COMPRESS_ZSTD);
	CHECK(compress_kind_of("a.gz") == COMPRESS_GZIP);
	CHECK(compress_kind_of("a.ndjson") == COMPRESS_NONE);
	CHECK(compress_kind_of(".zst") == COMPRESS_NONE);
	CHECK(compress_kind_of(NULL) == COMPRESS_NONE);
	test_kind(".zst", read_zstd);
	test_kind(".gz", read_gzip);
	return check_done("compress");
}
