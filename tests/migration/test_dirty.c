/* SPDX-License-Identifier: MIT */
/*
 * test_dirty.c - the DMA dirty-page log (core/dirty.c) against
 * migration.md §7 and test obligations 25-30 of §11.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/dirty.h"

#define K4	4096ull
#define M2	(2ull << 20)
#define MAXB	((size_t)64 << 20)	/* bitmap cap for ordinary tests */

static struct uvf_dirty_log *mklog(const struct uvf_iova_range *r, unsigned n,
				   uint64_t ps)
{
	struct uvf_dirty_log *log = NULL;

	assert_int_equal(uvf_dirty_log_create(r, n, ps, MAXB, &log), 0);
	assert_non_null(log);
	return log;
}

static int create(const struct uvf_iova_range *r, unsigned n, uint64_t ps)
{
	struct uvf_dirty_log *log = NULL;
	int ret = uvf_dirty_log_create(r, n, ps, MAXB, &log);

	if (!ret) {
		assert_non_null(log);
		uvf_dirty_log_destroy(log);
	} else {
		assert_null(log);	/* *out untouched on error */
	}
	return ret;
}

static bool bit(const uint64_t *bm, uint64_t k)
{
	return (bm[k / 64] >> (k % 64)) & 1;
}

/* Report [iova, iova+len) at ps into a fresh buffer poisoned with 0xff,
 * with one canary word past the end that must survive. */
static uint64_t *report(struct uvf_dirty_log *log, uint64_t iova,
			uint64_t len, uint64_t ps)
{
	size_t need = uvf_dirty_bitmap_bytes(len, ps);
	uint64_t *bm = malloc(need + 8);

	assert_non_null(bm);
	memset(bm, 0xff, need + 8);
	assert_int_equal(uvf_dirty_log_report(log, iova, len, ps, bm, need + 8), 0);
	assert_int_equal(bm[need / 8], ~0ull);
	return bm;
}

/* Number of set bits among the first nbits of a report. */
static int count_bits(const uint64_t *bm, uint64_t nbits)
{
	uint64_t k;
	int n = 0;

	for (k = 0; k < nbits; k++)
		n += bit(bm, k);
	return n;
}

static void assert_all_zero(struct uvf_dirty_log *log, uint64_t iova,
			    uint64_t len, uint64_t ps)
{
	uint64_t *bm = report(log, iova, len, ps);
	size_t i, words = uvf_dirty_bitmap_bytes(len, ps) / 8;

	for (i = 0; i < words; i++)
		assert_int_equal(bm[i], 0);
	free(bm);
}

/* ---- START validation (obligation 25) ----------------------------------- */

