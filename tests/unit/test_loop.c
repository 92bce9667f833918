/* The event loop: fd handlers, re-validation of fired entries, timers,
 * and the cross-thread post queue. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include <uvfio/loop.h>

#include "testutil.h"

struct two {
	struct uvf_loop *loop;
	int a, b;
	int fired_a, fired_b;
	bool reuse;		/* the first handler also re-registers b's number */
	int fresh;		/* that new fd, -1 */
	int fired_fresh;
};

static void on_fresh(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	((struct two *)arg)->fired_fresh++;
}

/* Whichever of a and b runs first removes both (and, with reuse, closes
 * the other and registers a fresh eventfd, which gets the other's number,
 * written so it is readable too). */
static void on_either(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct two *t = arg;
	int other = fd == t->a ? t->b : t->a;
	uint64_t v, one = 1;

	(void)events;
	if (fd == t->a)
		t->fired_a++;
	else
		t->fired_b++;
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	uvf_loop_del_fd(loop, other);
	uvf_loop_del_fd(loop, fd);
	if (t->reuse) {
		close(other);
		t->fresh = eventfd(0, EFD_NONBLOCK);
		assert_int_equal(t->fresh, other);	/* the lowest free number */
		assert_int_equal(write(t->fresh, &one, 8), 8);
		assert_int_equal(uvf_loop_add_fd(loop, t->fresh, UVF_EV_READ, on_fresh, t), 0);
		if (other == t->a)
			t->a = -1;
		else
			t->b = -1;
	}
}

/* Both fds fire in one batch and the first handler removes the other: the
 * other's event of that batch is dropped, whatever order the poller
 * reported them in; with reuse, it does not reach the handler of a new
 * registration of the same fd number either. */
static void removed_fd_gets_no_stale_event(bool reuse)
{
	struct two t = { .reuse = reuse, .fresh = -1 };
	uint64_t one = 1;
	int fds0 = uvf_test_count_fds();

	assert_int_equal(uvf_loop_create(&t.loop), 0);
	t.a = eventfd(0, EFD_NONBLOCK);
	t.b = eventfd(0, EFD_NONBLOCK);
	assert_int_equal(uvf_loop_add_fd(t.loop, t.a, UVF_EV_READ, on_either, &t), 0);
	assert_int_equal(uvf_loop_add_fd(t.loop, t.b, UVF_EV_READ, on_either, &t), 0);
	assert_int_equal(write(t.a, &one, 8), 8);
	assert_int_equal(write(t.b, &one, 8), 8);
	assert_int_equal(uvf_loop_run_once(t.loop, 1000), 1);
	assert_int_equal(t.fired_a + t.fired_b, 1);
	assert_int_equal(t.fired_fresh, 0);
	if (reuse) {
		/* The new registration works: its own event comes next. */
		assert_int_equal(uvf_loop_run_once(t.loop, 1000), 1);
		assert_int_equal(t.fired_fresh, 1);
		uvf_loop_del_fd(t.loop, t.fresh);
		close(t.fresh);
	}
	if (t.a >= 0)
		close(t.a);
	if (t.b >= 0)
		close(t.b);
	uvf_loop_destroy(t.loop);
	assert_int_equal(uvf_test_count_fds(), fds0);
}

static void handler_removing_another_fd_stops_its_event(void **state)
{
	(void)state;
	removed_fd_gets_no_stale_event(false);
}

static void stale_event_skips_a_reused_fd_number(void **state)
{
	(void)state;
	removed_fd_gets_no_stale_event(true);
}

static void count_call(struct uvf_loop *loop, void *arg)
{
	(void)loop;
	(*(int *)arg)++;
}

struct order {
	int seen[3];
	int n;
};

static void note_1(struct uvf_loop *l, void *a) { (void)l; struct order *o = a; o->seen[o->n++] = 1; }
static void note_2(struct uvf_loop *l, void *a) { (void)l; struct order *o = a; o->seen[o->n++] = 2; }

