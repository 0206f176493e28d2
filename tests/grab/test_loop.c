/* The grab pool's event loop (core/followup/loop.h): timers fire in deadline order and
 * once, deleted and stale ids are no-ops, file callbacks see readiness and may delete
 * their fd, a timer due in a long turn fires before the turn's end, an fd number reused
 * within a turn does not get the closed file's event, loop_wake() and
 * loop_stop() work from another thread; and a pool of several workers delivers one
 * result per port. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/followup/grab.h"
#include "core/followup/loop.h"
#include "tests/unit/check.h"

struct fired {
	int order[8];
	int n;
};

static void note(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct fired *f = data;
	if (f->n < 8)
		f->order[f->n] = f->n;
	f->n++;
}

static int fire_seq[4], nseq;
static void seq(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	fire_seq[nseq++] = (int)(intptr_t)data;
}

static void test_timers(void)
{
	struct loop *l = loop_new(2); /* grows past it */
	CHECK(l != NULL);
	uint64_t now = clock_mono_ns();
	nseq = 0;
	uint64_t a = loop_add_timer(l, now + 30000000u, seq, (void *)(intptr_t)3);
	uint64_t b = loop_add_timer(l, now + 10000000u, seq, (void *)(intptr_t)1);
	uint64_t c = loop_add_timer(l, now + 20000000u, seq, (void *)(intptr_t)2);
	uint64_t d = loop_add_timer(l, now + 15000000u, seq, (void *)(intptr_t)9);
	CHECK(a && b && c && d && a != b);
	loop_del_timer(l, d);
	loop_del_timer(l, d); /* stale: no-op */
	loop_del_timer(l, 0);
	while (nseq < 3)
		loop_run_once(l, 100000000u);
	CHECK_EQ_U64(nseq, 3);
	CHECK(fire_seq[0] == 1 && fire_seq[1] == 2 && fire_seq[2] == 3);
	CHECK(clock_mono_ns() >= now + 30000000u); /* never early */
	loop_del_timer(l, a); /* fired: no-op, and the slot's new owner is safe */
	struct fired f = {{0}, 0};
	uint64_t e = loop_add_timer(l, 0, note, &f);
	loop_del_timer(l, a);
	loop_run_once(l, 0);
	CHECK(e != 0 && f.n == 1);
	loop_free(l);
}

struct pipe_seen {
	int fd[2];
	unsigned fired;
	int calls;
};

static void on_readable(struct loop *l, int fd, unsigned fired, void *data)
{
	struct pipe_seen *p = data;
	p->fired = fired;
	p->calls++;
	char buf[16];
	ssize_t r = read(fd, buf, sizeof(buf));
	(void)r;
	loop_del_fd(l, fd);
}

static void *waker(void *arg)
{
	clock_sleep_ns(50000000u);
	loop_wake(arg);
	clock_sleep_ns(50000000u);
	loop_stop(arg);
	return NULL;
}

static void test_files_and_wake(void)
{
	struct loop *l = loop_new(16);
	struct pipe_seen p = {{-1, -1}, 0, 0};
	CHECK(pipe(p.fd) == 0);
	CHECK(loop_add_fd(l, p.fd[0], LOOP_READABLE, on_readable, &p) == 0);
	CHECK(loop_add_fd(l, p.fd[0], LOOP_READABLE, on_readable, &p) < 0); /* twice */
	CHECK(loop_run_once(l, 0) == 0);
	CHECK(write(p.fd[1], "x", 1) == 1);
	CHECK(loop_run_once(l, 1000000000u) == 1);
	CHECK(p.calls == 1 && (p.fired & LOOP_READABLE) && !(p.fired & LOOP_WRITABLE));
	CHECK(write(p.fd[1], "y", 1) == 1);
	CHECK(loop_run_once(l, 0) == 0); /* deleted by its callback */
	/* a wake from another thread ends a wait with no timer; then stop ends loop_run() */
	pthread_t th;
	pthread_create(&th, NULL, waker, l);
	uint64_t t0 = clock_mono_ns();
	loop_run_once(l, LOOP_FOREVER);
	CHECK(clock_mono_ns() - t0 < 1000000000u);
	loop_run(l);
	CHECK(loop_stopped(l));
	pthread_join(th, NULL);
	close(p.fd[0]);
	close(p.fd[1]);
	loop_free(l);
}

/* A long turn: eight ready pipes whose callbacks take 1 ms each, and a timer due 3 ms in.
 * It fires among them (after the third or so), not after the eighth. */
struct slow_turn {
	int calls;
	int calls_when_fired;
};

static void on_slow(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)fired;
	struct slow_turn *t = data;
	t->calls++;
	char buf[4];
	ssize_t r = read(fd, buf, sizeof(buf));
	(void)r;
	loop_del_fd(l, fd);
	clock_sleep_ns(1000000u);
}

