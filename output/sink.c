#include "output/sink.h"

#include <errno.h>
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
	}
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

void sink_write(struct sink *s, const char *text, size_t len, unsigned lines)
{
	if (len == 0)
		return;
	pthread_mutex_lock(&s->lock);
	if (!s->failed) {
		if (fwrite(text, 1, len, s->f) != len)
			s->failed = errno ? errno : EIO;
		else
			s->lines += lines;
	}
	pthread_mutex_unlock(&s->lock);
}

void sink_flush(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	if (fflush(s->f) != 0 && !s->failed)
		s->failed = errno ? errno : EIO;
	pthread_mutex_unlock(&s->lock);
}

void sink_close(struct sink *s)
{
	sink_flush(s);
	if (s->owned)
		fclose(s->f);
	pthread_mutex_destroy(&s->lock);
	s->f = NULL;
}
