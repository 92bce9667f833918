/* SPDX-License-Identifier: MIT */
/*
 * bench_dirty.c - cost of a DMA_LOGGING_REPORT against its floor.
 *
 * The kernel hands drivers REPORT windows of at most 2 MiB of bitmap, i.e.
 * 64 GiB of IOVA at 4 KiB pages; that is the case measured.  The floor is
 * a memcpy of the same 2 MiB in the same run: a report has to read the
 * log and write the bitmap, so it cannot beat that by much, and for a
 * mostly clean log it should stay within ~2x of it.  With dirty words the
 * cost is one locked exchange per non-zero log word (1% of pages dirty at
 * random leaves about 47% of the words non-zero), which no memcpy pays.
 *
 * Usage: bench-dirty [repetitions]   (default 51)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dirty.h"
#include "../common/bench.h"

#define GIB		(1ull << 30)
#define PAGE		4096ull
#define RANGE_LEN	(64 * GIB)
#define RANGE_IOVA	(1ull << 40)
#define NPAGES		(RANGE_LEN / PAGE)

struct stats {
	uint64_t min, median;
};

static struct stats summarize(uint64_t *v, int n)
{
	struct stats s;

	qsort(v, (size_t)n, sizeof(v[0]), cmp_u64);
	s.min = v[0];
	s.median = v[n / 2];
	return s;
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* The floor: memcpy of `bytes`, with the buffers kept observable so the
 * copy cannot be elided. */
static uint64_t time_memcpy(void *dst, const void *src, size_t bytes)
{
	uint64_t t0 = now_ns();

	memcpy(dst, src, bytes);
	__asm__ volatile("" : : "r"(dst) : "memory");
	return now_ns() - t0;
}

struct result {
	const char *name;
	const char *what;
	struct stats rep, floor;
	uint64_t bits;
};

static int run(struct result *res, struct uvf_dirty_log *log, int reps,
	       uint64_t iova, uint64_t len, uint64_t ps,
	       const uint64_t *dirty, size_t ndirty)
{
	size_t bytes = uvf_dirty_bitmap_bytes(len, ps);
	/* The floor copies what the report must at least read: the log's
	 * own bitmap for the range (for a coarse report that is much more
	 * than the bitmap it writes). */
	size_t fbytes = uvf_dirty_bitmap_bytes(len, PAGE);
	uint64_t *bm = aligned_alloc(64, bytes), *src = aligned_alloc(64, fbytes);
	uint64_t *dst = aligned_alloc(64, fbytes);
	uint64_t *tr = calloc((size_t)reps, sizeof(uint64_t));
	uint64_t *tf = calloc((size_t)reps, sizeof(uint64_t));
	int i, ret = 0;
	size_t k, w;

	if (!bm || !src || !dst || !tr || !tf) {
		ret = -ENOMEM;
		goto out;
	}
	memset(src, 0x5a, fbytes);
	memset(dst, 0, fbytes);
	memset(bm, 0, bytes);
	res->bits = 0;

	for (i = -2; i < reps; i++) {	/* two warm-up rounds */
		uint64_t t;

		for (k = 0; k < ndirty; k++)
			uvf_dirty_log_mark(log, dirty[k], 1);
		t = now_ns();
		ret = uvf_dirty_log_report(log, iova, len, ps, bm, bytes);
		t = now_ns() - t;
		if (ret)
			goto out;
		if (i >= 0) {
			tr[i] = t;
			tf[i] = time_memcpy(dst, src, fbytes);
		}
	}
	for (w = 0; w < bytes / 8; w++)
		res->bits += (uint64_t)__builtin_popcountll(bm[w]);
	res->rep = summarize(tr, reps);
	res->floor = summarize(tf, reps);
out:
	free(bm);
	free(src);
	free(dst);
	free(tr);
	free(tf);
	return ret;
}

