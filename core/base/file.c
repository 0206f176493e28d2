#include "core/base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *file_read_all(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int err = buf ? 0 : ENOMEM;
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap) /* the end (or a read error, which ferror tells) */
			break;
		char *bigger = cap <= max ? realloc(buf, cap * 2) : NULL;
		if (!bigger) {
			err = cap <= max ? ENOMEM : EFBIG;
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	if (buf && (ferror(f) || n > max)) {
		err = ferror(f) ? EIO : EFBIG;
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (!buf) {
		errno = err;
		return NULL;
	}
	buf[n] = '\0'; /* n < cap: the loop ends with room for it */
	*len = n;
	return buf;
}