static void test_start_validation(void **state)
{
	struct uvf_iova_range r[UVF_VFIO_DMA_LOGGING_MAX_RANGES + 1];
	struct uvf_dirty_log *log = NULL;
	unsigned i;

	(void)state;
	r[0] = (struct uvf_iova_range){ 0x100000, 0x100000 };

	/* no ranges: the core handles "log everything" before us */
	assert_int_equal(create(r, 0, K4), -EINVAL);
	assert_int_equal(create(NULL, 1, K4), -EINVAL);

	/* page size */
	assert_int_equal(create(r, 1, 0), -EINVAL);
	assert_int_equal(create(r, 1, 2048), -EINVAL);
	assert_int_equal(create(r, 1, 12288), -EINVAL);
	assert_int_equal(create(r, 1, 4095), -EINVAL);
	assert_int_equal(create(r, 1, 1ull << 63 | K4), -EINVAL);
	assert_int_equal(create(r, 1, K4), 0);
	assert_int_equal(create(r, 1, 1ull << 20), 0);
	assert_int_equal(create(r, 1, 1ull << 21), -EINVAL);	/* range unaligned */

	/* alignment and zero length */
	r[0] = (struct uvf_iova_range){ 0x100800, 0x1000 };
	assert_int_equal(create(r, 1, K4), -EINVAL);
	r[0] = (struct uvf_iova_range){ 0x100000, 0x1800 };
	assert_int_equal(create(r, 1, K4), -EINVAL);
	r[0] = (struct uvf_iova_range){ 0x100000, 0 };
	assert_int_equal(create(r, 1, K4), -EINVAL);
	r[0] = (struct uvf_iova_range){ 0x102000, 0x2000 };
	assert_int_equal(create(r, 1, 0x4000), -EINVAL);	/* iova 8K, pages 16K */

	/* overflow, on both sides of 2^64 */
	r[0] = (struct uvf_iova_range){ 0ull - 0x1000, 0x2000 };
	assert_int_equal(create(r, 1, K4), -EOVERFLOW);
	r[0] = (struct uvf_iova_range){ 0ull - 0x1000, 0x1000 };	/* ends at 2^64 */
	assert_int_equal(create(r, 1, K4), -EOVERFLOW);
	r[0] = (struct uvf_iova_range){ 0ull - 0x2000, 0x1000 };
	assert_int_equal(create(r, 1, K4), 0);
	r[0] = (struct uvf_iova_range){ 0x1000, 0ull - 0x1000 };
	assert_int_equal(create(r, 1, K4), -EOVERFLOW);

	/* overlap, with unsorted input; touching is fine */
	r[0] = (struct uvf_iova_range){ 0x10000, 0x4000 };
	r[1] = (struct uvf_iova_range){ 0x0, 0x4000 };
	r[2] = (struct uvf_iova_range){ 0x12000, 0x1000 };	/* inside r[0] */
	assert_int_equal(create(r, 3, K4), -EINVAL);
	r[2] = (struct uvf_iova_range){ 0x13000, 0x2000 };	/* tail overlap */
	assert_int_equal(create(r, 3, K4), -EINVAL);
	r[2] = (struct uvf_iova_range){ 0x10000, 0x4000 };	/* identical */
	assert_int_equal(create(r, 3, K4), -EINVAL);
	r[2] = (struct uvf_iova_range){ 0x14000, 0x1000 };	/* touching */
	assert_int_equal(create(r, 3, K4), 0);
	r[2] = (struct uvf_iova_range){ 0x0, 0x100000 };	/* covers both */
	assert_int_equal(create(r, 3, K4), -EINVAL);

	/* range count: both sides of the limit */
	for (i = 0; i <= UVF_VFIO_DMA_LOGGING_MAX_RANGES; i++)
		r[i] = (struct uvf_iova_range){ (uint64_t)(UVF_VFIO_DMA_LOGGING_MAX_RANGES - i) * 0x10000, 0x1000 };
	assert_int_equal(create(r, UVF_VFIO_DMA_LOGGING_MAX_RANGES, K4), 0);
	assert_int_equal(create(r, UVF_VFIO_DMA_LOGGING_MAX_RANGES + 1, K4), -E2BIG);

	/* memory cap: 64 pages = 1 word = 8 bytes; exactly at the cap works */
	r[0] = (struct uvf_iova_range){ 0, 64 * K4 };
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, 8, &log), 0);
	uvf_dirty_log_destroy(log);
	log = NULL;
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, 7, &log), -E2BIG);
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, 0, &log), -E2BIG);
	r[0].length = 65 * K4;
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, 8, &log), -E2BIG);
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, 16, &log), 0);
	uvf_dirty_log_destroy(log);
	/* 64 GiB at 4 KiB: exactly 2 MiB, the kernel's REPORT window */
	r[0] = (struct uvf_iova_range){ 1ull << 40, 64ull << 30 };
	log = NULL;
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, 2u << 20, &log), 0);
	uvf_dirty_log_destroy(log);
	log = NULL;
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, (2u << 20) - 1, &log), -E2BIG);
	/* the whole 2^64 space at 4K would need 2^49 bytes */
	r[0] = (struct uvf_iova_range){ 0, 0ull - K4 };
	assert_int_equal(uvf_dirty_log_create(r, 1, K4, (size_t)1 << 40, &log), -E2BIG);

	/* the log keeps the requested page size (START's reply) */
	r[0] = (struct uvf_iova_range){ 0, 1ull << 30 };
	log = mklog(r, 1, 1ull << 16);
	assert_int_equal(uvf_dirty_log_page_size(log), 1ull << 16);
	uvf_dirty_log_destroy(log);
	uvf_dirty_log_destroy(NULL);
}

/* ---- bitmap size formula (obligation 29) -------------------------------- */

static void test_bitmap_bytes(void **state)
{
	(void)state;
	assert_int_equal(uvf_dirty_bitmap_bytes(1, K4), 8);
	assert_int_equal(uvf_dirty_bitmap_bytes(K4, K4), 8);
	assert_int_equal(uvf_dirty_bitmap_bytes(64 * K4, K4), 8);
	assert_int_equal(uvf_dirty_bitmap_bytes(64 * K4 + 1, K4), 16);
	assert_int_equal(uvf_dirty_bitmap_bytes(65 * K4, K4), 16);
	assert_int_equal(uvf_dirty_bitmap_bytes(100 * K4, K4), 16);
	assert_int_equal(uvf_dirty_bitmap_bytes(128 * K4, K4), 16);
	assert_int_equal(uvf_dirty_bitmap_bytes(129 * K4, K4), 24);
	assert_int_equal(uvf_dirty_bitmap_bytes(64ull << 30, K4), 2u << 20);
	assert_int_equal(uvf_dirty_bitmap_bytes(64ull << 30, M2), 32768 / 64 * 8);
	assert_int_equal(uvf_dirty_bitmap_bytes(0, K4), 0);
	assert_int_equal(uvf_dirty_bitmap_bytes(K4, 0), 0);
	/* near 2^64: no wrap in the rounding */
	assert_int_equal(uvf_dirty_bitmap_bytes(~0ull, K4), 1ull << 49);
	assert_int_equal(uvf_dirty_bitmap_bytes(~0ull, 1), (1ull << 58) * 8);
}