static void on_slow_timer(struct loop *l, uint64_t id, void *data)
{
	(void)l;
	(void)id;
	struct slow_turn *t = data;
	t->calls_when_fired = t->calls;
}

static void test_long_turn(void)
{
	struct loop *l = loop_new(16);
	struct slow_turn t = {0, -1};
	int fds[8][2];
	for (int i = 0; i < 8; i++) {
		CHECK(pipe(fds[i]) == 0);
		CHECK(write(fds[i][1], "x", 1) == 1);
		CHECK(loop_add_fd(l, fds[i][0], LOOP_READABLE, on_slow, &t) == 0);
	}
	loop_add_timer(l, clock_mono_ns() + 3000000u, on_slow_timer, &t);
	CHECK_EQ_U64(loop_run_once(l, 0), 9);
	CHECK(t.calls == 8 && t.calls_when_fired >= 1 && t.calls_when_fired < 8);
	for (int i = 0; i < 8; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	loop_free(l);
}

/* An fd number reused within a turn: two ready pipes; the first one's callback closes the
 * second one's read end and opens a pipe that takes its number (nothing to read in it).
 * The second pipe's event of this turn was the closed file's: the new registration must not
 * get it (vscan's probe connections took such an event for a failed connect and lost the
 * port's answer). The next turn, with nothing written, still calls nobody. */
struct reuse {
	struct loop *l;
	int first[2], second[2], fresh[2];
	int fresh_calls;
};

static void on_fresh(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)l;
	(void)fd;
	(void)fired;
	((struct reuse *)data)->fresh_calls++;
}

static void on_first(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)fired;
	struct reuse *r = data;
	char c;
	CHECK(read(fd, &c, 1) == 1);
	loop_close_fd(l, r->second[0]);
	CHECK(pipe(r->fresh) == 0);
	CHECK(r->fresh[0] == r->second[0]); /* the lowest free number: the one just closed */
	CHECK(loop_add_fd(l, r->fresh[0], LOOP_READABLE, on_fresh, r) == 0);
}

static void on_second(struct loop *l, int fd, unsigned fired, void *data)
{
	(void)l;
	(void)fd;
	(void)fired;
	(void)data;
	CHECK(!"the second pipe's callback runs after the first closed it");
}

static void test_fd_reuse(void)
{
	struct reuse r = {.l = loop_new(16)};
	CHECK(pipe(r.first) == 0 && pipe(r.second) == 0);
	CHECK(write(r.first[1], "x", 1) == 1 && write(r.second[1], "y", 1) == 1);
	/* the first registered is the first reported (epoll's ready list is in order) */
	CHECK(loop_add_fd(r.l, r.first[0], LOOP_READABLE, on_first, &r) == 0);
	CHECK(loop_add_fd(r.l, r.second[0], LOOP_READABLE, on_second, &r) == 0);
	loop_run_once(r.l, 0);
	CHECK(r.fresh_calls == 0);
	loop_run_once(r.l, 0);
	CHECK(r.fresh_calls == 0);
	CHECK(write(r.fresh[1], "z", 1) == 1); /* its own readiness reaches it */
	loop_run_once(r.l, 0);
	CHECK(r.fresh_calls == 1);
	close(r.first[0]);
	close(r.first[1]);
	close(r.second[1]);
	close(r.fresh[0]);
	close(r.fresh[1]);
	loop_free(r.l);
}

static atomic_uint results;
static void count_result(const struct grab_result *r, void *user)
{
	(void)user;
	if (r->status == GRAB_STATUS_CONNECTION_REFUSED)
		atomic_fetch_add(&results, 1);
}

/* Several workers: ports on 127.0.0.1-64 with no listener are refused, one result each. */
static void test_pool_threads(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(s, (struct sockaddr *)&a, sizeof(a));
	socklen_t len = sizeof(a);
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	struct grab_params p = {.threads = 3, .concurrency = 6, .timeout_ms = 2000,
				.on_result = count_result};
	struct errbuf e = {{0}};
	struct grab_pool *pool = grab_pool_start(&p, &e);
	CHECK(pool != NULL);
	if (!pool)
		return;
	for (uint32_t i = 1; i <= 64; i++)
		CHECK(grab_pool_submit_addr(pool, 0x7f000000u + i, ntohs(a.sin_port)));
	CHECK(grab_pool_drain(pool, 5000));
	struct grab_stats st;
	grab_pool_stats(pool, &st);
	grab_pool_stop(pool);
	CHECK_EQ_U64(st.completed, 64);
	CHECK_EQ_U64(st.refused, 64);
	CHECK_EQ_U64(atomic_load(&results), 64);
}

int main(void)
{
	test_timers();
	test_files_and_wake();
	test_long_turn();
	test_fd_reuse();
	test_pool_threads();
	return check_done("loop");
}
