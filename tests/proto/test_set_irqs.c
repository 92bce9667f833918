/* SPDX-License-Identifier: MIT */
/*
 * test_set_irqs.c - DEVICE_SET_IRQS (8) against a running uvfiod serving
 * the mem device (IRQ index 0: one vector, EVENTFD | MASKABLE |
 * AUTOMASKED): eventfd triggers made visible by the DATA_NONE/DATA_BOOL
 * loopback, automasking, mask/unmask with pending delivery, the unmask
 * irqfd, de-assign, disable with count 0, and the kernel's errors
 * (vfio-user-protocol.md §4.8, kernel vfio_set_irqs_validate_and_prepare).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu.h"

#define NONE	UVF_VFIO_IRQ_SET_DATA_NONE
#define BOOL	UVF_VFIO_IRQ_SET_DATA_BOOL
#define EFD	UVF_VFIO_IRQ_SET_DATA_EVENTFD
#define MASK	UVF_VFIO_IRQ_SET_ACTION_MASK
#define UNMASK	UVF_VFIO_IRQ_SET_ACTION_UNMASK
#define TRIGGER	UVF_VFIO_IRQ_SET_ACTION_TRIGGER

/* Fire vector 0 from the client side (loopback). */
static void loopback(struct vu_conn *c)
{
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 0, 1, NULL, 0, NULL, 0), 0);
}

/* The SET_IRQS reply comes after the server acted, so an eventfd it
 * signalled is readable at once; one that stays quiet is watched for
 * VU_QUIET_MS. */
static void expect_fired(int efd)
{
	assert_true(vu_readable(efd, VU_TIMEOUT_MS));
	assert_int_equal(vu_eventfd_drain(efd), 1);
}

static void expect_quiet(int efd)
{
	assert_false(vu_readable(efd, VU_QUIET_MS));
}

static int assign(struct vu_conn *c, uint32_t action, int efd)
{
	return vu_set_irqs(c, EFD | action, 0, 0, 1, NULL, 0, &efd, 1);
}

static void test_set_irqs_trigger_eventfd_fires_on_loopback(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	expect_quiet(efd);
	loopback(c);
	expect_fired(efd);
	close(efd);
}

static void test_set_irqs_bool_trigger_fires_only_where_true(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();
	uint8_t no = 0, yes = 1;

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	assert_int_equal(vu_set_irqs(c, BOOL | TRIGGER, 0, 0, 1, &no, 1, NULL, 0), 0);
	expect_quiet(efd);
	assert_int_equal(vu_set_irqs(c, BOOL | TRIGGER, 0, 0, 1, &yes, 1, NULL, 0), 0);
	expect_fired(efd);
	close(efd);
}

static void test_set_irqs_automasked_second_trigger_pends_until_unmask(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	loopback(c);
	expect_fired(efd);
	/* AUTOMASKED: the vector masked itself when it fired. */
	loopback(c);
	expect_quiet(efd);
	assert_int_equal(vu_set_irqs(c, NONE | UNMASK, 0, 0, 1, NULL, 0, NULL, 0), 0);
	expect_fired(efd);		/* the pending one */
	close(efd);
}

static void test_set_irqs_mask_holds_trigger_unmask_delivers(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();
	uint8_t yes = 1;

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	assert_int_equal(vu_set_irqs(c, NONE | MASK, 0, 0, 1, NULL, 0, NULL, 0), 0);
	loopback(c);
	expect_quiet(efd);
	/* Unmask with BOOL data this time. */
	assert_int_equal(vu_set_irqs(c, BOOL | UNMASK, 0, 0, 1, &yes, 1, NULL, 0), 0);
	expect_fired(efd);
	/* Unmasking with nothing pending fires nothing. */
	assert_int_equal(vu_set_irqs(c, NONE | UNMASK, 0, 0, 1, NULL, 0, NULL, 0), 0);
	expect_quiet(efd);
	close(efd);
}

static void test_set_irqs_bool_mask_false_leaves_unmasked(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();
	uint8_t no = 0;

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	assert_int_equal(vu_set_irqs(c, BOOL | MASK, 0, 0, 1, &no, 1, NULL, 0), 0);
	loopback(c);
	expect_fired(efd);
	close(efd);
}

