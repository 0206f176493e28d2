/* On-the-fly compression of an output stream (.zst with libzstd, .gz with zlib), picked
 * by the file name's ending. Contract: compress_open() wraps an open file `raw` in a stdio
 * FILE whose writes are compressed into raw (which it then owns: fclose of the returned
 * FILE ends the stream, frees the compressor and closes raw). compress_sync() ends the
 * current frame (zstd) or member (gzip) and pushes it to the kernel: the file is then a
 * complete, valid stream (zstdcat and zcat read concatenated frames/members) even if the
 * process is killed before the next sync. One writer: not thread-safe.
 * Why libraries: both are Debian's well-kept codecs, and their framing (concatenated
 * frames, each complete) is what makes a killed scan's file readable. */
#ifndef ORBIT_OUTPUT_COMPRESS_H
#define ORBIT_OUTPUT_COMPRESS_H

#include <stdio.h>

enum compress_kind { COMPRESS_NONE, COMPRESS_GZIP, COMPRESS_ZSTD };

struct compressor;

/* By the path's ending: ".zst" or ".gz"; anything else (and NULL) COMPRESS_NONE. */
enum compress_kind compress_kind_of(const char *path);
/* NULL (errno set) on failure; then raw is still the caller's. *c: the handle for sync. */
FILE *compress_open(FILE *raw, enum compress_kind kind, struct compressor **c);
/* Flushes f's stdio buffer through the compressor and ends the frame. Returns 0, or -1
 * (errno set) when a write failed. */
int compress_sync(struct compressor *c, FILE *f);

#endif
