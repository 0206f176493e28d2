#include "core/scan/rdns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/base/clock.h"

struct lookup_run {
	rdns_fn fn;
	void *arg;
	struct rdns_stats *st;
	size_t inflight;
};

struct lookup {
	struct lookup_run *run;
	uint32_t addr;
};

static void on_answer(void *arg, int status, int timeouts, struct hostent *h)
{
	(void)timeouts;
	struct lookup *q = arg;
	struct lookup_run *run = q->run;
	run->inflight--;
	if (status == ARES_SUCCESS && h && h->h_name && h->h_name[0]) {
		run->st->named++;
		run->fn(q->addr, h->h_name, run->arg);
	} else if (status != ARES_ENOTFOUND && status != ARES_ENODATA &&
		   status != ARES_EDESTRUCTION) {
		run->st->failed++;
	}
}

/* One round of waiting: poll c-ares's sockets until one is ready or its next timeout. */
static void wait_and_process(ares_channel ch)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	/* The bits of ARES_GETSOCK_READABLE/WRITABLE, in unsigned arithmetic: the macros
	 * shift a signed 1 into the sign bit for the last socket (UBSan). */
	unsigned mask = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	nfds_t np = 0;
	for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = (short)((mask & (1u << i) ? POLLIN : 0) |
				   (mask & (1u << (i + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
		if (ev)
			pfd[np++] = (struct pollfd){.fd = socks[i], .events = ev};
	}
	struct timeval tv, *tvp = ares_timeout(ch, NULL, &tv);
	int ms = tvp ? (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000) : 100;
	int ready = poll(pfd, np, ms);
	if (ready <= 0) {
		ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
		return;
	}
	for (nfds_t i = 0; i < np; i++)
		if (pfd[i].revents)
			ares_process_fd(ch, pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd
											   : ARES_SOCKET_BAD,
					pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
}

static int open_channel(const struct rdns_options *opt, ares_channel *ch, struct errbuf *e)
{
	struct ares_options o = {0};
	o.timeout = (int)(opt->timeout_ms ? opt->timeout_ms : RDNS_DEFAULT_TIMEOUT_MS);
	o.tries = (int)(opt->tries ? opt->tries : RDNS_DEFAULT_TRIES);
	o.lookups = (char *)"b"; /* DNS only: nmap's rDNS does not read /etc/hosts either */
	int rc = ares_init_options(ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
	if (rc != ARES_SUCCESS)
		return err_set(e, "reverse DNS: cannot start the resolver: %s", ares_strerror(rc));
	if (opt->servers && (rc = ares_set_servers_ports_csv(*ch, opt->servers)) != ARES_SUCCESS) {
		ares_destroy(*ch);
		return err_set(e, "invalid --dns-servers '%s': %s", opt->servers, ares_strerror(rc));
	}
	return 0;
}

static int resolve_ares(const struct rdns_options *opt, const uint32_t *addrs, size_t n,
			struct lookup_run *run, struct errbuf *e)
{
	ares_channel ch;
	if (open_channel(opt, &ch, e) < 0)
		return -1;
	struct lookup *q = calloc(n ? n : 1, sizeof *q);
	if (!q) {
		ares_destroy(ch);
		return err_set(e, "out of memory");
	}
	size_t limit = opt->concurrency ? opt->concurrency : RDNS_DEFAULT_CONCURRENCY;
	size_t next = 0;
	while (next < n || run->inflight > 0) {
		while (next < n && run->inflight < limit) {
			q[next] = (struct lookup){run, addrs[next]};
			struct in_addr in = {htonl(addrs[next])};
			run->inflight++;
			run->st->asked++;
			ares_gethostbyaddr(ch, &in, sizeof in, AF_INET, on_answer, &q[next]);
			next++;
		}
		if (run->inflight > 0)
			wait_and_process(ch);
	}
	ares_destroy(ch);
	free(q);
	return 0;
}

static void resolve_system(const uint32_t *addrs, size_t n, struct lookup_run *run)
{
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = {htonl(addrs[i])}};
		char name[NI_MAXHOST];
		run->st->asked++;
		int rc = getnameinfo((struct sockaddr *)&sin, sizeof sin, name, sizeof name, NULL, 0,
				     NI_NAMEREQD);
		if (rc == 0) {
			run->st->named++;
			run->fn(addrs[i], name, run->arg);
		} else if (rc != EAI_NONAME) {
			run->st->failed++;
		}
	}
}

int rdns_resolve(const struct rdns_options *opt, const uint32_t *addrs, size_t n, rdns_fn fn,
		 void *arg, struct rdns_stats *st, struct errbuf *e)
{
	struct rdns_stats local = {0};
	if (!st)
		st = &local;
	*st = (struct rdns_stats){0};
	struct lookup_run run = {fn, arg, st, 0};
	uint64_t t0 = clock_mono_ns();
	int rc = 0;
	if (opt->system) {
		resolve_system(addrs, n, &run);
	} else {
		ares_library_init(ARES_LIB_INIT_ALL);
		rc = resolve_ares(opt, addrs, n, &run, e);
		ares_library_cleanup();
	}
	st->elapsed_ns = clock_mono_ns() - t0;
	return rc;
}

int rdns_check_servers(const char *servers, struct errbuf *e)
{
	char buf[1024];
	if (!servers[0] || strlen(servers) >= sizeof buf)
		return err_set(e, "invalid --dns-servers '%s': expected ADDR[:PORT],...", servers);
	snprintf(buf, sizeof buf, "%s", servers);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		if (colon) {
			*colon = '\0';
			char *end;
			long port = strtol(colon + 1, &end, 10);
			if (!colon[1] || *end || port < 1 || port > 65535)
				return err_set(e, "invalid --dns-servers entry '%s:%s': bad port", tok,
					       colon + 1);
		}
		struct in_addr in;
		if (inet_pton(AF_INET, tok, &in) != 1)
			return err_set(e, "invalid --dns-servers entry '%s': not an IPv4 address", tok);
	}
	return 0;
}