/* ---- mark exactness (obligation 26) ------------------------------------- */

static void test_mark_sets_covering_bits(void **state)
{
	const uint64_t base = 0x100000;
	struct uvf_iova_range r = { base, 256 * K4 };
	struct uvf_dirty_log *log = mklog(&r, 1, K4);
	uint64_t *bm;

	(void)state;
	uvf_dirty_log_mark(log, base + 3 * K4 + 5, 1);		/* page 3 */
	uvf_dirty_log_mark(log, base + 6 * K4 - 1, 2);		/* 5 and 6 */
	uvf_dirty_log_mark(log, base + 10 * K4, K4);		/* exactly 10 */
	uvf_dirty_log_mark(log, base + 20 * K4, 0);		/* nothing */
	uvf_dirty_log_mark(log, base + 60 * K4 + 1, 10 * K4);	/* 60..70 */
	uvf_dirty_log_mark(log, base - 2 * K4, 3 * K4);		/* before + 0 */
	uvf_dirty_log_mark(log, base + 255 * K4 + 7, 100 * K4);	/* 255 + after */
	uvf_dirty_log_mark(log, 0, base);			/* all outside */
	uvf_dirty_log_mark(log, base + 256 * K4, 1ull << 40);	/* all outside */
	uvf_dirty_log_mark(log, ~0ull - 5, 100);		/* wraps: cut */

	bm = report(log, base, 256 * K4, K4);
	{
		static const int want[] = { 0, 3, 5, 6, 10, 60, 61, 62, 63, 64,
					    65, 66, 67, 68, 69, 70, 255 };
		size_t i;

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			assert_true(bit(bm, (uint64_t)want[i]));
		assert_int_equal(count_bits(bm, 256), sizeof(want) / sizeof(want[0]));
	}
	free(bm);

	/* a mark wrapping past 2^64 covers up to the end of a top range */
	r = (struct uvf_iova_range){ 0ull - 0x10000, 0x8000 };
	uvf_dirty_log_destroy(log);
	log = mklog(&r, 1, K4);
	uvf_dirty_log_mark(log, 0ull - 0xf000 + 9, 0x20000);
	bm = report(log, r.iova, r.length, K4);
	assert_int_equal(bm[0], 0xfe);	/* pages 1..7 */
	free(bm);
	uvf_dirty_log_destroy(log);
}

/* ---- REPORT clears (obligation 27) -------------------------------------- */

static void test_report_clears(void **state)
{
	struct uvf_iova_range r = { 0, 1024 * K4 };
	struct uvf_dirty_log *log = mklog(&r, 1, K4);
	uint64_t *bm;
	int i;

	(void)state;
	for (i = 0; i < 1024; i += 7)
		uvf_dirty_log_mark(log, (uint64_t)i * K4, 1);
	bm = report(log, 0, 1024 * K4, K4);
	assert_int_equal(count_bits(bm, 1024), (1024 + 6) / 7);
	for (i = 0; i < 1024; i++)
		assert_int_equal(bit(bm, (uint64_t)i), i % 7 == 0);
	free(bm);
	assert_all_zero(log, 0, 1024 * K4, K4);

	/* dirty again after being reported */
	uvf_dirty_log_mark(log, 500 * K4, 1);
	bm = report(log, 0, 1024 * K4, K4);
	assert_int_equal(count_bits(bm, 1024), 1);
	assert_true(bit(bm, 500));
	free(bm);
	uvf_dirty_log_destroy(log);
}

/* ---- sub-ranges, odd lengths, several ranges and holes (obligation 29) -- */

static void test_subrange_and_odd_length(void **state)
{
	struct uvf_iova_range r = { 0x40000000, 1024 * K4 };
	struct uvf_dirty_log *log = mklog(&r, 1, K4);
	uint64_t *bm, b = r.iova;

	(void)state;
	uvf_dirty_log_mark(log, b + 99 * K4, 12 * K4);		/* 99..110 */
	uvf_dirty_log_mark(log, b + 5 * K4, 1);

	/* 100 pages: 16-byte bitmap, bits 100..127 must be 0 */
	bm = report(log, b, 100 * K4, K4);
	assert_int_equal(bm[0], 1ull << 5);
	assert_int_equal(bm[1], 1ull << (99 - 64));
	free(bm);
	/* pages 100..110 were not part of that report and are still dirty */
	bm = report(log, b + 100 * K4, 11 * K4, K4);
	assert_int_equal(bm[0], (1ull << 11) - 1);
	free(bm);
	assert_all_zero(log, b, 1024 * K4, K4);

	/* sub-range at a page offset that is not a multiple of 64:
	 * exercises the shifted copy */
	uvf_dirty_log_mark(log, b + 70 * K4, 200 * K4);		/* 70..269 */
	bm = report(log, b + 7 * K4, 300 * K4, K4);
	{
		uint64_t k;

		for (k = 0; k < 300; k++)
			assert_int_equal(bit(bm, k), k + 7 >= 70 && k + 7 <= 269);
		for (k = 300; k < 320; k++)
			assert_false(bit(bm, k));
	}
	free(bm);
	assert_all_zero(log, b, 1024 * K4, K4);

	/* length not a multiple of the page size: the last page is partial;
	 * it is reported, and (sticking out) left set for the next report */
	uvf_dirty_log_mark(log, b + 3 * K4 + 100, 1);
	bm = report(log, b, 3 * K4 + 1, K4);
	assert_int_equal(bm[0], 1ull << 3);
	free(bm);
	bm = report(log, b, 4 * K4, K4);
	assert_int_equal(bm[0], 1ull << 3);
	free(bm);
	assert_all_zero(log, b, 1024 * K4, K4);
	uvf_dirty_log_destroy(log);
}

