/* A result sink: a stream that the output set's one writer thread appends whole lines
 * to. Contract: sink_write() appends through a bounded stdio buffer (SINK_BUFFER bytes for
 * files, stdio's for stdout): a slow consumer makes the writer block in write(2) --
 * back-pressure, nothing dropped. It returns false only when the stream has failed (the
 * first errno is kept: EPIPE when the consumer went away), and then the text is not
 * written. sink_flush() pushes everything to the kernel. A path ending in .zst or .gz is
 * compressed on the fly (output/compress.h); sink_sync() then ends the compressed frame,
 * so what was written so far stays readable even if the process is killed (for a plain
 * stream it is sink_flush()). Not thread-safe: one writer. */
#ifndef ORBIT_OUTPUT_SINK_H
#define ORBIT_OUTPUT_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output/compress.h"

#define SINK_BUFFER (256 * 1024)

struct sink {
	FILE *f;
	int owned; /* opened by sink_open: closed by sink_close */
	int failed; /* errno of the first failed write, 0 if none */
	char *buffer;
	struct compressor *z; /* compressed stream, or NULL */
};

/* path NULL or "-": stdout. Returns -1 (errno set) when the file cannot be opened. */
int sink_open(struct sink *s, const char *path);
bool sink_write(struct sink *s, const char *text, size_t len);
void sink_flush(struct sink *s);
void sink_sync(struct sink *s);
void sink_close(struct sink *s);

#endif
