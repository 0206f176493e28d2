/* SSH: the server's identification string (RFC 4253 4.2) → product/version/OS hint as
 * Nmap names them; then our own identification, and the server's KEXINIT (algorithm
 * name-lists). Nothing is negotiated: we close after reading KEXINIT. */
#include <stdio.h>
#include <string.h>

#include "core/followup/module.h"

#define KEX_WAIT_MS 3000 /* at most; a third of the connection's budget */
#define IDENT_MAX 255

static unsigned kex_wait(const struct grab_session *s)
{
	unsigned third = s->timeout_ms / 3;
	return third && third < KEX_WAIT_MS ? third : KEX_WAIT_MS;
}

static enum grab_verdict start(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE; /* server speaks first */
}

/* Offset of the "SSH-" line and of its end; false while not complete. */
static bool find_ident(const uint8_t *p, size_t n, size_t *at, size_t *end)
{
	size_t off = 0;
	for (int lines = 0; lines < 20 && off < n; lines++) {
		const uint8_t *e = grab_line_end(p + off, n - off);
		if (n - off >= 4 && memcmp(p + off, "SSH-", 4) == 0) {
			if (!e)
				return false;
			*at = off;
			*end = (size_t)(e - p);
			return true;
		}
		if (!e)
			return false;
		off = (size_t)(e - p);
	}
	return false;
}

static bool printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 || p[i] >= 0x7f) && p[i] != '\r' && p[i] != '\n' && p[i] != '\t')
			return false;
	return true;
}

/* Our identification string; --contact as its comments field (RFC 4253 4.2: after a
 * space, the whole line at most 255 characters with CR LF; the contact is <= 200). */
static void send_version(struct grab_session *s)
{
	char line[256];
	if (s->contact)
		snprintf(line, sizeof line, "SSH-2.0-orbit_%s %s\r\n", ORBIT_VERSION, s->contact);
	else
		snprintf(line, sizeof line, "SSH-2.0-orbit_%s\r\n", ORBIT_VERSION);
	grab_send_str(s, line);
}

static enum grab_verdict on_data(struct grab_session *s)
{
	if (s->phase == 0) {
		size_t at, end;
		size_t head = s->rx_len < 4 ? s->rx_len : 4;
		if (memcmp(s->rx, "SSH-", head) != 0 && !printable(s->rx, s->rx_len)) {
			s->why = "not ssh";
			return GRAB_MISMATCH;
		}
		if (!find_ident(s->rx, s->rx_len, &at, &end)) {
			if (s->eof || s->rx_len > 4096) {
				s->why = "not ssh";
				return GRAB_MISMATCH;
			}
			return GRAB_MORE;
		}
		s->mark = end;
		if (s->eof || (end - at >= 6 && memcmp(s->rx + at, "SSH-1.", 6) == 0))
			return GRAB_DONE;
		send_version(s);
		s->phase = 1;
		grab_wait(s, kex_wait(s));
	}
	/* phase 1: the binary packet holding KEXINIT */
	size_t have = s->rx_len - s->mark;
	if (have >= 4) {
		const uint8_t *b = s->rx + s->mark;
		uint32_t len = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		if (len > 65536)
			return GRAB_DONE; /* not a packet we can read; the ident is enough */
		if (have >= 4 + (size_t)len)
			return GRAB_DONE;
	}
	if (s->eof)
		return GRAB_DONE;
	grab_wait(s, kex_wait(s));
	return GRAB_MORE;
}

static enum grab_verdict on_idle(struct grab_session *s)
{
	return s->phase ? GRAB_DONE : GRAB_MORE;
}

