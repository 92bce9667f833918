/* The event loop: fd handlers indexed by fd, one-shot timers, and a
 * thread-safe call queue rung through an eventfd.  See uvfio/loop.h. */
#include <uvfio/loop.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "server/poller.h"

struct fd_slot {
	uvf_fd_fn fn;
	void *arg;
	unsigned events;
	uint32_t gen;		/* bumped on every add: stale events are dropped */
	bool used;
};

struct timer {
	uint64_t id, when;
	uvf_call_fn fn;
	void *arg;
	struct timer *next;
};

struct posted {
	uvf_call_fn fn;
	void *arg;
	struct posted *next;
};

struct uvf_loop {
	struct uvf_poller *poller;
	struct fd_slot *slots;
	int nslots;
	struct timer *timers;
	uint64_t next_timer_id;
	atomic_bool stop;

	/* Cross-thread call queue: the only state other threads touch. */
	pthread_mutex_t post_lock;
	struct posted *post_head, **post_tail;
	int post_efd;
};

uint64_t uvf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t slot_key(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

static void run_posted(struct uvf_loop *loop, int fd, unsigned events, void *arg);

int uvf_loop_create(struct uvf_loop **out)
{
	struct uvf_loop *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->post_efd = -1;
	pthread_mutex_init(&l->post_lock, NULL);
	l->post_tail = &l->post_head;
	if ((r = uvf_poller_create(&l->poller)))
		goto err;
	l->post_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->post_efd < 0) {
		r = -errno;
		goto err;
	}
	if ((r = uvf_loop_add_fd(l, l->post_efd, UVF_EV_READ, run_posted, NULL)))
		goto err;
	*out = l;
	return 0;
err:
	uvf_loop_destroy(l);
	return r;
}

void uvf_loop_destroy(struct uvf_loop *l)
{
	if (!l)
		return;
	while (l->timers) {
		struct timer *t = l->timers;

		l->timers = t->next;
		free(t);
	}
	while (l->post_head) {
		struct posted *p = l->post_head;

		l->post_head = p->next;
		free(p);
	}
	if (l->post_efd >= 0)
		close(l->post_efd);
	uvf_poller_destroy(l->poller);
	pthread_mutex_destroy(&l->post_lock);
	free(l->slots);
	free(l);
}

static int grow_slots(struct uvf_loop *l, int fd)
{
	int n = l->nslots ? l->nslots : 64;
	struct fd_slot *s;

	while (n <= fd)
		n *= 2;
	s = realloc(l->slots, sizeof(*s) * (size_t)n);
	if (!s)
		return -ENOMEM;
	memset(s + l->nslots, 0, sizeof(*s) * (size_t)(n - l->nslots));
	l->slots = s;
	l->nslots = n;
	return 0;
}

int uvf_loop_add_fd(struct uvf_loop *l, int fd, unsigned events, uvf_fd_fn fn, void *arg)
{
	struct fd_slot *s;
	int r;

	if (fd < 0)
		return -EBADF;
	if (fd >= l->nslots && (r = grow_slots(l, fd)))
		return r;
	s = &l->slots[fd];
	if (s->used)
		return -EEXIST;
	s->gen++;
	if ((r = uvf_poller_add(l->poller, fd, events, slot_key(fd, s->gen))))
		return r;
	s->fn = fn;
	s->arg = arg;
	s->events = events;
	s->used = true;
	return 0;
}

int uvf_loop_mod_fd(struct uvf_loop *l, int fd, unsigned events)
{
	struct fd_slot *s;
	int r;

	if (fd < 0 || fd >= l->nslots || !l->slots[fd].used)
		return -ENOENT;
	s = &l->slots[fd];
	if (s->events == events)
		return 0;
	if ((r = uvf_poller_mod(l->poller, fd, events, slot_key(fd, s->gen))))
		return r;
	s->events = events;
	return 0;
}

void uvf_loop_del_fd(struct uvf_loop *l, int fd)
{
	if (fd < 0 || fd >= l->nslots || !l->slots[fd].used)
		return;
	uvf_poller_del(l->poller, fd);
	l->slots[fd].used = false;
	l->slots[fd].fn = NULL;
}

