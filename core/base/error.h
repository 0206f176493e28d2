/* Error reporting for bad input: one line naming the bad value, kept in a caller-owned
 * buffer so library code never prints or exits; the CLI prints it and exits 2. */
#ifndef ORBIT_CORE_ERROR_H
#define ORBIT_CORE_ERROR_H

struct errbuf {
	char msg[512];
};

/* Formats the message into e (if e is not NULL) and returns -1, so callers can write
 * `return err_set(e, "bad port '%s'", s);`. */
int err_set(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
