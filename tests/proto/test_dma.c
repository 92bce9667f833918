/* SPDX-License-Identifier: MIT */
/*
 * test_dma.c - DMA_MAP (2) and DMA_UNMAP (3) against a running uvfiod:
 * maps with and without an fd, UNMAP_ALL, overlap (EEXIST), unknown
 * ranges (ENOENT), the max_dma_maps limit on both sides, malformed
 * requests, and that the daemon owns and releases the fds it is given
 * (vfio-user-protocol.md §4.2, §4.3, §9, §11.4).
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

#define RW	(UVF_VU_DMA_MAP_F_READ | UVF_VU_DMA_MAP_F_WRITE)
#define PG	0x1000ull

static void put_map(uint8_t p[UVF_VU_DMA_MAP_SIZE], uint32_t argsz, uint32_t flags,
		    uint64_t off, uint64_t iova, uint64_t size)
{
	uvf_put32(p, argsz);
	uvf_put32(p + 4, flags);
	uvf_put64(p + 8, off);
	uvf_put64(p + 16, iova);
	uvf_put64(p + 24, size);
}

static void test_dma_map_with_memfd_fd_succeeds(void **state)
{
	struct vu_conn *c = *state;
	int fd = vu_memfd(16 * PG);

	assert_int_equal(vu_dma_map(c, RW, 4 * PG, 0x100000, 8 * PG, fd), 0);
	close(fd);
	assert_int_equal(vu_dma_unmap(c, 0, 0x100000, 8 * PG), 0);
}

static void test_dma_map_read_only_memfd_succeeds(void **state)
{
	struct vu_conn *c = *state;
	int fd = vu_memfd(PG);

	assert_int_equal(vu_dma_map(c, UVF_VU_DMA_MAP_F_READ, 0, 0x200000, PG, fd), 0);
	close(fd);
}

static void test_dma_map_without_fd_succeeds(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_dma_map(c, RW, 0, 0x100000, 0x100000, -1), 0);
	assert_int_equal(vu_dma_unmap(c, 0, 0x100000, 0x100000), 0);
}

static void test_dma_map_fd_held_until_unmap(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();
	int fd = vu_memfd(PG);

	assert_int_equal(vu_dma_map(c, RW, 0, 0x100000, PG, fd), 0);
	close(fd);
	assert_int_equal(vu_daemon_fds(d), d->base_fds + 1);
	assert_int_equal(vu_dma_unmap(c, 0, 0x100000, PG), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
}

static void test_dma_map_overlap_eexist_every_shape(void **state)
{
	static const struct { uint64_t iova, size; } over[] = {
		{ 0x10000, 0x4000 },		/* the same */
		{ 0x11000, 0x1000 },		/* inside */
		{ 0xf000, 0x2000 },		/* over the start */
		{ 0x13000, 0x2000 },		/* over the end */
		{ 0x8000, 0x20000 },		/* around */
		{ 0x13fff, 1 },			/* last byte */
		{ 0xffff, 2 },			/* first byte */
	};
	struct vu_conn *c = *state;

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, 0x4000, -1), 0);
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		int r = vu_dma_map(c, RW, 0, over[i].iova, over[i].size, -1);

		if (r != -EEXIST)
			fail_msg("map [0x%llx,+0x%llx) over [0x10000,+0x4000): %d, want -EEXIST",
				 (unsigned long long)over[i].iova,
				 (unsigned long long)over[i].size, r);
	}
	/* The original is intact. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x4000), 0);
}

static void test_dma_map_touching_neighbours_succeed(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, 0x4000, -1), 0);
	assert_int_equal(vu_dma_map(c, RW, 0, 0xc000, 0x4000, -1), 0);	/* ends at start */
	assert_int_equal(vu_dma_map(c, RW, 0, 0x14000, 0x4000, -1), 0);	/* starts at end */
	/* The hole between is filled exactly. */
	assert_int_equal(vu_dma_map(c, RW, 0, 0x18000, 1, -1), 0);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0), 0);
}

