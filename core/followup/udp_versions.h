/* -sU -sV: what the answers to orbit's built-in UDP payloads (core/probe/udp_payloads.c)
 * say about the service -- parsed from the one reply datagram the scan already received,
 * no second exchange.
 * Contract: udp_version_parse() looks at the reply of port `port` (the payload kind the
 * port was probed with): 53 DNS (version.bind TXT CH: the server's own version string,
 * named the way nmap names the product: "dnsmasq" 2.89, "ISC BIND" 9.18.19, "NLnet Labs
 * NSD", "Unbound", "Knot DNS", "PowerDNS ..."), 123 NTP (mode 4 server reply: "NTP" "v4",
 * the stratum as extra information), 161 SNMP (GetResponse to sysDescr.0: "SNMPv1 server"
 * or "SNMPv2c server", the community in extra information, sysDescr as field
 * "snmp.sysdescr", an OS name it starts with as ostype). It fills r->service (and what
 * it found) and returns true when the bytes are that protocol's answer; false, with r
 * untouched, for anything else. The bytes are remote data: every length is checked. */
#ifndef ORBIT_CORE_FOLLOWUP_UDP_VERSIONS_H
#define ORBIT_CORE_FOLLOWUP_UDP_VERSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/grab_result.h"

bool udp_version_parse(uint16_t port, const uint8_t *p, size_t n, struct grab_result *r);

/* The parsers one by one (tests, fuzzing). */
bool udp_version_dns(const uint8_t *p, size_t n, struct grab_result *r);
bool udp_version_ntp(const uint8_t *p, size_t n, struct grab_result *r);
bool udp_version_snmp(const uint8_t *p, size_t n, struct grab_result *r);

#endif