/* Parses "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10" into r. */
void grab_ssh_ident(const char *id, struct grab_result *r)
{
	char proto[16] = "", soft[96] = "", comment[96] = "";
	const char *p = id + 4;
	size_t pl = strcspn(p, "-");
	GRAB_SET(proto, p, pl);
	if (p[pl] != '-')
		return;
	p += pl + 1;
	size_t sl = strcspn(p, " ");
	GRAB_SET(soft, p, sl);
	if (p[sl] == ' ')
		GRAB_SETS(comment, p + sl + 1);
	GRAB_SETS(r->service, "ssh");
	char info[128];
	if (strncmp(soft, "OpenSSH_", 8) == 0) {
		GRAB_SETS(r->product, "OpenSSH");
		const char *v = soft + 8;
		if (strncmp(comment, "Debian-", 7) == 0 || strncmp(comment, "Ubuntu-", 7) == 0) {
			bool ubuntu = comment[0] == 'U' || strstr(comment, "ubuntu") != NULL;
			char ver[256];
			snprintf(ver, sizeof(ver), "%s %.6s %s", v,
				 comment[0] == 'U' ? "Ubuntu" : "Debian", comment + 7);
			GRAB_SETS(r->version, ver);
			snprintf(info, sizeof(info), "%sprotocol %s", ubuntu ? "Ubuntu Linux; " : "",
				 proto);
			GRAB_SETS(r->ostype, "Linux");
		} else if (strncmp(comment, "FreeBSD-", 8) == 0) {
			GRAB_SETS(r->version, v);
			snprintf(info, sizeof(info), "FreeBSD %.40s; protocol %s", comment + 8, proto);
			GRAB_SETS(r->ostype, "FreeBSD");
		} else {
			GRAB_SETS(r->version, v);
			snprintf(info, sizeof(info), "protocol %s", proto);
		}
		GRAB_SETS(r->info, info);
	} else if (strncmp(soft, "dropbear_", 9) == 0) {
		GRAB_SETS(r->product, "Dropbear sshd");
		GRAB_SETS(r->version, soft + 9);
		snprintf(info, sizeof(info), "protocol %s", proto);
		GRAB_SETS(r->info, info);
		GRAB_SETS(r->ostype, "Linux");
	} else {
		size_t nl = strcspn(soft, "_-");
		GRAB_SET(r->product, soft, nl);
		if (soft[nl])
			GRAB_SETS(r->version, soft + nl + 1);
		snprintf(info, sizeof(info), "protocol %s", proto);
		GRAB_SETS(r->info, info);
	}
}

static void kexinit(const uint8_t *b, size_t n, struct grab_result *r)
{
	if (n < 6)
		return;
	uint32_t len = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (len + 4 > n || len < 2 + 16)
		return;
	if (b[5] != 20) /* SSH_MSG_KEXINIT */
		return;
	static const char *const names[] = {
		"ssh.kex_algorithms", "ssh.host_key_algorithms", "ssh.ciphers_c2s",
		"ssh.ciphers", "ssh.macs_c2s", "ssh.macs", "ssh.compression_c2s",
		"ssh.compression",
	};
	size_t off = 6 + 16, end = 4 + len;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (off + 4 > end)
			return;
		uint32_t l = (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 |
			     (uint32_t)b[off + 2] << 8 | b[off + 3];
		off += 4;
		if (l > end - off)
			return;
		/* the client-to-server lists repeat the server-to-client ones: keep those */
		if (i != 2 && i != 4 && i != 6)
			grab_field(r, names[i], (const char *)b + off, l);
		off += l;
	}
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	size_t at, end;
	if (!find_ident(s->rx, s->rx_len, &at, &end))
		return;
	char id[IDENT_MAX + 1];
	grab_line(id, sizeof(id), s->rx + at, end - at);
	grab_field(r, "ssh.ident", id, strlen(id));
	grab_ssh_ident(id, r);
	if (s->rx_len > end)
		kexinit(s->rx + end, s->rx_len - end, r);
}

static bool detect(const uint8_t *p, size_t n)
{
	return n >= 4 && memcmp(p, "SSH-", 4) == 0;
}

const struct grab_module grab_mod_ssh = {
	.name = "ssh",
	.service = "ssh",
	.nmap_probes = NULL,
	.start = start,
	.on_data = on_data,
	.on_idle = on_idle,
	.finish = finish,
	.detect = detect,
};
