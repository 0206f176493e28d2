/* The event loop (loop.h): a table of file events indexed by fd, a min-heap of timers kept
 * in a slot array (a timer id is its slot and that slot's generation, so deleting a stale
 * id is a cheap no-op), and an eventfd for wake-ups from other threads. */
#include "core/followup/loop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/base/clock.h"

#define EVENTS_PER_WAIT 256
/* File callbacks of one turn between two looks at the timers: a turn of 256 ready fds
 * can take 100 ms and more (connects and answers of a fresh -sV wave on a busy host),
 * and a probe's wait or the NULL probe's early deadline should not grow by that. */
#define TIMER_SLICE_NS 2000000u

struct loop_file {
	unsigned mask; /* 0: not registered */
	uint32_t turn; /* the turn whose callbacks registered it (see loop_run_once) */
	loop_file_fn cb;
	void *data;
};

struct loop_timer {
	uint64_t deadline_ns;
	loop_timer_fn cb; /* NULL: slot free */
	void *data;
	uint32_t heap_idx;
	uint32_t gen;
	uint32_t next_free;
};

struct loop {
	int ep, wake_fd;
	struct loop_file *files;
	unsigned nfiles;
	struct loop_timer *timers;
	uint32_t *heap; /* timer slots, min-heap by deadline */
	uint32_t ntimers, heap_n, free_timer;
	loop_hook_fn hook;
	void *hook_data;
	atomic_bool stop;
	atomic_int armed; /* the loop may sleep: loop_wake() must write the eventfd */
	uint32_t turn;    /* counts epoll_waits */
};

static bool grow(void **p, size_t elem, unsigned *cap, unsigned need)
{
	unsigned n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *np = realloc(*p, (size_t)n * elem);
	if (!np)
		return false;
	memset((char *)np + (size_t)*cap * elem, 0, (size_t)(n - *cap) * elem);
	*p = np;
	*cap = n;
	return true;
}

static bool grow_timers(struct loop *l, unsigned need)
{
	unsigned cap = l->ntimers, old = cap;
	if (!grow((void **)&l->timers, sizeof(*l->timers), &cap, need))
		return false;
	uint32_t *h = realloc(l->heap, (size_t)cap * sizeof(*h));
	if (!h)
		return false; /* the timer table grew; the next call retries the heap */
	l->heap = h;
	for (unsigned i = old; i < cap; i++) {
		l->timers[i].gen = 1;
		l->timers[i].next_free = i + 1 < cap ? i + 1 : l->free_timer;
	}
	l->free_timer = old;
	l->ntimers = cap;
	return true;
}

struct loop *loop_new(unsigned capacity)
{
	struct loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->free_timer = UINT32_MAX;
	unsigned cap = capacity < 16 ? 16 : capacity;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l->wake_fd};
	if (l->ep < 0 || l->wake_fd < 0 || !grow_timers(l, cap) ||
	    !grow((void **)&l->files, sizeof(*l->files), &l->nfiles, cap + 16) ||
	    epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake_fd, &ev) < 0) {
		int e = errno;
		loop_free(l);
		errno = e ? e : ENOMEM;
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->ep >= 0)
		close(l->ep);
	if (l->wake_fd >= 0)
		close(l->wake_fd);
	free(l->files);
	free(l->timers);
	free(l->heap);
	free(l);
}

/* ---- file events ---- */

static uint32_t epoll_mask(unsigned mask)
{
	return (mask & LOOP_READABLE ? EPOLLIN | EPOLLRDHUP : 0u) |
	       (mask & LOOP_WRITABLE ? EPOLLOUT : 0u);
}

int loop_add_fd(struct loop *l, int fd, unsigned mask, loop_file_fn cb, void *data)
{
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if ((unsigned)fd >= l->nfiles &&
	    !grow((void **)&l->files, sizeof(*l->files), &l->nfiles, (unsigned)fd + 1u)) {
		errno = ENOMEM;
		return -1;
	}
	struct loop_file *f = &l->files[fd];
	if (f->mask) {
		errno = EEXIST;
		return -1;
	}
	struct epoll_event ev = {.events = epoll_mask(mask), .data.fd = fd};
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	/* mask 0 is "not registered": keep a registered fd non-zero even with no interest */
	f->mask = mask | 0x100u;
	f->turn = l->turn;
	f->cb = cb;
	f->data = data;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, unsigned mask)
{
	struct loop_file *f = &l->files[fd];
	if ((f->mask & 0xffu) == mask)
		return 0;
	struct epoll_event ev = {.events = epoll_mask(mask), .data.fd = fd};
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	f->mask = mask | 0x100u;
	return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || (unsigned)fd >= l->nfiles || !l->files[fd].mask)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	l->files[fd].mask = 0;
}

void loop_close_fd(struct loop *l, int fd)
{
	if (fd >= 0 && (unsigned)fd < l->nfiles)
		l->files[fd].mask = 0;
	close(fd);
}

static unsigned fired_mask(uint32_t ev, unsigned mask)
{
	unsigned fired = 0;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		fired |= LOOP_READABLE;
	if (ev & EPOLLOUT)
		fired |= LOOP_WRITABLE;
	fired &= mask;
	if (ev & (EPOLLHUP | EPOLLERR))
		fired |= LOOP_READABLE | LOOP_ERROR;
	return fired;
}

/* ---- timers ---- */

static bool earlier(const struct loop *l, uint32_t a, uint32_t b)
{
	return l->timers[l->heap[a]].deadline_ns < l->timers[l->heap[b]].deadline_ns;
}

