/* SPDX-License-Identifier: MIT */
/*
 * uvfio/loop.h - the event loop that owns every device.
 *
 * Concepts: one thread runs the loop and owns all device, connection and
 * FSM state; nothing else touches it, so none of it needs a lock.  Work
 * that runs on other threads (the simulated channel subsystem, a slow
 * disk) reports back with uvf_loop_post(), which queues a call and rings
 * the loop's eventfd; the call then runs on the loop thread.
 *
 * The loop is epoll underneath, behind a seam of a few functions
 * (loop_epoll.c); handlers see only UVF_EV_* bits.  A handler may add or
 * remove any fd, including others that fired in the same batch: every fired
 * entry is re-validated (fd still registered, same registration) before its
 * handler runs.
 *
 * Timers are one-shot, kept in an unsorted list: finding the next expiry
 * is O(number of timers), which is a handful per device.
 *
 * All functions except uvf_loop_post() and uvf_loop_stop() must be called
 * on the loop thread.  Return 0 or a negative errno.
 */
#ifndef UVFIO_LOOP_H
#define UVFIO_LOOP_H

#include <stdint.h>

struct uvf_loop;

#define UVF_EV_READ	0x1u
#define UVF_EV_WRITE	0x2u
#define UVF_EV_ERROR	0x4u	/* hang-up or error (always reported) */

typedef void (*uvf_fd_fn)(struct uvf_loop *loop, int fd, unsigned events, void *arg);
typedef void (*uvf_call_fn)(struct uvf_loop *loop, void *arg);

int uvf_loop_create(struct uvf_loop **out);
/* Runs no pending calls; fds stay open (their owners close them). */
void uvf_loop_destroy(struct uvf_loop *loop);

int uvf_loop_add_fd(struct uvf_loop *loop, int fd, unsigned events, uvf_fd_fn fn, void *arg);
int uvf_loop_mod_fd(struct uvf_loop *loop, int fd, unsigned events);
void uvf_loop_del_fd(struct uvf_loop *loop, int fd);

/* One-shot timer `ms` milliseconds from now; *id identifies it for
 * uvf_loop_del_timer (ids are never 0 and never reused). */
int uvf_loop_add_timer(struct uvf_loop *loop, uint64_t ms, uvf_call_fn fn, void *arg,
		       uint64_t *id);
/* Deleting a timer that already fired or was deleted is a no-op. */
void uvf_loop_del_timer(struct uvf_loop *loop, uint64_t id);

/* Thread-safe: queue fn(arg) to run on the loop thread.  Calls run in the
 * order they were posted. */
int uvf_loop_post(struct uvf_loop *loop, uvf_call_fn fn, void *arg);

/* Wait at most timeout_ms (-1: no limit) and run what is ready.  Returns
 * the number of handlers run, or a negative errno. */
int uvf_loop_run_once(struct uvf_loop *loop, int timeout_ms);
/* Run until uvf_loop_stop(). */
int uvf_loop_run(struct uvf_loop *loop);
/* Thread- and signal-safe. */
void uvf_loop_stop(struct uvf_loop *loop);

/* Monotonic milliseconds. */
uint64_t uvf_now_ms(void);

#endif
