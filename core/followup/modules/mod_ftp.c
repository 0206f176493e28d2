/* FTP: the greeting (→ product/version), then Nmap's ftp-anon check: USER anonymous,
 * PASS; anonymous login is allowed when either answers 230. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/followup/module.h"

static enum grab_verdict start(struct grab_session *s)
{
	(void)s;
	return GRAB_MORE;
}

static enum grab_verdict on_data(struct grab_session *s)
{
	int code;
	size_t from = s->phase == 0 ? 0 : s->phase == 1 ? s->mark : s->aux;
	size_t end = grab_reply_end(s->rx + from, s->rx_len - from, &code);
	if (s->rx_len - from >= 4 && code == 0) {
		s->why = "not ftp";
		return s->phase == 0 ? GRAB_MISMATCH : GRAB_ERROR;
	}
	if (!end)
		return s->eof ? (s->phase ? GRAB_DONE : GRAB_MORE) : GRAB_MORE;
	end += from;
	switch (s->phase) {
	case 0:
		if (code != 220)
			return GRAB_DONE; /* 421 busy, 530 denied ... */
		grab_send_str(s, "USER anonymous\r\n");
		s->mark = end;
		s->phase = 1;
		return GRAB_MORE;
	case 1:
		if (code != 331)
			return GRAB_DONE; /* 230: in without a password; 530: refused */
		grab_send_str(s, "PASS IEUser@\r\n");
		s->aux = (uint32_t)end;
		s->phase = 2;
		return GRAB_MORE;
	default:
		return GRAB_DONE;
	}
}

/* Greeting → product/version as Nmap's NULL-probe matches name them. */
static void greeting(const char *g, struct grab_result *r)
{
	const char *p;
	if ((p = strstr(g, "(vsFTPd ")) != NULL) {
		GRAB_SETS(r->product, "vsftpd");
		GRAB_SET(r->version, p + 8, strcspn(p + 8, ")"));
		GRAB_SETS(r->ostype, "Unix");
	} else if ((p = strstr(g, "vsFTPd ")) != NULL) {
		GRAB_SETS(r->product, "vsftpd");
		GRAB_SET(r->version, p + 7, strcspn(p + 7, " )"));
	} else if ((p = strstr(g, "ProFTPD ")) != NULL) {
		GRAB_SETS(r->product, "ProFTPD");
		GRAB_SET(r->version, p + 8, strcspn(p + 8, " "));
	} else if (strstr(g, "Pure-FTPd")) {
		GRAB_SETS(r->product, "Pure-FTPd");
	} else if ((p = strstr(g, "FileZilla Server ")) != NULL) {
		GRAB_SETS(r->product, "FileZilla ftpd");
		GRAB_SETS(r->version, p + 17);
		GRAB_SETS(r->ostype, "Windows");
	} else if (strstr(g, "Microsoft FTP Service")) {
		GRAB_SETS(r->product, "Microsoft ftpd");
		GRAB_SETS(r->ostype, "Windows");
	}
}

static void finish(const struct grab_session *s, struct grab_result *r)
{
	int code;
	size_t g = grab_reply_end(s->rx, s->rx_len, &code);
	if (code == 0)
		return;
	GRAB_SETS(r->service, "ftp");
	char line[256];
	/* the last line of a multi-line greeting names the server as often as the first */
	grab_line(line, sizeof(line), s->rx, s->rx_len);
	grab_field(r, "ftp.greeting", line, strlen(line));
	greeting(line, r);
	if (!r->product[0] && g) {
		const uint8_t *last = s->rx;
		for (const uint8_t *e; (e = grab_line_end(last, g - (size_t)(last - s->rx))) &&
				       e < s->rx + g;)
			last = e;
		grab_line(line, sizeof(line), last, g - (size_t)(last - s->rx));
		greeting(line, r);
	}
	if (s->phase >= 1 && s->rx_len > s->mark) {
		int c1 = 0, c2 = 0;
		grab_reply_end(s->rx + s->mark, s->rx_len - s->mark, &c1);
		if (s->phase >= 2 && s->rx_len > s->aux)
			grab_reply_end(s->rx + s->aux, s->rx_len - s->aux, &c2);
		bool anon = c1 == 230 || c2 == 230;
		if (c1 && (c1 != 331 || c2))
			grab_field(r, "ftp.anonymous", anon ? "true" : "false", anon ? 4 : 5);
		if (anon)
			grab_fieldf(r, "ftp.anonymous_info", "Anonymous FTP login allowed (FTP code 230)");
	}
}

static bool detect(const uint8_t *p, size_t n)
{
	if (n < 4 || memcmp(p, "220", 3) != 0 || (p[3] != ' ' && p[3] != '-'))
		return false;
	const uint8_t *e = grab_line_end(p, n);
	size_t ln = e ? (size_t)(e - p) : n;
	return !grab_memcasemem(p, ln, "SMTP") && !grab_memcasemem(p, ln, " mail");
}

const struct grab_module grab_mod_ftp = {
	.name = "ftp",
	.service = "ftp",
	.nmap_probes = NULL,
	.start = start,
	.on_data = on_data,
	.on_idle = NULL,
	.finish = finish,
	.detect = detect,
};
