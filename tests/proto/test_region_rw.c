/* SPDX-License-Identifier: MIT */
/*
 * test_region_rw.c - REGION_READ (9) and REGION_WRITE (10) against a
 * running uvfiod serving a 2 MiB mem region: widths and offsets, 256 KiB
 * and 1 MiB transfers (one 1 MiB write dribbled in 4 KiB pieces), both
 * sides of the region end and of max_data_xfer_size, count/size
 * disagreements, posted (NO_REPLY) writes ordered before later reads, and
 * NO_REPLY errors dropped silently (vfio-user-protocol.md §4.9, §8, §11.6).
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vu.h"

#define MiB	(1u << 20)
#define KiB	(1u << 10)
#define MAXX	UVF_VU_DEFAULT_MAX_DATA_XFER

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 131 + seed + (i >> 12));
	return b;
}

static void roundtrip(struct vu_conn *c, uint64_t off, uint32_t count, unsigned seed)
{
	uint8_t *w = pattern(count, seed), *r = malloc(count ? count : 1);

	assert_non_null(r);
	assert_int_equal(vu_region_write(c, 0, off, w, count), 0);
	memset(r, 0, count);
	assert_int_equal(vu_region_read(c, 0, off, r, count), 0);
	assert_memory_equal(r, w, count);
	free(w);
	free(r);
}

static void test_region_rw_small_widths_roundtrip(void **state)
{
	static const uint32_t widths[] = { 1, 2, 3, 4, 7, 8, 16, 4096 };
	struct vu_conn *c = *state;

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		roundtrip(c, 0, widths[i], (unsigned)i);
		roundtrip(c, 0x1001, widths[i], (unsigned)i + 7);	/* unaligned */
		roundtrip(c, VU_MEM_SIZE - widths[i], widths[i], (unsigned)i + 13);
	}
}

static void test_region_rw_256k_roundtrip(void **state)
{
	roundtrip(*state, 12345, 256 * KiB, 1);
}

static void test_region_rw_1mib_at_max_xfer_roundtrip(void **state)
{
	/* count == max_data_xfer_size, at a non-zero offset and at the end. */
	roundtrip(*state, 0x3000, MAXX, 2);
	roundtrip(*state, VU_MEM_SIZE - MAXX, MAXX, 3);
}

static void test_region_write_1mib_sent_in_4k_pieces(void **state)
{
	struct vu_conn *c = *state;
	size_t len = UVF_VU_HDR_SIZE + UVF_VU_REGION_RW_SIZE + MAXX;
	uint8_t *msg = malloc(len), *data = pattern(MAXX, 9), *r = malloc(MAXX);
	struct vu_msg m;

	assert_non_null(msg);
	assert_non_null(r);
	uvf_put16(msg, 0x4242);
	uvf_put16(msg + 2, UVF_VU_CMD_REGION_WRITE);
	uvf_put32(msg + 4, (uint32_t)len);
	uvf_put32(msg + 8, 0);
	uvf_put32(msg + 12, 0);
	uvf_put64(msg + 16, 0x10000);
	uvf_put32(msg + 24, 0);
	uvf_put32(msg + 28, MAXX);
	memcpy(msg + 32, data, MAXX);
	/* Header, body, everything in 4 KiB sends: the daemon frames it
	 * from pieces, and answers once, after the last one. */
	for (size_t off = 0; off < len; off += 4 * KiB) {
		size_t n = len - off < 4 * KiB ? len - off : 4 * KiB;

		assert_int_equal(vu_send_raw(c, msg + off, n, NULL, 0), 0);
	}
	assert_int_equal(vu_recv(c, &m, VU_TIMEOUT_MS), 0);
	assert_int_equal(m.msg_id, 0x4242);
	assert_int_equal(m.cmd, UVF_VU_CMD_REGION_WRITE);
	assert_int_equal(m.flags, UVF_VU_F_TYPE_REPLY);
	assert_int_equal(m.len, UVF_VU_REGION_RW_SIZE);
	vu_msg_free(&m);
	assert_int_equal(vu_region_read(c, 0, 0x10000, r, MAXX), 0);
	assert_memory_equal(r, data, MAXX);
	free(msg);
	free(data);
	free(r);
}