static void test_dma_map_at_top_of_iova_space(void **state)
{
	struct vu_conn *c = *state;

	/* Ends at 2^64 - 1: the largest map whose end is representable. */
	assert_int_equal(vu_dma_map(c, RW, 0, UINT64_MAX - PG, PG, -1), 0);
	assert_int_equal(vu_dma_unmap(c, 0, UINT64_MAX - PG, PG), 0);
}

static void test_dma_unmap_not_mapped_enoent(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x1000), -ENOENT);
	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, 0x4000, -1), 0);
	/* Partial, larger, shifted: only an exact match unmaps. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x1000), -ENOENT);
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x5000), -ENOENT);
	assert_int_equal(vu_dma_unmap(c, 0, 0x11000, 0x4000), -ENOENT);
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x4000), 0);
	/* Twice. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0x4000), -ENOENT);
	vu_expect_usable(c);
}

static void test_dma_unmap_all_drops_every_map(void **state)
{
	struct vu_conn *c = *state;
	struct vu_daemon *d = vu_daemon();
	int fd = vu_memfd(4 * PG);

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, fd), 0);
	assert_int_equal(vu_dma_map(c, RW, PG, 0x20000, PG, fd), 0);
	assert_int_equal(vu_dma_map(c, RW, 0, 0x30000, PG, -1), 0);
	close(fd);
	assert_int_equal(vu_daemon_fds(d), d->base_fds + 2);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0), 0);
	assert_int_equal(vu_daemon_fds(d), d->base_fds);
	/* The ranges are free again. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x30000, PG), -ENOENT);
	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, 0x30000, -1), 0);
	/* UNMAP_ALL with nothing mapped is fine too. */
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0), 0);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0), 0);
}

static void test_dma_unmap_all_with_range_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0x10000, 0), -EINVAL);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0x1000), -EINVAL);
	vu_expect_usable(c);
}

static void test_dma_unmap_bad_flags_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, -1), 0);
	/* The retired dirty-bitmap form, alone and with UNMAP_ALL. */
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_GET_DIRTY_BITMAP, 0x10000, PG),
			 -EINVAL);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_GET_DIRTY_BITMAP |
					 UVF_VU_DMA_UNMAP_F_ALL, 0, 0), -EINVAL);
	assert_int_equal(vu_dma_unmap(c, 1u << 2, 0x10000, PG), -EINVAL);
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 0), -EINVAL);
	/* Still mapped. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, PG), 0);
}

static void test_dma_unmap_short_payload_and_argsz_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_DMA_UNMAP_SIZE] = { 0 };

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, -1), 0);
	uvf_put32(p, UVF_VU_DMA_UNMAP_SIZE);
	uvf_put64(p + 8, 0x10000);
	uvf_put64(p + 16, PG);
	/* 23 bytes: one short of the struct. */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_UNMAP, p, sizeof(p) - 1, NULL, 0, NULL),
			 -EINVAL);
	/* argsz 23: the reply (24 bytes) would not fit. */
	uvf_put32(p, UVF_VU_DMA_UNMAP_SIZE - 1);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_UNMAP, p, sizeof(p), NULL, 0, NULL),
			 -EINVAL);
	/* argsz 24, the whole struct: accepted. */
	uvf_put32(p, UVF_VU_DMA_UNMAP_SIZE);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_UNMAP, p, sizeof(p), NULL, 0, NULL), 0);
}