static void test_multiple_ranges_and_holes(void **state)
{
	/* unsorted; holes between; B starts at a page not a multiple of 64 */
	struct uvf_iova_range r[] = {
		{ 1000 * K4, 3 * K4 },		/* C: 1000..1002 */
		{ 0, 64 * K4 },			/* A: 0..63 */
		{ 100 * K4, 200 * K4 },		/* B: 100..299 */
		{ 300 * K4, 5 * K4 },		/* D: 300..304, touches B */
	};
	struct uvf_dirty_log *log = mklog(r, 4, K4);
	uint64_t *bm, k;

	(void)state;
	uvf_dirty_log_mark(log, 0, 1100 * K4);		/* spans every hole */
	bm = report(log, 0, 1100 * K4, K4);
	for (k = 0; k < 1100; k++) {
		bool in = k < 64 || (k >= 100 && k < 305) || (k >= 1000 && k < 1003);

		if (bit(bm, k) != in)
			fail_msg("page %llu: %d", (unsigned long long)k, bit(bm, k));
	}
	free(bm);
	assert_all_zero(log, 0, 1100 * K4, K4);

	/* writes in holes are not logged; a report over holes only is zero */
	uvf_dirty_log_mark(log, 64 * K4, 36 * K4);
	uvf_dirty_log_mark(log, 305 * K4, 695 * K4);
	assert_all_zero(log, 0, 2000 * K4, K4);
	assert_all_zero(log, 4000 * K4, 10 * K4, K4);

	/* a report starting inside one range and ending inside another */
	uvf_dirty_log_mark(log, 50 * K4, 1);
	uvf_dirty_log_mark(log, 150 * K4, 1);
	uvf_dirty_log_mark(log, 302 * K4, 1);
	uvf_dirty_log_mark(log, 1001 * K4, 1);
	bm = report(log, 40 * K4, 962 * K4, K4);	/* 40..1001 */
	assert_int_equal(count_bits(bm, 962), 4);
	assert_true(bit(bm, 10));
	assert_true(bit(bm, 110));
	assert_true(bit(bm, 262));
	assert_true(bit(bm, 961));
	free(bm);
	uvf_dirty_log_destroy(log);
}

/* ---- report page size differs from the log's (obligation 28) ------------ */

static void test_coarser_report_ors(void **state)
{
	struct uvf_iova_range r = { 0, 4096 * K4 };	/* 16 MiB */
	struct uvf_dirty_log *log = mklog(&r, 1, K4);
	uint64_t *bm;

	(void)state;
	uvf_dirty_log_mark(log, 513 * K4, 1);		/* 2M page 1 */
	uvf_dirty_log_mark(log, 2047 * K4, 2 * K4);	/* 2M pages 3 and 4 */
	uvf_dirty_log_mark(log, 4095 * K4, 1);		/* 2M page 7 */
	bm = report(log, 0, 16ull << 20, M2);
	assert_int_equal(bm[0], (1u << 1) | (1u << 3) | (1u << 4) | (1u << 7));
	free(bm);
	assert_all_zero(log, 0, 16ull << 20, K4);

	/* 64K report over a 4K log, sub-range not starting at the range */
	uvf_dirty_log_mark(log, 0x30000 + 5 * K4, 1);	/* 64K page 3 */
	uvf_dirty_log_mark(log, 0x20000, 1);		/* outside the report */
	bm = report(log, 0x30000, 0x40000, 0x10000);
	assert_int_equal(bm[0], 1);
	free(bm);
	bm = report(log, 0, 16ull << 20, K4);
	assert_int_equal(count_bits(bm, 4096), 1);
	assert_true(bit(bm, 0x20));
	free(bm);
	uvf_dirty_log_destroy(log);

	/* at the top of the address space, where the report page after the
	 * last one would start at 2^64 */
	r = (struct uvf_iova_range){ 0ull - 2 * M2, 2 * M2 - K4 };
	log = mklog(&r, 1, K4);
	uvf_dirty_log_mark(log, 0ull - 2 * K4, 1);	/* last log page */
	uvf_dirty_log_mark(log, 0ull - 2 * M2 + 5 * K4, 1);
	bm = report(log, 0ull - 2 * M2, 2 * M2 - 1, M2);
	assert_int_equal(bm[0], 3);
	free(bm);
	assert_all_zero(log, 0ull - 2 * M2, 2 * M2 - 1, K4);
	uvf_dirty_log_destroy(log);
}