static void test_region_rw_header_split_byte_by_byte(void **state)
{
	struct vu_conn *c = *state;
	uint8_t msg[UVF_VU_HDR_SIZE + UVF_VU_REGION_RW_SIZE + 4];
	uint8_t r[4];
	struct vu_msg m;

	uvf_put16(msg, 7);
	uvf_put16(msg + 2, UVF_VU_CMD_REGION_WRITE);
	uvf_put32(msg + 4, sizeof(msg));
	uvf_put32(msg + 8, 0);
	uvf_put32(msg + 12, 0);
	uvf_put64(msg + 16, 64);
	uvf_put32(msg + 24, 0);
	uvf_put32(msg + 28, 4);
	memcpy(msg + 32, "wxyz", 4);
	for (size_t i = 0; i < sizeof(msg); i++)
		assert_int_equal(vu_send_raw(c, msg + i, 1, NULL, 0), 0);
	assert_int_equal(vu_recv(c, &m, VU_TIMEOUT_MS), 0);
	assert_int_equal(m.msg_id, 7);
	assert_int_equal(m.flags, UVF_VU_F_TYPE_REPLY);
	vu_msg_free(&m);
	assert_int_equal(vu_region_read(c, 0, 64, r, 4), 0);
	assert_memory_equal(r, "wxyz", 4);
}

static void test_region_rw_count_0_succeeds(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_region_write(c, 0, 0, NULL, 0), 0);
	assert_int_equal(vu_region_read(c, 0, 0, NULL, 0), 0);
	/* At the very end too. */
	assert_int_equal(vu_region_read(c, 0, VU_MEM_SIZE, NULL, 0), 0);
}

static void test_region_rw_out_of_bounds_einval_both_sides(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[8] = { 0 };

	assert_int_equal(vu_region_read(c, 0, VU_MEM_SIZE - 8, b, 8), 0);
	assert_int_equal(vu_region_read(c, 0, VU_MEM_SIZE - 7, b, 8), -EINVAL);
	assert_int_equal(vu_region_read(c, 0, VU_MEM_SIZE, b, 1), -EINVAL);
	assert_int_equal(vu_region_read(c, 0, VU_MEM_SIZE + 1, b, 0), -EINVAL);
	assert_int_equal(vu_region_write(c, 0, VU_MEM_SIZE - 8, b, 8), 0);
	assert_int_equal(vu_region_write(c, 0, VU_MEM_SIZE - 7, b, 8), -EINVAL);
	assert_int_equal(vu_region_write(c, 0, VU_MEM_SIZE, b, 1), -EINVAL);
	/* offset + count wrapping 2^64 */
	assert_int_equal(vu_region_read(c, 0, UINT64_MAX, b, 2), -EINVAL);
	assert_int_equal(vu_region_write(c, 0, UINT64_MAX - 3, b, 8), -EINVAL);
	vu_expect_usable(c);
}

static void test_region_rw_bad_region_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t b[4] = { 0 };

	assert_int_equal(vu_region_read(c, 1, 0, b, 4), -EINVAL);
	assert_int_equal(vu_region_write(c, 1, 0, b, 4), -EINVAL);
	assert_int_equal(vu_region_read(c, UINT32_MAX, 0, b, 4), -EINVAL);
	vu_expect_usable(c);
}

static void test_region_read_over_max_xfer_e2big(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_REGION_RW_SIZE];

	uvf_put64(p, 0);
	uvf_put32(p + 8, 0);
	uvf_put32(p + 12, MAXX + 1);
	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_READ, p, sizeof(p), NULL, 0, NULL), -E2BIG);
	uvf_put32(p + 12, UINT32_MAX);
	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_READ, p, sizeof(p), NULL, 0, NULL), -E2BIG);
	vu_expect_usable(c);
}

static void test_region_write_over_max_xfer_e2big(void **state)
{
	struct vu_conn *c = *state;
	uint8_t *data = pattern(MAXX + 1, 5);

	/* 1 MiB + 1 data bytes: the message itself fits the daemon's limit,
	 * the count does not. */
	assert_int_equal(vu_region_write(c, 0, 0, data, MAXX + 1), -E2BIG);
	free(data);
	vu_expect_usable(c);
}