int uvf_loop_add_timer(struct uvf_loop *l, uint64_t ms, uvf_call_fn fn, void *arg, uint64_t *id)
{
	struct timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->id = ++l->next_timer_id;
	t->when = uvf_now_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	if (id)
		*id = t->id;
	return 0;
}

void uvf_loop_del_timer(struct uvf_loop *l, uint64_t id)
{
	for (struct timer **pp = &l->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;

			*pp = t->next;
			free(t);
			return;
		}
	}
}

int uvf_loop_post(struct uvf_loop *l, uvf_call_fn fn, void *arg)
{
	struct posted *p = malloc(sizeof(*p));
	uint64_t one = 1;
	bool was_empty;

	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->arg = arg;
	p->next = NULL;
	pthread_mutex_lock(&l->post_lock);
	was_empty = !l->post_head;
	*l->post_tail = p;
	l->post_tail = &p->next;
	pthread_mutex_unlock(&l->post_lock);
	/* One eventfd write per batch: the loop drains the whole queue. */
	if (was_empty && write(l->post_efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static void run_posted(struct uvf_loop *l, int fd, unsigned events, void *arg)
{
	struct posted *list;
	uint64_t v;

	(void)events;
	(void)arg;
	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: a spurious wake-up; nothing to drain. */
	}
	pthread_mutex_lock(&l->post_lock);
	list = l->post_head;
	l->post_head = NULL;
	l->post_tail = &l->post_head;
	pthread_mutex_unlock(&l->post_lock);
	while (list) {
		struct posted *p = list;

		list = p->next;
		p->fn(l, p->arg);
		free(p);
	}
}

static int next_timeout(struct uvf_loop *l, int timeout_ms)
{
	uint64_t now, soonest = UINT64_MAX;

	if (!l->timers)
		return timeout_ms;
	for (struct timer *t = l->timers; t; t = t->next)
		if (t->when < soonest)
			soonest = t->when;
	now = uvf_now_ms();
	if (soonest <= now)
		return 0;
	if (timeout_ms >= 0 && soonest - now > (uint64_t)timeout_ms)
		return timeout_ms;
	return soonest - now > INT32_MAX ? INT32_MAX : (int)(soonest - now);
}

static int run_timers(struct uvf_loop *l)
{
	uint64_t now;
	int ran = 0;
	bool again = true;

	if (!l->timers)
		return 0;
	now = uvf_now_ms();

	/* A timer callback may add or delete timers: restart the scan after
	 * each one. */
	while (again) {
		again = false;
		for (struct timer **pp = &l->timers; *pp; pp = &(*pp)->next) {
			struct timer *t = *pp;

			if (t->when > now)
				continue;
			*pp = t->next;
			t->fn(l, t->arg);
			free(t);
			ran++;
			again = true;
			break;
		}
	}
	return ran;
}

int uvf_loop_run_once(struct uvf_loop *l, int timeout_ms)
{
	struct uvf_poll_event ev[64];
	int n, ran = 0;

	n = uvf_poller_wait(l->poller, ev, 64, next_timeout(l, timeout_ms));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].key;
		uint32_t gen = (uint32_t)(ev[i].key >> 32);
		struct fd_slot *s;

		/* Re-validate: an earlier handler of this batch may have removed
		 * or replaced this registration. */
		if (fd >= l->nslots)
			continue;
		s = &l->slots[fd];
		if (!s->used || s->gen != gen)
			continue;
		s->fn(l, fd, ev[i].events, s->arg);
		ran++;
	}
	return ran + run_timers(l);
}

int uvf_loop_run(struct uvf_loop *l)
{
	int r = 0;

	while (!atomic_load(&l->stop)) {
		r = uvf_loop_run_once(l, -1);
		if (r < 0)
			break;
	}
	atomic_store(&l->stop, false);
	return r < 0 ? r : 0;
}

void uvf_loop_stop(struct uvf_loop *l)
{
	uint64_t one = 1;

	atomic_store(&l->stop, true);
	/* Async-signal-safe wake-up: just ring the eventfd. */
	if (write(l->post_efd, &one, sizeof(one)) < 0) {
		/* counter full: the loop is awake anyway */
	}
}