static void test_set_irqs_unmask_irqfd_unmasks_and_delivers_pending(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd(), ufd = vu_eventfd();
	uint64_t one = 1;

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	assert_int_equal(assign(c, UNMASK, ufd), 0);
	loopback(c);
	expect_fired(efd);		/* and now automasked */
	loopback(c);
	expect_quiet(efd);		/* pending */
	/* The VMM's EOI: signal the irqfd; the daemon unmasks by itself. */
	assert_int_equal(write(ufd, &one, sizeof(one)), (ssize_t)sizeof(one));
	expect_fired(efd);
	close(efd);
	close(ufd);
}

static void test_set_irqs_eventfd_without_fds_deassigns(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();
	int efd = vu_eventfd();

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds + 1);
	assert_int_equal(vu_set_irqs(c, EFD | TRIGGER, 0, 0, 1, NULL, 0, NULL, 0), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
	loopback(c);
	expect_quiet(efd);
	close(efd);
}

static void test_set_irqs_unmask_irqfd_deassigned(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();
	int ufd = vu_eventfd();

	assert_int_equal(assign(c, UNMASK, ufd), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds + 1);
	assert_int_equal(vu_set_irqs(c, EFD | UNMASK, 0, 0, 1, NULL, 0, NULL, 0), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
	close(ufd);
}

static void test_set_irqs_reassign_replaces_eventfd(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();
	int a = vu_eventfd(), b = vu_eventfd();

	assert_int_equal(assign(c, TRIGGER, a), 0);
	assert_int_equal(assign(c, TRIGGER, b), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds + 1);	/* the old one closed */
	loopback(c);
	expect_fired(b);
	expect_quiet(a);
	close(a);
	close(b);
}

static void test_set_irqs_count_0_disables_index(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();
	int efd = vu_eventfd(), ufd = vu_eventfd();

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	assert_int_equal(assign(c, UNMASK, ufd), 0);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 0, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
	loopback(c);
	expect_quiet(efd);
	close(efd);
	close(ufd);
}

static void test_set_irqs_eventfds_released_on_disconnect(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();

	assert_int_equal(assign(c, TRIGGER, efd), 0);
	vu_close(c);
	assert_int_equal(vu_connect(vu_daemon(), c), 0);
	vu_negotiate(c, "{}");
	assert_int_equal(vu_daemon_fds(vu_daemon()), vu_daemon()->base_fds);
	loopback(c);
	expect_quiet(efd);
	close(efd);
}

/* ---- errors ---- */

static void test_set_irqs_bad_action_enotty(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();

	/* No action, two actions, MASK with eventfds: the kernel's ENOTTY. */
	assert_int_equal(vu_set_irqs(c, NONE, 0, 0, 1, NULL, 0, NULL, 0), -ENOTTY);
	assert_int_equal(vu_set_irqs(c, NONE | MASK | UNMASK, 0, 0, 1, NULL, 0, NULL, 0),
			 -ENOTTY);
	assert_int_equal(vu_set_irqs(c, NONE | MASK | TRIGGER, 0, 0, 1, NULL, 0, NULL, 0),
			 -ENOTTY);
	assert_int_equal(assign(c, MASK, efd), -ENOTTY);
	/* The mem device's only IRQ is MASKABLE, so "MASK on a non-maskable
	 * index" (also ENOTTY) cannot be shown with it. */
	close(efd);
	vu_expect_usable(c);
}

static void test_set_irqs_bad_data_type_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b = 1;

	assert_int_equal(vu_set_irqs(c, TRIGGER, 0, 0, 1, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | BOOL | TRIGGER, 0, 0, 1, &b, 1, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER | (1u << 6), 0, 0, 1, NULL, 0, NULL, 0),
			 -EINVAL);
	vu_expect_usable(c);
}

static void test_set_irqs_ranges_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 1, 0, 1, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, UINT32_MAX, 0, 1, NULL, 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 1, 1, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 0, 2, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, UINT32_MAX, 1, NULL, 0, NULL, 0),
			 -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 1, UINT32_MAX, NULL, 0, NULL, 0),
			 -EINVAL);
	/* count 0 is only "disable", with start 0 and NONE|TRIGGER. */
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 1, 0, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, NONE | MASK, 0, 0, 0, NULL, 0, NULL, 0), -EINVAL);
	assert_int_equal(vu_set_irqs(c, EFD | TRIGGER, 0, 0, 0, NULL, 0, NULL, 0), -EINVAL);
	vu_expect_usable(c);
}