static void test_region_write_count_disagrees_with_size_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_REGION_RW_SIZE + 8] = { 0 };

	/* count 8, 4 data bytes */
	uvf_put32(p + 12, 8);
	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_WRITE, p, UVF_VU_REGION_RW_SIZE + 4,
				 NULL, 0, NULL), -EINVAL);
	/* count 4, 8 data bytes */
	uvf_put32(p + 12, 4);
	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_WRITE, p, UVF_VU_REGION_RW_SIZE + 8,
				 NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_region_rw_payload_15_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_REGION_RW_SIZE] = { 0 };

	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_READ, p, 15, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_WRITE, p, 15, NULL, 0, NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_region_write_with_fd_einval_closed_not_written(void **state)
{
	struct vu_conn *c = *state;
	uint8_t q[UVF_VU_REGION_RW_SIZE + 4], r[4];
	int p[2];

	assert_int_equal(vu_region_write(c, 0, 128, "1111", 4), 0);
	uvf_put64(q, 128);
	uvf_put32(q + 8, 0);
	uvf_put32(q + 12, 4);
	memcpy(q + 16, "2222", 4);
	vu_pipe(p);
	assert_int_equal(vu_call(c, UVF_VU_CMD_REGION_WRITE, q, sizeof(q), &p[1], 1, NULL),
			 -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	assert_int_equal(vu_region_read(c, 0, 128, r, 4), 0);
	assert_memory_equal(r, "1111", 4);
}

static void send_write(struct vu_conn *c, uint32_t flags, uint32_t region, uint64_t off,
		       const void *data, uint32_t count)
{
	uint8_t p[UVF_VU_REGION_RW_SIZE + 64];

	assert_true(count <= 64);
	uvf_put64(p, off);
	uvf_put32(p + 8, region);
	uvf_put32(p + 12, count);
	memcpy(p + 16, data, count);
	vu_send(c, UVF_VU_CMD_REGION_WRITE, flags, p, UVF_VU_REGION_RW_SIZE + count, NULL, 0);
}

static void test_region_posted_write_applied_before_next_read(void **state)
{
	struct vu_conn *c = *state;
	uint8_t r[8];

	assert_int_equal(vu_region_write(c, 0, 256, "AAAAAAAA", 8), 0);
	/* Posted write then read, back to back: the read sees the write and
	 * its reply is the first thing to arrive (vu_call checks the id). */
	send_write(c, UVF_VU_F_NO_REPLY, 0, 256, "BBBBBBBB", 8);
	assert_int_equal(vu_region_read(c, 0, 256, r, 8), 0);
	assert_memory_equal(r, "BBBBBBBB", 8);
}

static void test_region_no_reply_error_dropped_silently(void **state)
{
	struct vu_conn *c = *state;

	send_write(c, UVF_VU_F_NO_REPLY, 0, VU_MEM_SIZE, "x", 1);	/* out of bounds */
	send_write(c, UVF_VU_F_NO_REPLY, 5, 0, "x", 1);		/* bad region */
	vu_expect_silence(c);
	vu_expect_usable(c);
}

static void test_region_read_no_reply_sends_nothing(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_REGION_RW_SIZE] = { 0 };

	uvf_put32(p + 12, 8);
	vu_send(c, UVF_VU_CMD_REGION_READ, UVF_VU_F_NO_REPLY, p, sizeof(p), NULL, 0);
	vu_expect_silence(c);
	vu_expect_usable(c);
}

struct rw_expect {
	unsigned n;
};

static void check_rw_reply(void *arg, unsigned i, struct vu_msg *m)
{
	(void)arg;
	assert_int_equal(m->msg_id, (uint16_t)(100 + i));
	assert_int_equal(m->flags, UVF_VU_F_TYPE_REPLY);
	if (i & 1) {
		assert_int_equal(m->cmd, UVF_VU_CMD_REGION_READ);
		assert_int_equal(m->len, UVF_VU_REGION_RW_SIZE + 4);
		assert_int_equal(uvf_get32(m->payload + 16), 0xc0de0000 + i / 2);
	} else {
		assert_int_equal(m->cmd, UVF_VU_CMD_REGION_WRITE);
		assert_int_equal(m->len, UVF_VU_REGION_RW_SIZE);
	}
}

