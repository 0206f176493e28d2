/* loop: one thread's event loop (epoll file events, one-shot timers, cross-thread wake-up),
 * in the manner of Redis's ae.c. It knows nothing of what runs on it.
 *
 * Contract:
 *  - A loop belongs to the thread that runs it: every call but loop_wake() and loop_stop()
 *    comes from that thread (or before the thread starts). Callbacks run on it, never nest,
 *    and may add or delete any fd or timer, their own included.
 *  - File events are level-triggered: cb(loop, fd, fired, data) runs while fd is ready for
 *    what its mask asks (LOOP_READABLE, LOOP_WRITABLE). `fired` holds the ready bits of the
 *    mask, plus LOOP_READABLE and LOOP_ERROR on an error or hang-up. An fd deleted or
 *    added by an earlier callback of the same turn gets no callback in it (an fd number
 *    reused within a turn never sees the old file's events); callbacks must take a
 *    spurious wake-up (EAGAIN).
 *  - Timers are one-shot, at an absolute clock_mono_ns() deadline: loop_add_timer() returns
 *    an id (never 0) that stays unique for the timer's life; deleting a timer that fired or
 *    was deleted is a no-op. A timer fires after the file events of the turn it falls due
 *    in, or between two of them when they take long (2 ms: loop.c TIMER_SLICE_NS).
 *  - One turn (loop_run_once): the before-wait hook, one epoll_wait until the nearest timer
 *    (at most max_wait_ns), file callbacks (due timers every 2 ms among them), then every
 *    due timer. loop_run() turns until loop_stop(). Tables grow past `capacity` on demand
 *    (the only allocations).
 *  - loop_wake() (any thread, lock-free) ends the current or next wait; it costs an eventfd
 *    write only when the loop is armed. Without a hook the loop arms itself before every
 *    wait; with a hook, the hook calls loop_arm_wake() and then checks its queue once more
 *    (arm, then look: no lost wake-up), or leaves it unarmed when it cannot take work.
 *  - A coroutine (scripts, rDNS) waits for "fd ready or timeout" by adding the fd and a
 *    timer whose callbacks both resume it; on resume it deletes the other one. */
#ifndef ORBIT_CORE_FOLLOWUP_LOOP_H
#define ORBIT_CORE_FOLLOWUP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_READABLE 1u
#define LOOP_WRITABLE 2u
#define LOOP_ERROR 4u /* fired only: error or hang-up on the fd */
#define LOOP_FOREVER UINT64_MAX

struct loop;

typedef void (*loop_file_fn)(struct loop *l, int fd, unsigned fired, void *data);
typedef void (*loop_timer_fn)(struct loop *l, uint64_t id, void *data);
/* Before each wait; returns true when work is pending now (the wait then does not block). */
typedef bool (*loop_hook_fn)(struct loop *l, void *data);

/* NULL when out of memory or epoll/eventfd creation failed (errno set). */
struct loop *loop_new(unsigned capacity);
void loop_free(struct loop *l);

/* 0, or -1 with errno set (epoll_ctl, no memory). Adding a registered fd is an error. */
int loop_add_fd(struct loop *l, int fd, unsigned mask, loop_file_fn cb, void *data);
/* Sets the fd's mask (no syscall when it is unchanged). */
int loop_mod_fd(struct loop *l, int fd, unsigned mask);
void loop_del_fd(struct loop *l, int fd);
/* Forgets the fd and closes it: one syscall, as close() leaves the epoll set by itself
 * (for fds not dup()ed elsewhere). */
void loop_close_fd(struct loop *l, int fd);

/* 0 when out of memory. */
uint64_t loop_add_timer(struct loop *l, uint64_t deadline_ns, loop_timer_fn cb, void *data);
void loop_del_timer(struct loop *l, uint64_t id);

void loop_set_hook(struct loop *l, loop_hook_fn before_wait, void *data);
void loop_arm_wake(struct loop *l);
void loop_wake(struct loop *l);

/* Returns the number of callbacks run. */
int loop_run_once(struct loop *l, uint64_t max_wait_ns);
void loop_run(struct loop *l);
void loop_stop(struct loop *l); /* any thread: loop_run() returns after its current turn */
bool loop_stopped(const struct loop *l);

#endif