static void test_finer_report_replicates(void **state)
{
	struct uvf_iova_range r = { 0, 8 * M2 };
	struct uvf_dirty_log *log = mklog(&r, 1, M2);
	uint64_t *bm, k;

	(void)state;
	uvf_dirty_log_mark(log, M2 + 12345, 1);		/* 2M page 1 */
	bm = report(log, 0, 8 * M2, K4);
	for (k = 0; k < 8 * 512; k++)
		assert_int_equal(bit(bm, k), k >= 512 && k < 1024);
	free(bm);
	assert_all_zero(log, 0, 8 * M2, M2);

	/* report starting inside a log page: that page sticks out of the
	 * request, so it is reported but stays set for the next report */
	uvf_dirty_log_mark(log, 2 * M2, 1);		/* 2M page 2 */
	uvf_dirty_log_mark(log, 3 * M2, 1);		/* 2M page 3 */
	bm = report(log, 2 * M2 + 3 * K4, M2, K4);	/* 4K pages 3..514 of p2 */
	for (k = 0; k < 512; k++)
		assert_int_equal(bit(bm, k), 1);	/* 509 from p2, 3 from p3 */
	free(bm);
	bm = report(log, 0, 8 * M2, M2);
	assert_int_equal(bm[0], (1u << 2) | (1u << 3));
	free(bm);
	assert_all_zero(log, 0, 8 * M2, M2);
	uvf_dirty_log_destroy(log);
}

/* ---- REPORT argument errors (obligation 28) ----------------------------- */

static void test_report_errors(void **state)
{
	struct uvf_iova_range r = { 0x100000, 128 * K4 };
	struct uvf_dirty_log *log = mklog(&r, 1, K4);
	uint64_t bm[4], *got;

	(void)state;
	memset(bm, 0xa5, sizeof(bm));
	uvf_dirty_log_mark(log, 0x100000, 1);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 64 * K4, 0, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 64 * K4, 2048, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 64 * K4, 12288, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 64 * K4, 1ull << 63 | K4, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 0, K4, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100800, K4, K4, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x101000, 0x10000, 0x10000, bm, sizeof(bm)), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0ull - K4, 2 * K4, K4, bm, sizeof(bm)), -EOVERFLOW);
	assert_int_equal(uvf_dirty_log_report(log, 0ull - K4, K4, K4, bm, sizeof(bm)), -EOVERFLOW);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 65 * K4, K4, bm, 8), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 65 * K4, K4, bm, 15), -EINVAL);
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 65 * K4, K4, NULL, 16), -EINVAL);
	/* none of that touched the buffer or cleared anything */
	assert_int_equal(bm[0], 0xa5a5a5a5a5a5a5a5ull);
	assert_int_equal(bm[3], 0xa5a5a5a5a5a5a5a5ull);
	got = report(log, 0x100000, 128 * K4, K4);
	assert_int_equal(got[0], 1);
	free(got);
	/* exactly the needed size works; just below does not */
	assert_int_equal(uvf_dirty_log_report(log, 0x100000, 65 * K4, K4, bm, 16), 0);
	/* a range below 2^64 at the very top is fine (nothing logged) */
	bm[0] = ~0ull;
	assert_int_equal(uvf_dirty_log_report(log, 0ull - 2 * K4, K4, K4, bm, 8), 0);
	assert_int_equal(bm[0], 0);
	uvf_dirty_log_destroy(log);
}

/* ---- clear (DMA_UNMAP of a logged range) -------------------------------- */

static void test_clear(void **state)
{
	struct uvf_iova_range r[] = { { 0, 256 * K4 }, { 512 * K4, 64 * K4 } };
	struct uvf_dirty_log *log = mklog(r, 2, K4);
	uint64_t *bm;

	(void)state;
	uvf_dirty_log_mark(log, 10 * K4, 10 * K4);		/* 10..19 */
	uvf_dirty_log_mark(log, 520 * K4, 1);
	assert_int_equal(uvf_dirty_log_clear(log, 0, 0), 0);
	assert_int_equal(uvf_dirty_log_clear(log, 12 * K4, 6 * K4), 6);	/* 12..17 */
	assert_int_equal(uvf_dirty_log_clear(log, 12 * K4, 6 * K4), 0);
	/* unaligned bounds: straddling pages 10 and 19 are neither cleared
	 * nor counted; page 11 is wholly inside */
	assert_int_equal(uvf_dirty_log_clear(log, 10 * K4 + 1, 2 * K4), 1);
	assert_int_equal(uvf_dirty_log_clear(log, 18 * K4, K4 + 5), 1);	/* 18 */
	bm = report(log, 0, 576 * K4, K4);
	assert_int_equal(count_bits(bm, 576), 3);
	assert_true(bit(bm, 10));
	assert_true(bit(bm, 19));
	assert_true(bit(bm, 520));
	free(bm);

	/* across ranges and holes, and a length that wraps past 2^64 */
	uvf_dirty_log_mark(log, 0, 1ull << 40);
	assert_int_equal(uvf_dirty_log_clear(log, 100 * K4, ~0ull), 156 + 64);
	assert_int_equal(uvf_dirty_log_clear(log, 0, 576 * K4), 100);
	assert_all_zero(log, 0, 576 * K4, K4);
	uvf_dirty_log_destroy(log);
}