static void test_region_pipelined_writes_and_reads_in_order(void **state)
{
	struct vu_conn *c = *state;
	enum { N = 256, WSZ = 16 + 16 + 4, RSZ = 16 + 16 };
	uint8_t *buf = malloc(N * (WSZ + RSZ)), *p = buf;

	/* N writes and N reads interleaved, pipelined: replies come in order
	 * and each read sees the write before it. */
	assert_non_null(buf);
	for (unsigned i = 0; i < N; i++) {
		uvf_put16(p, (uint16_t)(100 + 2 * i));
		uvf_put16(p + 2, UVF_VU_CMD_REGION_WRITE);
		uvf_put32(p + 4, WSZ);
		uvf_put32(p + 8, 0);
		uvf_put32(p + 12, 0);
		uvf_put64(p + 16, 512 + 4 * i);
		uvf_put32(p + 24, 0);
		uvf_put32(p + 28, 4);
		uvf_put32(p + 32, 0xc0de0000 + i);
		p += WSZ;
		uvf_put16(p, (uint16_t)(100 + 2 * i + 1));
		uvf_put16(p + 2, UVF_VU_CMD_REGION_READ);
		uvf_put32(p + 4, RSZ);
		uvf_put32(p + 8, 0);
		uvf_put32(p + 12, 0);
		uvf_put64(p + 16, 512 + 4 * i);
		uvf_put32(p + 24, 0);
		uvf_put32(p + 28, 4);
		p += RSZ;
	}
	vu_pipeline(c, buf, N * (WSZ + RSZ), 2 * N, check_rw_reply, NULL);
	free(buf);
}

static void check_big_read(void *arg, unsigned i, struct vu_msg *m)
{
	const uint8_t *want = arg;

	assert_int_equal(m->msg_id, (uint16_t)i);
	assert_int_equal(m->flags, UVF_VU_F_TYPE_REPLY);
	assert_int_equal(m->len, UVF_VU_REGION_RW_SIZE + MAXX);
	assert_memory_equal(m->payload + UVF_VU_REGION_RW_SIZE, want, MAXX);
}

static void test_region_pipelined_1mib_reads_all_answered(void **state)
{
	struct vu_conn *c = *state;
	enum { N = 8, RSZ = 16 + 16 };
	uint8_t *data = pattern(MAXX, 77), buf[N * RSZ];

	/* Replies far larger than the socket buffer: the daemon queues one,
	 * stops reading until it is taken, and gets through all of them. */
	assert_int_equal(vu_region_write(c, 0, 0x40000, data, MAXX), 0);
	for (unsigned i = 0; i < N; i++) {
		uint8_t *p = buf + i * RSZ;

		uvf_put16(p, (uint16_t)i);
		uvf_put16(p + 2, UVF_VU_CMD_REGION_READ);
		uvf_put32(p + 4, RSZ);
		uvf_put32(p + 8, 0);
		uvf_put32(p + 12, 0);
		uvf_put64(p + 16, 0x40000);
		uvf_put32(p + 24, 0);
		uvf_put32(p + 28, MAXX);
	}
	vu_pipeline(c, buf, sizeof(buf), N, check_big_read, data);
	free(data);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_region_rw_small_widths_roundtrip),
		T(test_region_rw_256k_roundtrip),
		T(test_region_rw_1mib_at_max_xfer_roundtrip),
		T(test_region_write_1mib_sent_in_4k_pieces),
		T(test_region_rw_header_split_byte_by_byte),
		T(test_region_rw_count_0_succeeds),
		T(test_region_rw_out_of_bounds_einval_both_sides),
		T(test_region_rw_bad_region_einval),
		T(test_region_read_over_max_xfer_e2big),
		T(test_region_write_over_max_xfer_e2big),
		T(test_region_write_count_disagrees_with_size_einval),
		T(test_region_rw_payload_15_einval),
		T(test_region_write_with_fd_einval_closed_not_written),
		T(test_region_posted_write_applied_before_next_read),
		T(test_region_no_reply_error_dropped_silently),
		T(test_region_read_no_reply_sends_nothing),
		T(test_region_pipelined_writes_and_reads_in_order),
		T(test_region_pipelined_1mib_reads_all_answered),
	};
#undef T

	return cmocka_run_group_tests_name("proto-region-rw", tests, vu_group_setup,
					   vu_group_teardown);
}