int main(int argc, char **argv)
{
	struct uvf_iova_range r = { RANGE_IOVA, RANGE_LEN };
	struct uvf_dirty_log *log;
	struct result res[4];
	int reps = argc > 1 ? atoi(argv[1]) : 51, n = 0, i, ret;
	size_t ndirty = NPAGES / 100, k;
	uint64_t *dirty, seed = 0x1234567;

	if (reps < 1)
		reps = 1;
	ret = uvf_dirty_log_create(&r, 1, PAGE, 4u << 20, &log);
	if (ret) {
		fprintf(stderr, "bench-dirty: create: %s\n", strerror(-ret));
		return 1;
	}
	/* Back every log word with real memory first (a calloc'd log reads
	 * the shared zero page until written, which would flatter "clean"). */
	uvf_dirty_log_mark(log, RANGE_IOVA, RANGE_LEN);
	uvf_dirty_log_clear(log, RANGE_IOVA, RANGE_LEN);

	dirty = malloc(ndirty * sizeof(*dirty));
	if (!dirty)
		return 1;
	for (k = 0; k < ndirty; k++)
		dirty[k] = RANGE_IOVA + (rng(&seed) % NPAGES) * PAGE;

	res[n] = (struct result){ .name = "dirty_report_64g", .what = "64 GiB @4K, clean" };
	ret = run(&res[n++], log, reps, RANGE_IOVA, RANGE_LEN, PAGE, NULL, 0);
	if (!ret) {
		res[n] = (struct result){ .name = "dirty_report_64g_1pct", .what = "64 GiB @4K, 1% dirty" };
		ret = run(&res[n++], log, reps, RANGE_IOVA, RANGE_LEN, PAGE, dirty, ndirty);
	}
	if (!ret) {
		/* same size, report starting 7 pages in: the shifted path */
		res[n] = (struct result){ .name = "dirty_report_64g_shifted", .what = "64 GiB @4K, +7 pages, clean" };
		ret = run(&res[n++], log, reps, RANGE_IOVA + 7 * PAGE,
			  RANGE_LEN - 7 * PAGE, PAGE, NULL, 0);
	}
	if (!ret) {
		/* 2 MiB report pages over the 4 KiB log: the OR path */
		res[n] = (struct result){ .name = "dirty_report_64g_2m", .what = "64 GiB @2M over 4K log, 1% dirty" };
		ret = run(&res[n++], log, reps, RANGE_IOVA, RANGE_LEN, 2u << 20, dirty, ndirty);
	}
	if (ret) {
		fprintf(stderr, "bench-dirty: report: %s\n", strerror(-ret));
		return 1;
	}

	printf("%-26s %-34s %10s %10s %10s %10s %6s %9s\n", "bench", "case",
	       "min_ns", "median_ns", "memcpy_min", "memcpy_med", "ratio",
	       "bits");
	for (i = 0; i < n; i++)
		printf("%-26s %-34s %10llu %10llu %10llu %10llu %6.2f %9llu\n",
		       res[i].name, res[i].what,
		       (unsigned long long)res[i].rep.min,
		       (unsigned long long)res[i].rep.median,
		       (unsigned long long)res[i].floor.min,
		       (unsigned long long)res[i].floor.median,
		       (double)res[i].rep.median / (double)res[i].floor.median,
		       (unsigned long long)res[i].bits);
	for (i = 0; i < n; i++)
		printf("{\"bench\":\"%s\",\"reps\":%d,\"min_ns\":%llu,\"median_ns\":%llu,"
		       "\"floor_memcpy_ns\":%llu,\"ratio\":%.3f}\n",
		       res[i].name, reps,
		       (unsigned long long)res[i].rep.min,
		       (unsigned long long)res[i].rep.median,
		       (unsigned long long)res[i].floor.median,
		       (double)res[i].rep.median / (double)res[i].floor.median);
	free(dirty);
	uvf_dirty_log_destroy(log);
	return 0;
}
