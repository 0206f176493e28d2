/* Service names for the SERVICE column (text, XML, grepable) and the `service` field.
 * Contract: service_names_load() reads the first file of its list that exists --
 * /usr/share/nmap/nmap-services (Debian's nmap package), then /etc/services (netbase) --
 * once per scan; service_name() is then a lock-free table lookup, safe from any thread.
 * nmap-services comes first because it is the table Nmap itself prints from, so orbit's
 * SERVICE column and an nmap report of the same ports agree name for name (ndiff shows
 * no service changes); where a port has several names the most frequently open one
 * wins, as in Nmap. Without either file every lookup says NULL (printed "unknown"). */
#ifndef ORBIT_OUTPUT_SERVICES_H
#define ORBIT_OUTPUT_SERVICES_H

#include <stdint.h>

struct service_names;

/* paths: NULL-terminated list to try in order, or NULL for the default list above.
 * Returns NULL only when out of memory; a table with no file loaded is not an error. */
struct service_names *service_names_load(const char *const *paths);
/* NULL when the port has no name (or proto is not TCP/UDP). */
const char *service_name(const struct service_names *s, uint8_t proto, uint16_t port);
/* The file the names came from, or NULL when none was found. */
const char *service_names_source(const struct service_names *s);
void service_names_free(struct service_names *s);

#endif
