#include "output/compress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <zlib.h>
#include <zstd.h>

/* Levels: the fastest that still compresses scan output well (it is very repetitive);
 * the writer thread compresses, so speed bounds the results/s of the whole scan. */
enum { ZSTD_LEVEL = 1, GZIP_LEVEL = 1, OUT_BYTES = 128 * 1024 };

struct compressor {
	enum compress_kind kind;
	FILE *raw;
	ZSTD_CCtx *zstd;
	z_stream gz;
	bool gz_ready;
	bool pending; /* input taken since the frame began: a sync has something to end */
	int failed;   /* errno of the first failure */
	unsigned char out[OUT_BYTES];
};

enum compress_kind compress_kind_of(const char *path)
{
	size_t n = path ? strlen(path) : 0;
	if (n > 4 && strcmp(path + n - 4, ".zst") == 0)
		return COMPRESS_ZSTD;
	if (n > 3 && strcmp(path + n - 3, ".gz") == 0)
		return COMPRESS_GZIP;
	return COMPRESS_NONE;
}

static int put_raw(struct compressor *c, size_t len)
{
	if (len && fwrite(c->out, 1, len, c->raw) != len) {
		if (!c->failed)
			c->failed = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Feeds in (may be empty) with the given end mode until the codec is done with it. */
static int zstd_feed(struct compressor *c, const char *buf, size_t size, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = {buf, size, 0};
	for (;;) {
		ZSTD_outBuffer out = {c->out, sizeof c->out, 0};
		size_t left = ZSTD_compressStream2(c->zstd, &out, &in, mode);
		if (ZSTD_isError(left)) {
			c->failed = EIO;
			return -1;
		}
		if (put_raw(c, out.pos) < 0)
			return -1;
		if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
			return 0;
	}
}

static int gzip_feed(struct compressor *c, const char *buf, size_t size, int flush)
{
	c->gz.next_in = (Bytef *)(uintptr_t)buf;
	c->gz.avail_in = (uInt)size;
	for (;;) {
		c->gz.next_out = c->out;
		c->gz.avail_out = sizeof c->out;
		int rc = deflate(&c->gz, flush);
		if (rc == Z_STREAM_ERROR) {
			c->failed = EIO;
			return -1;
		}
		if (put_raw(c, sizeof c->out - c->gz.avail_out) < 0)
			return -1;
		if (flush == Z_FINISH ? rc == Z_STREAM_END : c->gz.avail_out != 0)
			return 0;
	}
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
	struct compressor *c = cookie;
	if (c->failed) {
		errno = c->failed;
		return -1;
	}
	if (size == 0)
		return 0;
	int rc = c->kind == COMPRESS_ZSTD ? zstd_feed(c, buf, size, ZSTD_e_continue)
					  : gzip_feed(c, buf, size, Z_NO_FLUSH);
	if (rc < 0) {
		errno = c->failed;
		return -1;
	}
	c->pending = true;
	return (ssize_t)size;
}

/* Ends the frame (zstd) or the member (gzip; the next write starts a new one). */
static int end_frame(struct compressor *c)
{
	if (c->failed)
		return -1;
	if (!c->pending)
		return 0;
	int rc;
	if (c->kind == COMPRESS_ZSTD) {
		rc = zstd_feed(c, NULL, 0, ZSTD_e_end);
	} else {
		rc = gzip_feed(c, NULL, 0, Z_FINISH);
		if (rc == 0 && deflateReset(&c->gz) != Z_OK)
			c->failed = EIO, rc = -1;
	}
	c->pending = false;
	return rc;
}

static void compressor_free(struct compressor *c)
{
	ZSTD_freeCCtx(c->zstd);
	if (c->gz_ready)
		deflateEnd(&c->gz);
	free(c);
}

static int cookie_close(void *cookie)
{
	struct compressor *c = cookie;
	int rc = end_frame(c);
	int err = c->failed;
	if (fclose(c->raw) != 0 && rc == 0)
		rc = -1, err = errno;
	compressor_free(c);
	if (rc < 0)
		errno = err ? err : EIO;
	return rc;
}

static struct compressor *compressor_new(enum compress_kind kind)
{
	struct compressor *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->kind = kind;
	if (kind == COMPRESS_ZSTD) {
		c->zstd = ZSTD_createCCtx();
		if (c->zstd && !ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_compressionLevel,
								    ZSTD_LEVEL)))
			return c;
	} else if (kind == COMPRESS_GZIP) {
		/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
		if (deflateInit2(&c->gz, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
			c->gz_ready = true;
			return c;
		}
	}
	compressor_free(c);
	return NULL;
}

FILE *compress_open(FILE *raw, enum compress_kind kind, struct compressor **out)
{
	struct compressor *c = compressor_new(kind);
	if (!c) {
		errno = kind == COMPRESS_NONE ? EINVAL : ENOMEM;
		return NULL;
	}
	c->raw = raw;
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	FILE *f = fopencookie(c, "w", io);
	if (!f) {
		compressor_free(c);
		return NULL;
	}
	*out = c;
	return f;
}

int compress_sync(struct compressor *c, FILE *f)
{
	if (fflush(f) != 0 || end_frame(c) < 0 || fflush(c->raw) != 0) {
		if (!errno)
			errno = c->failed ? c->failed : EIO;
		return -1;
	}
	return 0;
}