/* ---- differential test against a one-bool-per-page model ---------------- */

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic, per caller */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

#define SPACE_PAGES	2048ull		/* model space, in 4K units */

struct model {
	uint64_t base;		/* address of model page 0 */
	unsigned ls;		/* log page shift */
	bool logged[SPACE_PAGES];	/* per log page */
	bool dirty[SPACE_PAGES];
};

static uint64_t mpages(const struct model *m)
{
	return (SPACE_PAGES * K4) >> m->ls;
}

static void model_mark(struct model *m, uint64_t off, uint64_t len)
{
	uint64_t g, last = off + len - 1;

	for (g = off >> m->ls; g <= (last >> m->ls) && g < mpages(m); g++)
		if (m->logged[g])
			m->dirty[g] = true;
}

static void check_report(struct uvf_dirty_log *log, struct model *m,
			 uint64_t off, uint64_t len, unsigned rs)
{
	uint64_t ps = 1ull << rs, nbits = (len + ps - 1) / ps, k, g;
	uint64_t end = off + len;
	uint64_t *bm = report(log, m->base + off, len, ps);

	for (k = 0; k < nbits; k++) {
		uint64_t s = off + k * ps, e = s + ps < end ? s + ps : end;
		bool want = false;

		for (g = s >> m->ls; g <= (e - 1) >> m->ls && g < mpages(m); g++)
			want |= m->dirty[g];
		if (bit(bm, k) != want)
			fail_msg("ls %u report off %#llx len %#llx ps %#llx: bit %llu is %d",
				 m->ls, (unsigned long long)off,
				 (unsigned long long)len, (unsigned long long)ps,
				 (unsigned long long)k, bit(bm, k));
	}
	for (; k % 64; k++)
		assert_false(bit(bm, k));
	free(bm);
	/* pages wholly inside the request are cleared */
	for (g = 0; g < mpages(m); g++)
		if ((g << m->ls) >= off && ((g + 1) << m->ls) <= end)
			m->dirty[g] = false;
}

static uint64_t model_clear(struct model *m, uint64_t off, uint64_t len)
{
	uint64_t g, n = 0, end = off + len;

	for (g = 0; g < mpages(m); g++) {
		if ((g << m->ls) >= off && ((g + 1) << m->ls) <= end && m->dirty[g]) {
			m->dirty[g] = false;
			n++;
		}
	}
	return n;
}

static void run_differential(uint64_t base, unsigned ls, uint64_t seed)
{
	static struct model m;
	struct uvf_iova_range r[6];
	struct uvf_dirty_log *log;
	uint64_t s = seed, lps = 1ull << ls, np, at = 0, g;
	unsigned n = 0, i;
	int op;

	memset(&m, 0, sizeof(m));
	m.base = base;
	m.ls = ls;
	np = mpages(&m);
	/* up to 6 ranges with random holes, some touching */
	while (n < 6 && at < np) {
		uint64_t gap = rng_next(&s) % 3 == 0 ? 0 : rng_next(&s) % (np / 8);
		uint64_t len = 1 + rng_next(&s) % (np / 4);

		at += gap;
		if (at >= np)
			break;
		if (at + len > np)
			len = np - at;
		r[n].iova = base + (at << ls);
		r[n].length = len << ls;
		for (g = at; g < at + len; g++)
			m.logged[g] = true;
		at += len;
		n++;
	}
	/* hand them over in reverse order */
	for (i = 0; i < n / 2; i++) {
		struct uvf_iova_range t = r[i];

		r[i] = r[n - 1 - i];
		r[n - 1 - i] = t;
	}
	log = mklog(r, n, lps);

	for (op = 0; op < 1500; op++) {
		uint64_t space = SPACE_PAGES * K4;
		unsigned kind = (unsigned)(rng_next(&s) % 10);

		if (kind < 5) {
			uint64_t off = rng_next(&s) % space;
			uint64_t len = 1 + rng_next(&s) % (rng_next(&s) % 4 ? 8 * K4 : space / 4);

			if (off + len > space)
				len = space - off;
			uvf_dirty_log_mark(log, base + off, len);
			model_mark(&m, off, len);
		} else if (kind < 9) {
			static const unsigned shifts[] = { 12, 13, 14, 16, 18, 21 };
			unsigned rs = shifts[rng_next(&s) % 6];
			uint64_t ps = 1ull << rs;
			uint64_t off = (rng_next(&s) % space) & ~(ps - 1);
			uint64_t len;

			if (off >= space)
				continue;
			switch (rng_next(&s) % 3) {
			case 0:	/* aligned length */
				len = ps * (1 + rng_next(&s) % ((space - off) / ps + 1));
				break;
			case 1:	/* any length */
				len = 1 + rng_next(&s) % (space - off);
				break;
			default: /* the whole rest */
				len = space - off;
				break;
			}
			if (off + len > space)
				len = space - off;
			check_report(log, &m, off, len, rs);
		} else {
			uint64_t off = rng_next(&s) % space;
			uint64_t len = 1 + rng_next(&s) % (space - off);

			assert_int_equal(uvf_dirty_log_clear(log, base + off, len),
					 model_clear(&m, off, len));
		}
	}
	/* drain: whole space at the log's page size, then all clean */
	check_report(log, &m, 0, SPACE_PAGES * K4, ls);
	assert_all_zero(log, base, SPACE_PAGES * K4, lps);
	uvf_dirty_log_destroy(log);
}