static void timers_fire_in_time_order_and_delete_works(void **state)
{
	struct uvf_loop *loop;
	struct order o = { 0 };
	uint64_t id1, id2, id3, t0;
	int never = 0;

	(void)state;
	assert_int_equal(uvf_loop_create(&loop), 0);
	assert_int_equal(uvf_loop_add_timer(loop, 30, note_2, &o, &id2), 0);
	assert_int_equal(uvf_loop_add_timer(loop, 10, note_1, &o, &id1), 0);
	assert_int_equal(uvf_loop_add_timer(loop, 20, count_call, &never, &id3), 0);
	uvf_loop_del_timer(loop, id3);
	uvf_loop_del_timer(loop, id3);	/* twice: a no-op */
	t0 = uvf_now_ms();
	while (o.n < 2 && uvf_now_ms() - t0 < 2000)
		uvf_loop_run_once(loop, 100);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.seen[0], 1);
	assert_int_equal(o.seen[1], 2);
	assert_int_equal(never, 0);
	assert_true(id1 && id2 && id1 != id2);
	uvf_loop_destroy(loop);
}

struct poster {
	struct uvf_loop *loop;
	int *counter;
	int n;
};

static void *post_many(void *arg)
{
	struct poster *p = arg;

	for (int i = 0; i < p->n; i++)
		assert_int_equal(uvf_loop_post(p->loop, count_call, p->counter), 0);
	return NULL;
}

/* Calls posted from other threads all run, on the loop thread, once. */
static void posts_from_threads_all_run_once(void **state)
{
	enum { THREADS = 4, EACH = 5000 };
	struct uvf_loop *loop;
	pthread_t th[THREADS];
	struct poster p;
	int counter = 0;
	uint64_t t0;

	(void)state;
	assert_int_equal(uvf_loop_create(&loop), 0);
	p = (struct poster){ loop, &counter, EACH };
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, post_many, &p), 0);
	t0 = uvf_now_ms();
	while (counter < THREADS * EACH && uvf_now_ms() - t0 < 10000)
		uvf_loop_run_once(loop, 50);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	uvf_loop_run_once(loop, 0);
	assert_int_equal(counter, THREADS * EACH);
	uvf_loop_destroy(loop);
}

static void *stopper(void *arg)
{
	usleep(20000);
	uvf_loop_stop(arg);
	return NULL;
}

static void stop_from_another_thread_ends_run(void **state)
{
	struct uvf_loop *loop;
	pthread_t th;

	(void)state;
	assert_int_equal(uvf_loop_create(&loop), 0);
	assert_int_equal(pthread_create(&th, NULL, stopper, loop), 0);
	assert_int_equal(uvf_loop_run(loop), 0);
	pthread_join(th, NULL);
	uvf_loop_destroy(loop);
}

static void add_fd_errors(void **state)
{
	struct uvf_loop *loop;
	int e = eventfd(0, 0);

	(void)state;
	assert_int_equal(uvf_loop_create(&loop), 0);
	assert_int_equal(uvf_loop_add_fd(loop, -1, UVF_EV_READ, on_fresh, NULL), -EBADF);
	assert_int_equal(uvf_loop_add_fd(loop, e, UVF_EV_READ, on_fresh, NULL), 0);
	assert_int_equal(uvf_loop_add_fd(loop, e, UVF_EV_READ, on_fresh, NULL), -EEXIST);
	assert_int_equal(uvf_loop_mod_fd(loop, 999, UVF_EV_READ), -ENOENT);
	uvf_loop_del_fd(loop, e);
	uvf_loop_del_fd(loop, e);
	close(e);
	uvf_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handler_removing_another_fd_stops_its_event),
		cmocka_unit_test(stale_event_skips_a_reused_fd_number),
		cmocka_unit_test(timers_fire_in_time_order_and_delete_works),
		cmocka_unit_test(posts_from_threads_all_run_once),
		cmocka_unit_test(stop_from_another_thread_ends_run),
		cmocka_unit_test(add_fd_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
