/* Files the scan rewrites after it has dropped root (--checkpoint every few seconds, -m at
 * the end): created and opened before the drop, so a directory only root may write to
 * still works. Contract: late_file_open(path, e) returns an fd (created 0644 if missing,
 * its old text kept until the first rewrite) or -1 with one line in e naming the file;
 * late_file_rewrite(fd, text, len) replaces the whole file with text by one pwrite at
 * offset 0 and a truncate to len (not atomic like temp + rename, which needs a writable
 * directory; a stop between the two leaves the old tail, which the readers reject). */
#ifndef ORBIT_SCAN_LATEFILE_H
#define ORBIT_SCAN_LATEFILE_H

#include <stddef.h>

#include "core/base/error.h"

int late_file_open(const char *path, const char *what, struct errbuf *e);
int late_file_rewrite(int fd, const char *text, size_t len);

#endif