static void test_differential_random(void **state)
{
	static const unsigned shifts[] = { 12, 14, 16 };
	uint64_t seed;
	unsigned i;

	(void)state;
	for (seed = 1; seed <= 12; seed++) {
		for (i = 0; i < 3; i++) {
			run_differential(0, shifts[i], seed * 7919 + i);
			/* near the top of the address space */
			run_differential(0ull - (1ull << 30), shifts[i], seed * 104729 + i);
		}
	}
}

/* ---- race: writers mark while REPORT runs (obligation 30) --------------- */

/*
 * Every page is marked exactly once, by the writer owning its block, so a
 * bit lost by a report is never re-set by a later mark and the final check
 * catches it; and since it is taken exactly once, no same-size report may
 * see it twice.  Writers walk their blocks in order, so marks keep hitting
 * the words the reports are exchanging.  Reports rotate through the aligned
 * fast path, the shifted path (split at an odd page) and coarser pages.
 */
#define RACE_PAGES	(1ull << 20)	/* 4 GiB at 4K, two ranges */
#define RACE_SPLIT	600001ull	/* range boundary, not on a word */
#define RACE_WRITERS	3
#define RACE_MIN_REPORTS 300
#define RACE_ROUNDS	8
#define COARSE		16		/* 64K report pages = 16 log pages */

static const uint64_t race_base = 0x100000000ull;
static uint8_t race_written[RACE_PAGES];
static uint8_t race_fine[RACE_PAGES];
static uint8_t race_coarse[RACE_PAGES / COARSE];

struct writer {
	pthread_t tid;
	struct uvf_dirty_log *log;
	atomic_int *done;
	uint64_t lo, hi;	/* pages owned */
	uint64_t seed;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t s = w->seed, p = w->lo;

	while (p < w->hi) {
		uint64_t n = 1 + rng_next(&s) % 3, a, e, q;

		if (p + n > w->hi)
			n = w->hi - p;
		/* [a, e] starts in page p and ends in page p + n - 1 */
		a = race_base + p * K4 + rng_next(&s) % K4;
		e = race_base + (p + n - 1) * K4 + K4 - 1;
		e -= rng_next(&s) % (e - a + 1 < K4 ? e - a + 1 : K4);
		/* record first: the mark comes after "the write" */
		for (q = p; q < p + n; q++)
			race_written[q] = 1;
		uvf_dirty_log_mark(w->log, a, e - a + 1);
		p += n;
	}
	atomic_fetch_add(w->done, 1);
	return NULL;
}

/* Fold a same-size report of pages [first, first + n) into race_fine. */
static uint64_t fold_fine(const uint64_t *bm, uint64_t first, uint64_t n)
{
	uint64_t i, seen = 0;

	for (i = 0; i < (n + 63) / 64; i++) {
		uint64_t v = bm[i];

		while (v) {
			uint64_t k = i * 64 + (uint64_t)__builtin_ctzll(v);

			v &= v - 1;
			assert_true(k < n);
			if (race_fine[first + k]++)
				fail_msg("page %llu reported twice",
					 (unsigned long long)(first + k));
			seen++;
		}
	}
	return seen;
}