static void test_set_irqs_bool_data_short_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_set_irqs(c, BOOL | TRIGGER, 0, 0, 1, NULL, 0, NULL, 0), -EINVAL);
	vu_expect_usable(c);
}

static void test_set_irqs_header_short_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VFIO_IRQ_SET_SIZE] = { 0 };

	uvf_put32(p, UVF_VFIO_IRQ_SET_SIZE);
	uvf_put32(p + 4, NONE | TRIGGER);
	uvf_put32(p + 16, 1);
	/* 19 bytes */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_SET_IRQS, p, sizeof(p) - 1, NULL, 0, NULL),
			 -EINVAL);
	/* argsz 19 */
	uvf_put32(p, UVF_VFIO_IRQ_SET_SIZE - 1);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_SET_IRQS, p, sizeof(p), NULL, 0, NULL),
			 -EINVAL);
	/* argsz 20: fine */
	uvf_put32(p, UVF_VFIO_IRQ_SET_SIZE);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_SET_IRQS, p, sizeof(p), NULL, 0, NULL), 0);
}

static void test_set_irqs_non_eventfd_fd_einval_closed(void **state)
{
	struct vu_conn *c = *state;
	int p[2];

	vu_pipe(p);
	assert_int_equal(assign(c, TRIGGER, p[1]), -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	vu_expect_usable(c);
}

static void test_set_irqs_fd_count_not_count_einval_closed(void **state)
{
	struct vu_conn *c = *state;
	int a[2], b[2], fds[2];

	vu_pipe(a);
	vu_pipe(b);
	fds[0] = a[1];
	fds[1] = b[1];
	/* Two fds for one vector. */
	assert_int_equal(vu_set_irqs(c, EFD | TRIGGER, 0, 0, 1, NULL, 0, fds, 2), -EINVAL);
	close(a[1]);
	close(b[1]);
	assert_true(vu_pipe_closed(a[0], VU_TIMEOUT_MS));
	assert_true(vu_pipe_closed(b[0], VU_TIMEOUT_MS));
	close(a[0]);
	close(b[0]);
	vu_expect_usable(c);
}

static void test_set_irqs_fd_with_data_none_einval_closed(void **state)
{
	struct vu_conn *c = *state;
	int p[2];

	vu_pipe(p);
	assert_int_equal(vu_set_irqs(c, NONE | TRIGGER, 0, 0, 1, NULL, 0, &p[1], 1), -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	vu_expect_usable(c);
}

static void test_set_irqs_eventfd_for_bad_range_einval_closed(void **state)
{
	struct vu_conn *c = *state;
	int p[2];

	/* The fd count matches, the range does not: the fd is still closed. */
	vu_pipe(p);
	assert_int_equal(vu_set_irqs(c, EFD | TRIGGER, 0, 1, 1, NULL, 0, &p[1], 1), -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_set_irqs_trigger_eventfd_fires_on_loopback),
		T(test_set_irqs_bool_trigger_fires_only_where_true),
		T(test_set_irqs_automasked_second_trigger_pends_until_unmask),
		T(test_set_irqs_mask_holds_trigger_unmask_delivers),
		T(test_set_irqs_bool_mask_false_leaves_unmasked),
		T(test_set_irqs_unmask_irqfd_unmasks_and_delivers_pending),
		T(test_set_irqs_eventfd_without_fds_deassigns),
		T(test_set_irqs_unmask_irqfd_deassigned),
		T(test_set_irqs_reassign_replaces_eventfd),
		T(test_set_irqs_count_0_disables_index),
		T(test_set_irqs_eventfds_released_on_disconnect),
		T(test_set_irqs_bad_action_enotty),
		T(test_set_irqs_bad_data_type_einval),
		T(test_set_irqs_ranges_einval),
		T(test_set_irqs_bool_data_short_einval),
		T(test_set_irqs_header_short_einval),
		T(test_set_irqs_non_eventfd_fd_einval_closed),
		T(test_set_irqs_fd_count_not_count_einval_closed),
		T(test_set_irqs_fd_with_data_none_einval_closed),
		T(test_set_irqs_eventfd_for_bad_range_einval_closed),
	};
#undef T

	return cmocka_run_group_tests_name("proto-set-irqs", tests, vu_group_setup,
					   vu_group_teardown);
}