static void test_dma_unmap_with_fd_einval_fd_closed(void **state)
{
	struct vu_conn *c = *state;
	uint8_t q[UVF_VU_DMA_UNMAP_SIZE] = { 0 };
	int p[2];

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, -1), 0);
	uvf_put32(q, UVF_VU_DMA_UNMAP_SIZE);
	uvf_put64(q + 8, 0x10000);
	uvf_put64(q + 16, PG);
	vu_pipe(p);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_UNMAP, q, sizeof(q), &p[1], 1, NULL),
			 -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	/* Not unmapped by the refused request. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, PG), 0);
}

static void test_dma_map_malformed_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[UVF_VU_DMA_MAP_SIZE];

	put_map(p, 32, RW, 0, 0x10000, 0);				/* size 0 */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_MAP, p, 32, NULL, 0, NULL), -EINVAL);
	put_map(p, 32, RW, 0, UINT64_MAX - 0xfff, 0x2000);		/* iova wraps */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_MAP, p, 32, NULL, 0, NULL), -EINVAL);
	put_map(p, 32, RW | (1u << 2), 0, 0x10000, PG);		/* unknown flag */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_MAP, p, 32, NULL, 0, NULL), -EINVAL);
	put_map(p, 31, RW, 0, 0x10000, PG);				/* argsz 31 */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_MAP, p, 32, NULL, 0, NULL), -EINVAL);
	put_map(p, 32, RW, 0, 0x10000, PG);				/* payload 31 */
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_MAP, p, 31, NULL, 0, NULL), -EINVAL);
	/* None of them mapped anything: the whole range is free. */
	assert_int_equal(vu_dma_map(c, RW, 0, 0, UINT64_MAX, -1), 0);
	assert_int_equal(vu_dma_unmap(c, 0, 0, UINT64_MAX), 0);
}

static void test_dma_map_offset_wraps_einval(void **state)
{
	struct vu_conn *c = *state;
	int fd = vu_memfd(PG);

	assert_int_equal(vu_dma_map(c, RW, UINT64_MAX - 0xfff, 0x10000, 0x2000, fd), -EINVAL);
	close(fd);
}

static void test_dma_map_two_fds_einval_both_closed(void **state)
{
	struct vu_conn *c = *state;
	uint8_t q[UVF_VU_DMA_MAP_SIZE];
	int a[2], b[2], fds[2];

	vu_pipe(a);
	vu_pipe(b);
	fds[0] = a[1];
	fds[1] = b[1];
	put_map(q, 32, RW, 0, 0x10000, PG);
	assert_int_equal(vu_call(c, UVF_VU_CMD_DMA_MAP, q, sizeof(q), fds, 2, NULL), -EINVAL);
	close(a[1]);
	close(b[1]);
	assert_true(vu_pipe_closed(a[0], VU_TIMEOUT_MS));
	assert_true(vu_pipe_closed(b[0], VU_TIMEOUT_MS));
	close(a[0]);
	close(b[0]);
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, PG), -ENOENT);
}

static void test_dma_map_fd_smaller_than_range_einval(void **state)
{
	struct vu_conn *c = *state;
	int fd = vu_memfd(4 * PG);

	/* Both sides of the file's end. */
	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, 4 * PG + 1, fd), -EINVAL);
	assert_int_equal(vu_dma_map(c, RW, PG, 0x10000, 3 * PG + 1, fd), -EINVAL);
	assert_int_equal(vu_dma_map(c, RW, 5 * PG, 0x10000, PG, fd), -EINVAL);
	assert_int_equal(vu_dma_map(c, RW, PG, 0x10000, 3 * PG, fd), 0);
	close(fd);
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, 3 * PG), 0);
}

static void test_dma_map_unmappable_fd_fails_fd_closed(void **state)
{
	struct vu_conn *c = *state;
	int p[2], r;

	vu_pipe(p);
	r = vu_dma_map(c, RW, 0, 0x10000, PG, p[1]);
	assert_true(r < 0);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	/* Nothing was mapped. */
	assert_int_equal(vu_dma_unmap(c, 0, 0x10000, PG), -ENOENT);
}

static void test_dma_maps_forgotten_on_disconnect(void **state)
{
	struct vu_conn *c = *state;
	int fd = vu_memfd(PG);

	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, fd), 0);
	assert_int_equal(vu_dma_map(c, RW, 0, 0x20000, PG, -1), 0);
	close(fd);
	vu_close(c);
	assert_int_equal(vu_connect(vu_daemon(), c), 0);
	vu_negotiate(c, "{}");
	assert_int_equal(vu_daemon_fds(vu_daemon()), vu_daemon()->base_fds);
	assert_int_equal(vu_dma_unmap(c, 0, 0x20000, PG), -ENOENT);
	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, -1), 0);
}

