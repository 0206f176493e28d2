/* MAC address vendors for the text report's "MAC Address: 00:14:22:12:05:0A (Dell)" and
 * XML's <address addrtype="mac" vendor=...>.
 * Contract: mac_vendors_load() reads nmap's OUI table (/usr/share/nmap/nmap-mac-prefixes,
 * Debian's nmap-common: "001422 Dell", one 24-bit prefix a line, '#' comments) at run
 * time, so the names are exactly the ones nmap prints; orbit never ships a copy. The
 * report loads it only when it prints a host with a MAC. Lines that are not six hex
 * digits, a space and a name are skipped. mac_vendor() is a binary search (read-only
 * table: safe from any thread); NULL when the prefix is unknown -- the report then says
 * "(Unknown)", as nmap does. A missing file is not an error: every lookup says NULL. */
#ifndef ORBIT_OUTPUT_MAC_VENDORS_H
#define ORBIT_OUTPUT_MAC_VENDORS_H

#include <stddef.h>
#include <stdint.h>

#define MAC_VENDORS_DEFAULT_PATH "/usr/share/nmap/nmap-mac-prefixes"

struct mac_vendors;

/* path NULL: the default. Returns NULL only when out of memory. */
struct mac_vendors *mac_vendors_load(const char *path);
/* Same, from text in memory (tests, fuzzing); the text is copied. */
struct mac_vendors *mac_vendors_parse(const char *text, size_t len);
const char *mac_vendor(const struct mac_vendors *t, const uint8_t mac[6]);
size_t mac_vendors_count(const struct mac_vendors *t);
void mac_vendors_free(struct mac_vendors *t);

#endif
