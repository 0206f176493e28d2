/* A result sink: whole lines from several receive threads to one stream, never
 * interleaved. Contract: sink_write() appends a block of complete lines under a mutex,
 * through a bounded stdio buffer (SINK_BUFFER bytes for files, stdio's for stdout): a slow consumer makes the writer
 * block in write(2) -- back-pressure, nothing dropped. It returns false only when the
 * stream has failed (the first errno is kept: EPIPE when the consumer went away), and
 * then the lines are not written. sink_flush() pushes everything to the kernel. */
#ifndef ORBIT_OUTPUT_SINK_H
#define ORBIT_OUTPUT_SINK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SINK_BUFFER (256 * 1024)

struct sink {
	FILE *f;
	int owned; /* opened by sink_open: closed by sink_close */
	pthread_mutex_t lock;
	uint64_t lines;
	int failed; /* errno of the first failed write, 0 if none */
	char *buffer;
};

/* path NULL or "-": stdout. Returns -1 (errno set) when the file cannot be opened. */
int sink_open(struct sink *s, const char *path);
bool sink_write(struct sink *s, const char *text, size_t len, unsigned lines);
void sink_flush(struct sink *s);
void sink_close(struct sink *s);

#endif
