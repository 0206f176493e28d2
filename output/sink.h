/* A result sink: whole lines from several receive threads to one stream, never
 * interleaved. Contract: sink_write() appends complete lines under a mutex (a slow
 * consumer blocks the writer: back-pressure, nothing dropped); sink_flush() pushes
 * everything to the kernel; counters say how many lines were written and whether a
 * write failed (EPIPE: the consumer went away). */
#ifndef ORBIT_OUTPUT_SINK_H
#define ORBIT_OUTPUT_SINK_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

struct sink {
	FILE *f;
	int owned; /* opened by sink_open: closed by sink_close */
	pthread_mutex_t lock;
	uint64_t lines;
	int failed; /* errno of the first failed write, 0 if none */
};

/* path NULL or "-": stdout. Returns -1 (errno set) when the file cannot be opened. */
int sink_open(struct sink *s, const char *path);
void sink_write(struct sink *s, const char *text, size_t len, unsigned lines);
void sink_flush(struct sink *s);
void sink_close(struct sink *s);

#endif
