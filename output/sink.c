#include "output/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sink_open(struct sink *s, const char *path)
{
	memset(s, 0, sizeof *s);
	if (!path || strcmp(path, "-") == 0) {
		s->f = stdout;
	} else {
		s->f = fopen(path, "w");
		if (!s->f)
			return -1;
		s->owned = 1;
		enum compress_kind kind = compress_kind_of(path);
		if (kind != COMPRESS_NONE) {
			FILE *z = compress_open(s->f, kind, &s->z);
			if (!z) {
				int err = errno;
				fclose(s->f);
				s->f = NULL;
				errno = err;
				return -1;
			}
			s->f = z;
		}
	}
	/* A fixed, bounded buffer: big enough that a burst is one write(2), small enough that
	 * a stalled reader stops the writer soon (back-pressure) rather than growing memory.
	 * stdout keeps stdio's own (bounded too): its buffer may not change once used. */
	if (s->owned) {
		s->buffer = malloc(SINK_BUFFER);
		if (s->buffer)
			setvbuf(s->f, s->buffer, _IOFBF, SINK_BUFFER);
	}
	return 0;
}

bool sink_write(struct sink *s, const char *text, size_t len)
{
	if (len == 0)
		return true;
	if (s->failed)
		return false;
	errno = 0;
	if (fwrite(text, 1, len, s->f) != len) {
		s->failed = errno ? errno : EIO;
		return false;
	}
	return true;
}

void sink_flush(struct sink *s)
{
	errno = 0;
	if (fflush(s->f) != 0 && !s->failed)
		s->failed = errno ? errno : EIO;
}

void sink_sync(struct sink *s)
{
	if (!s->z) {
		sink_flush(s);
		return;
	}
	errno = 0;
	if (compress_sync(s->z, s->f) != 0 && !s->failed)
		s->failed = errno ? errno : EIO;
}

void sink_close(struct sink *s)
{
	if (!s->f)
		return;
	sink_flush(s);
	if (s->owned)
		fclose(s->f);
	free(s->buffer);
	s->f = NULL;
}