struct tally {
	unsigned ok;
	int first_err;
};

static void count_reply(void *arg, unsigned i, struct vu_msg *m)
{
	struct tally *t = arg;

	assert_int_equal(m->msg_id, (uint16_t)i);
	assert_int_equal(m->cmd, UVF_VU_CMD_DMA_MAP);
	if (m->flags & UVF_VU_F_ERROR) {
		if (!t->first_err)
			t->first_err = -(int)m->error_no;
	} else {
		t->ok++;
	}
}

/* Pipeline n DMA_MAPs of one page each (no fd) at iova base + i pages, as
 * QEMU's "no-wait" maps do; returns how many succeeded and the errno of
 * the first failure. */
static unsigned map_many(struct vu_conn *c, uint64_t base, unsigned n, int *first_err)
{
	const size_t msz = UVF_VU_HDR_SIZE + UVF_VU_DMA_MAP_SIZE;
	uint8_t *buf = malloc(msz * n);
	struct tally t = { 0, 0 };

	assert_non_null(buf);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *m = buf + msz * i;

		uvf_put16(m, (uint16_t)i);
		uvf_put16(m + 2, UVF_VU_CMD_DMA_MAP);
		uvf_put32(m + 4, (uint32_t)msz);
		uvf_put32(m + 8, 0);
		uvf_put32(m + 12, 0);
		put_map(m + 16, 32, RW, 0, base + i * PG, PG);
	}
	vu_pipeline(c, buf, msz * n, n, count_reply, &t);
	free(buf);
	*first_err = t.first_err;
	return t.ok;
}

static void test_dma_max_dma_maps_both_sides(void **state)
{
	struct vu_conn *c = *state;
	int err;

	/* 65535 maps (the advertised max_dma_maps) fit ... */
	assert_int_equal(map_many(c, 1ull << 32, UVF_VU_DEFAULT_MAX_DMA_MAPS, &err),
			 UVF_VU_DEFAULT_MAX_DMA_MAPS);
	assert_int_equal(err, 0);
	/* ... the 65536th does not. */
	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, -1), -ENOSPC);
	/* One freed: one more fits. */
	assert_int_equal(vu_dma_unmap(c, 0, 1ull << 32, PG), 0);
	assert_int_equal(vu_dma_map(c, RW, 0, 0x10000, PG, -1), 0);
	assert_int_equal(vu_dma_unmap(c, UVF_VU_DMA_UNMAP_F_ALL, 0, 0), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_dma_map_with_memfd_fd_succeeds),
		T(test_dma_map_read_only_memfd_succeeds),
		T(test_dma_map_without_fd_succeeds),
		T(test_dma_map_fd_held_until_unmap),
		T(test_dma_map_overlap_eexist_every_shape),
		T(test_dma_map_touching_neighbours_succeed),
		T(test_dma_map_at_top_of_iova_space),
		T(test_dma_unmap_not_mapped_enoent),
		T(test_dma_unmap_all_drops_every_map),
		T(test_dma_unmap_all_with_range_einval),
		T(test_dma_unmap_bad_flags_einval),
		T(test_dma_unmap_short_payload_and_argsz_einval),
		T(test_dma_unmap_with_fd_einval_fd_closed),
		T(test_dma_map_malformed_einval),
		T(test_dma_map_offset_wraps_einval),
		T(test_dma_map_two_fds_einval_both_closed),
		T(test_dma_map_fd_smaller_than_range_einval),
		T(test_dma_map_unmappable_fd_fails_fd_closed),
		T(test_dma_maps_forgotten_on_disconnect),
		T(test_dma_max_dma_maps_both_sides),
	};
#undef T

	return cmocka_run_group_tests_name("proto-dma", tests, vu_group_setup,
					   vu_group_teardown);
}
