/* SPDX-License-Identifier: MIT */
/*
 * test_write_multi.c - REGION_WRITE_MULTI (15) against a running uvfiod:
 * records applied in order, the reply's wr_cnt, the record and count
 * limits on both sides, a failing record stopping the batch, and the
 * NO_REPLY form QEMU uses (vfio-user-protocol.md §4.13).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vu.h"

#define REC	UVF_VU_WRITE_MULTI_REC
#define HDR	UVF_VU_WRITE_MULTI_HDR

struct batch {
	uint8_t *p;
	size_t len;
};

static void batch_init(struct batch *b, uint64_t n)
{
	b->len = HDR + (size_t)n * REC;
	b->p = calloc(1, b->len);
	assert_non_null(b->p);
	uvf_put64(b->p, n);
}

static void batch_rec(struct batch *b, uint64_t i, uint32_t region, uint64_t off,
		      const void *data, uint32_t count)
{
	uint8_t *r = b->p + HDR + i * REC;

	uvf_put64(r, off);
	uvf_put32(r + 8, region);
	uvf_put32(r + 12, count);
	memcpy(r + 16, data, count > 8 ? 8 : count);
}

/* Send the batch; returns 0 with *done = wr_cnt, or -errno. */
static int multi(struct vu_conn *c, struct batch *b, uint64_t *done)
{
	struct vu_msg m;
	int r = vu_call(c, UVF_VU_CMD_REGION_WRITE_MULTI, b->p, b->len, NULL, 0, &m);

	if (!r) {
		assert_int_equal(m.len, 8);
		*done = uvf_get64(m.payload);
	}
	vu_msg_free(&m);
	free(b->p);
	b->p = NULL;
	return r;
}

static void expect_mem(struct vu_conn *c, uint64_t off, const void *want, uint32_t n)
{
	uint8_t got[64];

	assert_true(n <= sizeof(got));
	assert_int_equal(vu_region_read(c, 0, off, got, n), 0);
	assert_memory_equal(got, want, n);
}

static void test_write_multi_applies_records_in_order(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	assert_int_equal(vu_region_write(c, 0, 0x100, "........", 8), 0);
	batch_init(&b, 4);
	batch_rec(&b, 0, 0, 0x100, "abcdefgh", 8);
	batch_rec(&b, 1, 0, 0x102, "XY", 2);		/* overlaps the first: order matters */
	batch_rec(&b, 2, 0, 0x107, "Z", 1);
	batch_rec(&b, 3, 0, 0x200, "1234", 4);
	assert_int_equal(multi(c, &b, &done), 0);
	assert_int_equal(done, 4);
	expect_mem(c, 0x100, "abXYefgZ", 8);
	expect_mem(c, 0x200, "1234", 4);
}

static void test_write_multi_200_records_accepted_201_einval(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	batch_init(&b, UVF_VU_WRITE_MULTI_MAX);
	for (unsigned i = 0; i < UVF_VU_WRITE_MULTI_MAX; i++) {
		uint8_t v = (uint8_t)i;

		batch_rec(&b, i, 0, 0x1000 + i, &v, 1);
	}
	assert_int_equal(multi(c, &b, &done), 0);
	assert_int_equal(done, UVF_VU_WRITE_MULTI_MAX);
	{
		uint8_t got[UVF_VU_WRITE_MULTI_MAX];

		assert_int_equal(vu_region_read(c, 0, 0x1000, got, sizeof(got)), 0);
		for (unsigned i = 0; i < sizeof(got); i++)
			assert_int_equal(got[i], (uint8_t)i);
	}
	batch_init(&b, UVF_VU_WRITE_MULTI_MAX + 1);
	for (unsigned i = 0; i <= UVF_VU_WRITE_MULTI_MAX; i++)
		batch_rec(&b, i, 0, 0x1000 + i, "q", 1);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	vu_expect_usable(c);
}

static void test_write_multi_zero_records_einval(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	batch_init(&b, 0);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	vu_expect_usable(c);
}

