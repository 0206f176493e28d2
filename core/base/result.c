#include "core/base/result.h"
#include "core/base/grab_result.h"

#include <stddef.h>

/* Spelled exactly as Nmap prints them, so reports and parsers of Nmap output map 1:1. */
const char *port_state_name(enum port_state s)
{
	switch (s) {
	case PORT_OPEN: return "open";
	case PORT_CLOSED: return "closed";
	case PORT_FILTERED: return "filtered";
	case PORT_UNFILTERED: return "unfiltered";
	case PORT_OPEN_FILTERED: return "open|filtered";
	case PORT_CLOSED_FILTERED: return "closed|filtered";
	case HOST_UP: return "up";
	case HOST_DOWN: return "down";
	}
	return "unknown";
}

/* Nmap's --reason vocabulary (portreasons). */
const char *result_reason_name(enum result_reason r)
{
	switch (r) {
	case REASON_NONE: return "none";
	case REASON_SYN_ACK: return "syn-ack";
	case REASON_RESET: return "reset";
	case REASON_UDP_RESPONSE: return "udp-response";
	case REASON_ECHO_REPLY: return "echo-reply";
	case REASON_NET_UNREACH: return "net-unreach";
	case REASON_HOST_UNREACH: return "host-unreach";
	case REASON_PROTO_UNREACH: return "proto-unreach";
	case REASON_PORT_UNREACH: return "port-unreach";
	case REASON_NET_PROHIBITED: return "net-prohibited";
	case REASON_HOST_PROHIBITED: return "host-prohibited";
	case REASON_ADMIN_PROHIBITED: return "admin-prohibited";
	case REASON_ARP_RESPONSE: return "arp-response";
	case REASON_TIMESTAMP_REPLY: return "timestamp-reply";
	case REASON_NO_RESPONSE: return "no-response";
	}
	return "unknown";
}

const char *grab_status_name(enum grab_status s)
{
	switch (s) {
	case GRAB_STATUS_NOT_GRABBED: return "not-grabbed";
	case GRAB_STATUS_SUCCESS: return "success";
	case GRAB_STATUS_CONNECTION_REFUSED: return "connection-refused";
	case GRAB_STATUS_CONNECTION_TIMEOUT: return "connection-timeout";
	case GRAB_STATUS_CONNECTION_CLOSED: return "connection-closed";
	case GRAB_STATUS_IO_TIMEOUT: return "io-timeout";
	case GRAB_STATUS_PROTOCOL_ERROR: return "protocol-error";
	case GRAB_STATUS_UNKNOWN_ERROR: return "unknown-error";
	}
	return "unknown-error";
}


const char *result_proto_name(uint8_t proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case RESULT_PROTO_ARP: return "arp";
	case RESULT_PROTO_PING_SYN: return "ping-syn";
	case RESULT_PROTO_PING_ACK: return "ping-ack";
	case RESULT_PROTO_PING_UDP: return "ping-udp";
	case RESULT_PROTO_PING_TIMESTAMP: return "ping-timestamp";
	case RESULT_PROTO_OS: return "os";
	}
	return "ip";
}

void result_mac_text(const uint8_t mac[6], char out[18])
{
	static const char hex[] = "0123456789ABCDEF";
	for (int i = 0; i < 6; i++) {
		out[3 * i] = hex[mac[i] >> 4];
		out[3 * i + 1] = hex[mac[i] & 15];
		out[3 * i + 2] = i < 5 ? ':' : '\0';
	}
}
