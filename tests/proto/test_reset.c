/* SPDX-License-Identifier: MIT */
/*
 * test_reset.c - DEVICE_RESET (13) against a running uvfiod serving the
 * mem device: header-only both ways, what a reset keeps (DMA maps and IRQ
 * eventfds belong to the client; the mem device keeps its memory) and
 * what it refuses (vfio-user-protocol.md §4.11).
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

static int reset(struct vu_conn *c)
{
	struct vu_msg m;
	int r = vu_call(c, UVF_VU_CMD_DEVICE_RESET, NULL, 0, NULL, 0, &m);

	if (!r)
		assert_int_equal(m.len, 0);
	vu_msg_free(&m);
	return r;
}

static void test_reset_header_only_succeeds(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(reset(c), 0);
	assert_int_equal(reset(c), 0);
	vu_expect_usable(c);
}

static void test_reset_with_payload_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[4] = { 0 };

	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_RESET, p, 1, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_RESET, p, 4, NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_reset_with_fd_einval_closed(void **state)
{
	struct vu_conn *c = *state;
	int p[2];

	vu_pipe(p);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DEVICE_RESET, NULL, 0, &p[1], 1, NULL), -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
}

static void test_reset_keeps_dma_maps(void **state)
{
	struct vu_conn *c = *state;
	int fd = vu_memfd(0x1000);

	assert_int_equal(vu_dma_map(c, 3, 0, 0x10000, 0x1000, fd), 0);
	close(fd);
	assert_int_equal(reset(c), 0);
	assert_int_equal(vu_daemon_fds(vu_daemon()), vu_daemon()->base_fds + 1);
	assert_int_equal(vu_dma_map(c, 3, 0, 0x10000, 0x1000, -1), -EEXIST);
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x1000), 0);
}

static void test_reset_keeps_irq_eventfds(void **state)
{
	struct vu_conn *c = *state;
	int efd = vu_eventfd();

	assert_int_equal(vu_set_irqs(c, UVF_VFIO_IRQ_SET_DATA_EVENTFD |
				     UVF_VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, NULL, 0, &efd, 1),
			 0);
	assert_int_equal(reset(c), 0);
	assert_int_equal(vu_set_irqs(c, UVF_VFIO_IRQ_SET_DATA_NONE |
				     UVF_VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, 1, NULL, 0, NULL, 0), 0);
	assert_true(vu_readable(efd, VU_TIMEOUT_MS));
	assert_int_equal(vu_eventfd_drain(efd), 1);
	close(efd);
}

static void test_reset_mem_device_keeps_contents(void **state)
{
	struct vu_conn *c = *state;
	uint8_t r[8];

	assert_int_equal(vu_region_write(c, 0, 0x40, "persists", 8), 0);
	assert_int_equal(reset(c), 0);
	assert_int_equal(vu_region_read(c, 0, 0x40, r, 8), 0);
	assert_memory_equal(r, "persists", 8);
}

static void test_reset_no_reply_sends_nothing(void **state)
{
	struct vu_conn *c = *state;

	vu_send(c, UVF_VU_CMD_DEVICE_RESET, UVF_VU_F_NO_REPLY, NULL, 0, NULL, 0);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_reset_header_only_succeeds),
		T(test_reset_with_payload_einval),
		T(test_reset_with_fd_einval_closed),
		T(test_reset_keeps_dma_maps),
		T(test_reset_keeps_irq_eventfds),
		T(test_reset_mem_device_keeps_contents),
		T(test_reset_no_reply_sends_nothing),
	};
#undef T

	return cmocka_run_group_tests_name("proto-reset", tests, vu_group_setup,
					   vu_group_teardown);
}