static void test_write_multi_record_count_1_to_8_only(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	batch_init(&b, 1);
	batch_rec(&b, 0, 0, 0x300, "abcdefgh", 8);
	assert_int_equal(multi(c, &b, &done), 0);
	assert_int_equal(done, 1);
	batch_init(&b, 1);
	batch_rec(&b, 0, 0, 0x300, "abcdefgh", 9);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	batch_init(&b, 1);
	batch_rec(&b, 0, 0, 0x300, "", 0);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	/* A bad record anywhere refuses the whole batch before any write. */
	batch_init(&b, 2);
	batch_rec(&b, 0, 0, 0x300, "ZZZZZZZZ", 8);
	batch_rec(&b, 1, 0, 0x308, "abcdefgh", 9);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	expect_mem(c, 0x300, "abcdefgh", 8);
}

static void test_write_multi_wr_cnt_disagrees_with_size_einval(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	/* wr_cnt 2, one record */
	batch_init(&b, 1);
	batch_rec(&b, 0, 0, 0x300, "a", 1);
	uvf_put64(b.p, 2);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	/* wr_cnt 1, one record and a half */
	batch_init(&b, 2);
	batch_rec(&b, 0, 0, 0x300, "a", 1);
	uvf_put64(b.p, 1);
	b.len -= REC / 2;
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	/* wr_cnt that would overflow a size computation */
	batch_init(&b, 1);
	batch_rec(&b, 0, 0, 0x300, "a", 1);
	uvf_put64(b.p, UINT64_MAX / REC + 2);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	vu_expect_usable(c);
}

static void test_write_multi_payload_7_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[8] = { 1 };

	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_WRITE_MULTI, p, 7, NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_write_multi_first_record_fails_error(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	batch_init(&b, 2);
	batch_rec(&b, 0, 0, VU_MEM_SIZE - 4, "abcdefgh", 8);	/* over the end */
	batch_rec(&b, 1, 0, 0x400, "abcdefgh", 8);
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	batch_init(&b, 1);
	batch_rec(&b, 0, 3, 0, "a", 1);				/* bad region */
	assert_int_equal(multi(c, &b, &done), -EINVAL);
	vu_expect_usable(c);
}

static void test_write_multi_later_record_fails_partial_count(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;
	uint64_t done;

	assert_int_equal(vu_region_write(c, 0, 0x500, "--------", 8), 0);
	batch_init(&b, 3);
	batch_rec(&b, 0, 0, 0x500, "1111", 4);
	batch_rec(&b, 1, 0, VU_MEM_SIZE, "2", 1);		/* fails */
	batch_rec(&b, 2, 0, 0x504, "3333", 4);			/* not applied */
	assert_int_equal(multi(c, &b, &done), 0);
	assert_int_equal(done, 1);
	expect_mem(c, 0x500, "1111----", 8);
}

static void test_write_multi_no_reply_applied_before_next_read(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;

	batch_init(&b, 2);
	batch_rec(&b, 0, 0, 0x600, "posted!!", 8);
	batch_rec(&b, 1, 0, 0x608, "ok", 2);
	vu_send(c, UVF_VU_CMD_REGION_WRITE_MULTI, UVF_VU_F_NO_REPLY, b.p, b.len, NULL, 0);
	free(b.p);
	expect_mem(c, 0x600, "posted!!ok", 10);
}

static void test_write_multi_no_reply_error_dropped_silently(void **state)
{
	struct vu_conn *c = *state;
	struct batch b;

	batch_init(&b, 1);
	batch_rec(&b, 0, 9, 0, "a", 1);
	vu_send(c, UVF_VU_CMD_REGION_WRITE_MULTI, UVF_VU_F_NO_REPLY, b.p, b.len, NULL, 0);
	free(b.p);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_multi_applies_records_in_order),
		T(test_write_multi_200_records_accepted_201_einval),
		T(test_write_multi_zero_records_einval),
		T(test_write_multi_record_count_1_to_8_only),
		T(test_write_multi_wr_cnt_disagrees_with_size_einval),
		T(test_write_multi_payload_7_einval),
		T(test_write_multi_first_record_fails_error),
		T(test_write_multi_later_record_fails_partial_count),
		T(test_write_multi_no_reply_applied_before_next_read),
		T(test_write_multi_no_reply_error_dropped_silently),
	};
#undef T

	return cmocka_run_group_tests_name("proto-write-multi", tests, vu_group_setup,
					   vu_group_teardown);
}
