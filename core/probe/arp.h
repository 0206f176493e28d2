/* ARP (RFC 826, IPv4 over Ethernet): the who-has request orbit sends to learn the MAC of
 * an on-link target or of the next hop, and the check of a reply.
 * Contract: arp_request_write() writes one broadcast request of ARP_FRAME_LEN bytes
 * (padded to Ethernet's minimum). arp_reply_check() accepts only an Ethernet/IPv4 ARP
 * reply (opcode 2) whose target is us (our_ip and our_mac) and whose sender is a unicast
 * MAC; it gives the sender's address and MAC, or the one drop cause. Whether we asked
 * that sender is the caller's to check (the sweep knows its targets; discovery its next
 * hop). The probe kind "arp" (PROBE_KIND_LIST) builds the same request from a template,
 * so the scan's sweep sends bursts like any probe; its replies reach arp_classify()
 * through reply.c's ethertype dispatch when the classify context accepts ARP. */
#ifndef ORBIT_CORE_PROBE_ARP_H
#define ORBIT_CORE_PROBE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/packet.h"
#include "core/probe/reply.h"

#define PKT_ETHERTYPE_ARP 0x0806
#define ARP_PAYLOAD_LEN 28 /* Ethernet + IPv4 hardware/protocol addresses */
#define ARP_FRAME_LEN 60   /* 14 + 28, padded to the 60-byte minimum frame */

/* Writes a who-has target request from (src_mac, saddr) to the broadcast address;
 * returns ARP_FRAME_LEN. Addresses in host byte order. */
size_t arp_request_write(uint8_t frame[ARP_FRAME_LEN], const uint8_t src_mac[PKT_ETH_ALEN],
			 uint32_t saddr, uint32_t target);

/* arp: the ARP packet after the Ethernet header (and any VLAN tags), len bytes. */
enum rx_drop arp_reply_check(const uint8_t *arp, size_t len, const uint8_t our_mac[PKT_ETH_ALEN],
			     uint32_t our_ip, uint32_t *sender, uint8_t sender_mac[PKT_ETH_ALEN]);

#endif
