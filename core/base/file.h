/* The whole of a small file in memory: the one way orbit reads its data files (nmap's
 * probe and OS databases, p0f's signatures, scripts).
 * Contract: file_read_all() returns a malloc'd buffer holding the file and a NUL after it
 * (*len: the bytes, NUL not counted), or NULL with errno set: the open's error (ENOENT,
 * EACCES ...), EFBIG when the file is over max bytes, ENOMEM. The caller frees it. */
#ifndef ORBIT_BASE_FILE_H
#define ORBIT_BASE_FILE_H

#include <stddef.h>

char *file_read_all(const char *path, size_t max, size_t *len);

#endif