static void heap_swap(struct loop *l, uint32_t i, uint32_t j)
{
	uint32_t a = l->heap[i], b = l->heap[j];
	l->heap[i] = b;
	l->heap[j] = a;
	l->timers[b].heap_idx = i;
	l->timers[a].heap_idx = j;
}

static void heap_fix(struct loop *l, uint32_t i)
{
	while (i > 0 && earlier(l, i, (i - 1) / 2)) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		uint32_t c = 2 * i + 1, m = i;
		if (c < l->heap_n && earlier(l, c, m))
			m = c;
		if (c + 1 < l->heap_n && earlier(l, c + 1, m))
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

uint64_t loop_add_timer(struct loop *l, uint64_t deadline_ns, loop_timer_fn cb, void *data)
{
	if (l->free_timer == UINT32_MAX && !grow_timers(l, l->ntimers + 1))
		return 0;
	uint32_t slot = l->free_timer;
	struct loop_timer *t = &l->timers[slot];
	l->free_timer = t->next_free;
	t->deadline_ns = deadline_ns;
	t->cb = cb;
	t->data = data;
	t->heap_idx = l->heap_n;
	l->heap[l->heap_n++] = slot;
	heap_fix(l, t->heap_idx);
	return (uint64_t)t->gen << 32 | slot;
}

static void timer_release(struct loop *l, uint32_t slot)
{
	struct loop_timer *t = &l->timers[slot];
	uint32_t i = t->heap_idx;
	l->heap_n--;
	if (i != l->heap_n) {
		heap_swap(l, i, l->heap_n);
		heap_fix(l, i);
	}
	t->cb = NULL;
	t->gen = t->gen + 1 ? t->gen + 1 : 1;
	t->next_free = l->free_timer;
	l->free_timer = slot;
}

void loop_del_timer(struct loop *l, uint64_t id)
{
	uint32_t slot = (uint32_t)id;
	if (slot < l->ntimers && l->timers[slot].cb && l->timers[slot].gen == (uint32_t)(id >> 32))
		timer_release(l, slot);
}

static int fire_timers(struct loop *l)
{
	int ran = 0;
	uint64_t now = clock_mono_ns();
	while (l->heap_n && l->timers[l->heap[0]].deadline_ns <= now) {
		uint32_t slot = l->heap[0];
		struct loop_timer *t = &l->timers[slot];
		uint64_t id = (uint64_t)t->gen << 32 | slot;
		loop_timer_fn cb = t->cb;
		void *data = t->data;
		timer_release(l, slot);
		cb(l, id, data);
		ran++;
	}
	return ran;
}

/* ---- wake-ups and turns ---- */

void loop_set_hook(struct loop *l, loop_hook_fn before_wait, void *data)
{
	l->hook = before_wait;
	l->hook_data = data;
}

void loop_arm_wake(struct loop *l)
{
	atomic_store(&l->armed, 1);
}

static void wake_write(struct loop *l)
{
	uint64_t one = 1;
	ssize_t r = write(l->wake_fd, &one, sizeof(one));
	(void)r;
}

void loop_wake(struct loop *l)
{
	if (atomic_exchange(&l->armed, 0))
		wake_write(l);
}

void loop_stop(struct loop *l)
{
	atomic_store_explicit(&l->stop, true, memory_order_release);
	wake_write(l);
}

bool loop_stopped(const struct loop *l)
{
	return atomic_load_explicit(&l->stop, memory_order_acquire);
}

static int wait_ms(const struct loop *l, uint64_t max_wait_ns)
{
	uint64_t wait = max_wait_ns;
	if (l->heap_n) {
		uint64_t due = l->timers[l->heap[0]].deadline_ns, now = clock_mono_ns();
		uint64_t until = due > now ? due - now : 0;
		if (until < wait)
			wait = until;
	}
	if (wait == LOOP_FOREVER)
		return -1;
	uint64_t ms = wait / 1000000u + (wait % 1000000u != 0); /* never wake before due */
	return ms > 1000000u ? 1000000 : (int)ms;
}

int loop_run_once(struct loop *l, uint64_t max_wait_ns)
{
	bool pending = false;
	if (l->hook)
		pending = l->hook(l, l->hook_data);
	else
		loop_arm_wake(l);
	struct epoll_event evs[EVENTS_PER_WAIT];
	int n = epoll_wait(l->ep, evs, EVENTS_PER_WAIT, pending ? 0 : wait_ms(l, max_wait_ns));
	atomic_store(&l->armed, 0);
	l->turn++;
	int ran = 0;
	uint64_t slice_end = clock_mono_ns() + TIMER_SLICE_NS;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (fd == l->wake_fd) {
			uint64_t v;
			ssize_t r = read(l->wake_fd, &v, sizeof(v));
			(void)r;
			continue;
		}
		struct loop_file *f = &l->files[fd];
		/* Deleted by an earlier callback of this turn, or registered by one: a socket
		 * opened after the wait took the number of one closed before it, and evs[i]
		 * was the closed one's (the new one's readiness comes with the next wait). */
		if (!f->mask || f->turn == l->turn)
			continue;
		f->cb(l, fd, fired_mask(evs[i].events, f->mask), f->data);
		ran++;
		uint64_t now = clock_mono_ns();
		if (now >= slice_end) { /* a long turn: due timers do not wait for its end */
			ran += fire_timers(l);
			slice_end = now + TIMER_SLICE_NS;
		}
	}
	return ran + fire_timers(l);
}

void loop_run(struct loop *l)
{
	while (!loop_stopped(l))
		loop_run_once(l, LOOP_FOREVER);
}
