#include "core/scan/latefile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int late_file_open(const char *path, const char *what, struct errbuf *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, "cannot write %s '%s': %s", what, path, strerror(errno));
	return fd;
}

int late_file_rewrite(int fd, const char *text, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(fd, text + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return ftruncate(fd, (off_t)len);
}
