/* grab_farm: a tiny epoll server for grab benchmarks and tests, meant to run in a namespace
 * that answers for a whole range (tests/grab/netns.sh: 198.18.3.0/24 on lo), so one
 * listener per port serves every address. Port 22 speaks like OpenSSH (identification,
 * then a KEXINIT packet); port 80 like nginx (a 200 with a title, a 405 for OPTIONS, then
 * close). Every connection closes after 30 s at most.
 *   grab_farm [SECONDS]   (runs that long, default 600) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXFD 262144

static uint8_t kind[MAXFD]; /* 0 free, 1 listen ssh, 2 listen http, 3 ssh conn, 4 http conn */
static time_t born[MAXFD];

static const char ident[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n";
static uint8_t kex[512];
static size_t kex_len;
static char http[1024];
static size_t http_len;

static void build(void)
{
	const char *lists[10] = {"curve25519-sha256,diffie-hellman-group14-sha256", "ssh-ed25519",
				 "chacha20-poly1305@openssh.com,aes128-ctr",
				 "chacha20-poly1305@openssh.com,aes128-ctr", "hmac-sha2-256",
				 "hmac-sha2-256", "none", "none", "", ""};
	size_t k = 4;
	kex[k++] = 4;
	kex[k++] = 20;
	memset(kex + k, 0x5a, 16);
	k += 16;
	for (int i = 0; i < 10; i++) {
		uint32_t l = (uint32_t)strlen(lists[i]);
		uint32_t be = htonl(l);
		memcpy(kex + k, &be, 4);
		k += 4;
		memcpy(kex + k, lists[i], l);
		k += l;
	}
	memset(kex + k, 0, 5 + 4);
	k += 9;
	uint32_t be = htonl((uint32_t)(k - 4));
	memcpy(kex, &be, 4);
	kex_len = k;
	const char body[] = "<html><head><title>orbit grab farm</title></head></html>\n";
	http_len = (size_t)snprintf(http, sizeof(http),
				    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n"
				    "Content-Length: %zu\r\n\r\n%s"
				    "HTTP/1.1 405 Not Allowed\r\nServer: nginx/1.22.1\r\n"
				    "Content-Length: 0\r\nConnection: close\r\n\r\n",
				    strlen(body), body);
}

static int listen_on(int ep, uint16_t port, uint8_t k)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 65535) < 0) {
		perror("grab_farm: bind/listen");
		return -1;
	}
	kind[fd] = k;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void drop(int ep, int fd)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	kind[fd] = 0;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 600;
	struct rlimit rl = {MAXFD - 16, MAXFD - 16};
	setrlimit(RLIMIT_NOFILE, &rl);
	build();
	int ep = epoll_create1(0);
	if (listen_on(ep, 22, 1) < 0 || listen_on(ep, 80, 2) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	time_t end = time(NULL) + secs, last_sweep = time(NULL);
	struct epoll_event evs[512];
	while (time(NULL) < end) {
		int n = epoll_wait(ep, evs, 512, 1000);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (kind[fd] == 1 || kind[fd] == 2) {
				for (int k = 0; k < 256; k++) {
					int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
					if (c < 0)
						break;
					if (c >= MAXFD) {
						close(c);
						continue;
					}
					kind[c] = kind[fd] + 2;
					born[c] = time(NULL);
					if (kind[c] == 3) { /* ssh: ident + KEXINIT at once */
						struct iovec io[2] = {{(void *)ident, strlen(ident)},
								      {kex, kex_len}};
						struct msghdr m = {.msg_iov = io, .msg_iovlen = 2};
						if (sendmsg(c, &m, MSG_NOSIGNAL) < 0) {
							close(c);
							kind[c] = 0;
							continue;
						}
					}
					struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			char buf[4096];
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			if (r <= 0) {
				drop(ep, fd);
				continue;
			}
			if (kind[fd] == 4) { /* http: answer both requests, then close */
				ssize_t w = send(fd, http, http_len, MSG_NOSIGNAL);
				(void)w;
				drop(ep, fd);
			}
		}
		time_t now = time(NULL);
		if (now - last_sweep >= 5) { /* bound every connection's life */
			last_sweep = now;
			for (int fd = 0; fd < MAXFD; fd++)
				if ((kind[fd] == 3 || kind[fd] == 4) && now - born[fd] > 30)
					drop(ep, fd);
		}
	}
	return 0;
}