static void race_round(uint64_t round)
{
	static struct writer wr[RACE_WRITERS];
	const uint64_t total = RACE_PAGES * K4;
	const struct uvf_iova_range ranges[] = {
		{ race_base + RACE_SPLIT * K4, (RACE_PAGES - RACE_SPLIT) * K4 },
		{ race_base, RACE_SPLIT * K4 },
	};
	struct uvf_dirty_log *log;
	atomic_int done = 0;
	size_t need = uvf_dirty_bitmap_bytes(total, K4);
	uint64_t *bm = malloc(need), p, i, split, seen = 0;
	int w, it;

	assert_non_null(bm);
	memset(race_written, 0, sizeof(race_written));
	memset(race_fine, 0, sizeof(race_fine));
	memset(race_coarse, 0, sizeof(race_coarse));
	log = mklog(ranges, 2, K4);
	for (w = 0; w < RACE_WRITERS; w++) {
		wr[w].log = log;
		wr[w].done = &done;
		wr[w].lo = RACE_PAGES * (uint64_t)w / RACE_WRITERS;
		wr[w].hi = RACE_PAGES * (uint64_t)(w + 1) / RACE_WRITERS;
		wr[w].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(w + 1) + round;
		assert_int_equal(pthread_create(&wr[w].tid, NULL, writer_main, &wr[w]), 0);
	}

	for (it = 0; it < RACE_MIN_REPORTS || atomic_load(&done) < RACE_WRITERS; it++) {
		switch (it % 3) {
		case 0:	/* whole, same page size: aligned fast path */
			assert_int_equal(uvf_dirty_log_report(log, race_base, total, K4, bm, need), 0);
			seen += fold_fine(bm, 0, RACE_PAGES);
			break;
		case 1:	/* two pieces split at an odd page: shifted path */
			split = 1 + ((uint64_t)it * 7919) % (RACE_PAGES - 1);
			assert_int_equal(uvf_dirty_log_report(log, race_base, split * K4, K4, bm, need), 0);
			seen += fold_fine(bm, 0, split);
			assert_int_equal(uvf_dirty_log_report(log, race_base + split * K4,
					 total - split * K4, K4, bm, need), 0);
			seen += fold_fine(bm, split, RACE_PAGES - split);
			break;
		default: /* coarser report pages: the OR path */
			assert_int_equal(uvf_dirty_log_report(log, race_base, total, K4 * COARSE, bm, need), 0);
			for (i = 0; i < RACE_PAGES / COARSE / 64; i++)
				for (p = 0; p < 64; p++)
					if ((bm[i] >> p) & 1)
						race_coarse[i * 64 + p] = 1, seen++;
			break;
		}
	}
	for (w = 0; w < RACE_WRITERS; w++)
		assert_int_equal(pthread_join(wr[w].tid, NULL), 0);
	/* the final report picks up whatever the last ones missed */
	assert_int_equal(uvf_dirty_log_report(log, race_base, total, K4, bm, need), 0);
	fold_fine(bm, 0, RACE_PAGES);
	assert_true(seen > 0);	/* the reports did run concurrently */

	for (p = 0; p < RACE_PAGES; p++) {
		/* no lost bits: every page was written, so every page shows
		 * up once in a same-size report or in a coarse one */
		if (!race_written[p])
			fail_msg("writer skipped page %llu", (unsigned long long)p);
		if (!race_fine[p] && !race_coarse[p / COARSE])
			fail_msg("page %llu written but never reported",
				 (unsigned long long)p);
	}
	assert_all_zero(log, race_base, total, K4);
	free(bm);
	uvf_dirty_log_destroy(log);
}

static void test_race_no_lost_bits(void **state)
{
	uint64_t round;

	(void)state;
	for (round = 0; round < RACE_ROUNDS; round++)
		race_round(round);
}

/* A second START after STOP works (obligation 31, the log's part). */
static void test_restart(void **state)
{
	struct uvf_iova_range r = { 0, 64 * K4 };
	struct uvf_dirty_log *log = mklog(&r, 1, K4);
	uint64_t *bm;

	(void)state;
	uvf_dirty_log_mark(log, 0, 64 * K4);
	uvf_dirty_log_destroy(log);
	log = mklog(&r, 1, K4);		/* fresh log is clean */
	assert_all_zero(log, 0, 64 * K4, K4);
	uvf_dirty_log_mark(log, K4, 1);
	bm = report(log, 0, 64 * K4, K4);
	assert_int_equal(bm[0], 2);
	free(bm);
	uvf_dirty_log_destroy(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_validation),
		cmocka_unit_test(test_bitmap_bytes),
		cmocka_unit_test(test_mark_sets_covering_bits),
		cmocka_unit_test(test_report_clears),
		cmocka_unit_test(test_subrange_and_odd_length),
		cmocka_unit_test(test_multiple_ranges_and_holes),
		cmocka_unit_test(test_coarser_report_ors),
		cmocka_unit_test(test_finer_report_replicates),
		cmocka_unit_test(test_report_errors),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_differential_random),
		cmocka_unit_test(test_race_no_lost_bits),
		cmocka_unit_test(test_restart),
	};

	return cmocka_run_group_tests_name("migration-dirty", tests, NULL, NULL);
}
