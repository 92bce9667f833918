/* SPDX-License-Identifier: MIT */
/*
 * test_memstream.c - the device-memory migration stream (migration/
 * memstream.c) against migration.md §6 and obligations 19-21, 23 of §11:
 * round trips under any chunking, pre-copy rounds that end with the exact
 * final contents, PRECOPY_INFO counters, size estimates, and images that
 * are truncated, corrupted, foreign or of another version failing at write
 * or finish with the target memory untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "migration/memstream.h"
#include "testutil.h"

#define PG	UVF_MEMSTREAM_PAGE_SIZE
#define DEV_ID	0x74736574u	/* "test" */
#define OTHER_ID 0x72656874u

static int fds_at_start;

static int setup(void **state)
{
	(void)state;
	fds_at_start = uvf_test_count_fds();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(uvf_test_count_fds(), fds_at_start);
	return 0;
}

/* ---- helpers ----------------------------------------------------------------- */

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng(&s) >> 32);
}

static uint8_t *xalloc(size_t n)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	return p;
}

struct image {
	uint8_t *data;
	size_t len, cap;
};

static void image_put(struct image *im, const void *p, size_t n)
{
	if (im->len + n > im->cap) {
		im->cap = (im->len + n) * 2;
		im->data = realloc(im->data, im->cap);
		assert_non_null(im->data);
	}
	memcpy(im->data + im->len, p, n);
	im->len += n;
}

/* Tests registered twice: the second time every read goes through
 * read_ref(), whose stream must be byte for byte the same. */
static bool by_ref;
static size_t ref_bytes;	/* bytes that came by reference */

static int setup_ref(void **state)
{
	by_ref = true;
	ref_bytes = 0;
	return setup(state);
}

static int teardown_ref(void **state)
{
	by_ref = false;
	return teardown(state);
}

static long saver_read(struct uvf_memstream_saver *s, uint8_t *buf, size_t len)
{
	const void *ref = (const void *)1;
	size_t ref_len = 1;
	long n;

	if (!by_ref)
		return uvf_memstream_saver_read(s, buf, len);
	n = uvf_memstream_saver_read_ref(s, buf, len, &ref, &ref_len);
	if (n < 0) {
		assert_null(ref);
		return n;
	}
	assert_true(ref_len <= (size_t)n);
	assert_true(ref_len == 0 || ref_len >= 64 * 1024);
	assert_true((ref == NULL) == (ref_len == 0));
	if (ref_len)
		memcpy(buf + (size_t)n - ref_len, ref, ref_len);
	ref_bytes += ref_len;
	return n;
}

/* Read chunk sizes cycle through `sizes` (0-terminated). */
static size_t drain(struct uvf_memstream_saver *s, struct image *im, const size_t *sizes)
{
	static uint8_t buf[1 << 20];
	size_t total = 0;
	unsigned k = 0;

	for (;;) {
		size_t want = sizes[k];
		long n;

		assert_true(want <= sizeof(buf));
		k = sizes[k + 1] ? k + 1 : 0;
		n = saver_read(s, buf, want);
		assert_true(n >= 0);
		if (n == 0)
			break;
		assert_true((size_t)n <= want);
		image_put(im, buf, (size_t)n);
		total += (size_t)n;
	}
	return total;
}

static const size_t big_reads[] = { 1 << 20, 0 };
static const size_t odd_reads[] = { 1, 7, 4093, 16, 65537, 3, 4096, 0 };
static const size_t byte_reads[] = { 1, 0 };

/* A complete STOP_COPY-only image of mem. */
static struct image save_image(const uint8_t *mem, size_t size, const void *blob, size_t blen)
{
	struct uvf_memstream_saver *s;
	struct image im = { 0 };

	assert_int_equal(uvf_memstream_saver_create(mem, size, DEV_ID, false, &s), 0);
	assert_int_equal(uvf_memstream_saver_final(s, blob, blen), 0);
	drain(s, &im, big_reads);
	uvf_memstream_saver_destroy(s);
	return im;
}

/* Feed an image to a loader with write sizes cycling through `sizes`;
 * returns the first error (and the offset it happened at). */
static int feed(struct uvf_memstream_loader *l, const uint8_t *p, size_t len, const size_t *sizes,
		size_t *err_at)
{
	size_t at = 0;
	unsigned k = 0;

	while (at < len) {
		size_t n = sizes[k] < len - at ? sizes[k] : len - at;
		int r;

		k = sizes[k + 1] ? k + 1 : 0;
		r = uvf_memstream_loader_write(l, p + at, n);
		if (r) {
			if (err_at)
				*err_at = at;
			return r;
		}
		at += n;
	}
	return 0;
}

/* Load an image into dst; returns the write or finish error.  On success
 * the blob must equal exp_blob. */
static int load(uint8_t *dst, size_t size, const uint8_t *img, size_t len, const size_t *sizes,
		const void *exp_blob, size_t exp_len)
{
	struct uvf_memstream_loader *l;
	const void *blob = NULL;
	size_t blen = 0;
	int r;

	assert_int_equal(uvf_memstream_loader_create(dst, size, DEV_ID, 4096, &l), 0);
	r = feed(l, img, len, sizes, NULL);
	if (!r)
		r = uvf_memstream_loader_finish(l, NULL, NULL, &blob, &blen);
	if (!r) {
		assert_int_equal(blen, exp_len);
		if (exp_len)
			assert_memory_equal(blob, exp_blob, exp_len);
	}
	uvf_memstream_loader_destroy(l);
	return r;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Hand-made streams: header, records, END with a correct checksum. */
static void craft_header(struct image *im, uint32_t version, uint32_t dev_id, uint64_t size)
{
	uint8_t h[UVF_MEMSTREAM_HDR_SIZE] = { 0 };

	memcpy(h, "UVFMSTRM", 8);
	put32(h + 8, version);
	put32(h + 12, UVF_MEMSTREAM_HDR_SIZE);
	put32(h + 16, dev_id);
	put32(h + 20, PG);
	put64(h + 24, size);
	image_put(im, h, sizeof(h));
}

static void craft_rec(struct image *im, uint32_t type, uint32_t count, uint64_t arg)
{
	uint8_t r[UVF_MEMSTREAM_REC_SIZE];

	put32(r, type);
	put32(r + 4, count);
	put64(r + 8, arg);
	image_put(im, r, sizeof(r));
}

static void craft_end(struct image *im)
{
	struct uvf_mshash h;
	uint8_t r[UVF_MEMSTREAM_REC_SIZE];

	put32(r, 3);
	put32(r + 4, 0);
	assert_int_equal(uvf_mshash_init(&h), 0);
	uvf_mshash_update(&h, im->data, im->len);
	uvf_mshash_update(&h, r, 8);
	put64(r + 8, uvf_mshash_digest(&h));
	uvf_mshash_free(&h);
	image_put(im, r, sizeof(r));
}

/* ---- checksum ---------------------------------------------------------------- */

/* The streaming checksum equals libxxhash's one-shot XXH3-64 whatever the
 * chunking (the loader sees arbitrary write sizes). */
static void test_hash_streaming_equals_oneshot(void **state)
{
	static const size_t lens[] = { 0, 1, 3, 8, 31, 64, 240, 241, 1000, 4096, 100003 };
	uint8_t *b = xalloc(100003);
	uint64_t g = 2654435761u;

	(void)state;
	for (size_t i = 0; i < 100003; i++) {
		b[i] = (uint8_t)(g >> 56);
		g *= 0x9E3779B185EBCA8Dull;
	}
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct uvf_mshash one, chunked;
		size_t at = 0, step = 1;

		assert_int_equal(uvf_mshash_init(&one), 0);
		uvf_mshash_update(&one, b, lens[i]);
		assert_int_equal(uvf_mshash_digest(&one), XXH3_64bits(b, lens[i]));
		uvf_mshash_free(&one);
		assert_int_equal(uvf_mshash_init(&chunked), 0);
		while (at < lens[i]) {
			size_t n = step < lens[i] - at ? step : lens[i] - at;

			uvf_mshash_update(&chunked, b + at, n);
			at += n;
			step = step * 7 % 61 + 1;
		}
		assert_int_equal(uvf_mshash_digest(&chunked), XXH3_64bits(b, lens[i]));
		uvf_mshash_free(&chunked);
	}
	free(b);
}

/* ---- geometry and API misuse --------------------------------------------------- */

static void test_create_checks(void **state)
{
	struct uvf_memstream_saver *s = NULL;
	struct uvf_memstream_loader *l = NULL;
	uint8_t *mem = xalloc(4 * PG), buf[64];

	(void)state;
	assert_int_equal(uvf_memstream_saver_create(mem, 0, DEV_ID, false, &s), -EINVAL);
	assert_int_equal(uvf_memstream_saver_create(mem, PG + 1, DEV_ID, false, &s), -EINVAL);
	assert_int_equal(uvf_memstream_saver_create(NULL, PG, DEV_ID, false, &s), -EINVAL);
	assert_int_equal(uvf_memstream_loader_create(mem, 100, DEV_ID, 16, &l), -EINVAL);
	assert_int_equal(uvf_memstream_loader_create(mem, PG, DEV_ID, UVF_MEMSTREAM_BLOB_MAX + 1,
						     &l), -EINVAL);
	assert_null(s);
	assert_null(l);

	/* Without pre-copy the image only exists once the device stopped. */
	assert_int_equal(uvf_memstream_saver_create(mem, 4 * PG, DEV_ID, false, &s), 0);
	assert_int_equal(uvf_memstream_saver_read(s, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(uvf_memstream_saver_final(s, buf, UVF_MEMSTREAM_BLOB_MAX + 1), -E2BIG);
	assert_int_equal(uvf_memstream_saver_final(s, buf, 8), 0);
	assert_int_equal(uvf_memstream_saver_final(s, buf, 8), -EALREADY);
	assert_int_equal(uvf_memstream_saver_read(s, buf, sizeof(buf)), (long)sizeof(buf));
	uvf_memstream_saver_destroy(s);
	uvf_memstream_saver_destroy(NULL);
	uvf_memstream_loader_destroy(NULL);
	free(mem);
}

/* ---- round trips ----------------------------------------------------------------- */

static void roundtrip(size_t npages, const size_t *reads, const size_t *writes)
{
	size_t size = npages * PG;
	uint8_t *src = xalloc(size), *dst = xalloc(size), blob[40];
	struct uvf_memstream_saver *s;
	struct image im = { 0 };
	uint8_t zero[16];
	uint64_t est;

	fill_random(src, size, npages);
	memset(dst, 0xee, size);
	fill_random(blob, sizeof(blob), 99);
	assert_int_equal(uvf_memstream_saver_create(src, size, DEV_ID, false, &s), 0);
	assert_int_equal(uvf_memstream_saver_final(s, blob, sizeof(blob)), 0);
	est = uvf_memstream_saver_size(s, 0);
	drain(s, &im, reads);
	/* The exact size is known up front for a frozen memory. */
	assert_int_equal(im.len, est);
	assert_int_equal(im.len, uvf_memstream_full_size(size, sizeof(blob)));
	assert_int_equal(uvf_memstream_saver_size(s, 0), 0);
	/* EOF is permanent. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(uvf_memstream_saver_read(s, zero, sizeof(zero)), 0);
	uvf_memstream_saver_destroy(s);

	assert_int_equal(load(dst, size, im.data, im.len, writes, blob, sizeof(blob)), 0);
	assert_memory_equal(dst, src, size);
	free(im.data);
	free(src);
	free(dst);
}

static void test_roundtrip_rechunked(void **state)
{
	static const size_t one_big[] = { SIZE_MAX, 0 };

	(void)state;
	/* 1 page, a run boundary, one past it, and odd sizes, byte-wise. */
	roundtrip(1, big_reads, one_big);
	roundtrip(UVF_MEMSTREAM_MAX_RUN, odd_reads, big_reads);
	roundtrip(UVF_MEMSTREAM_MAX_RUN + 1, big_reads, odd_reads);
	roundtrip(257, byte_reads, big_reads);
	roundtrip(257, big_reads, byte_reads);
	roundtrip(257, odd_reads, one_big);
	roundtrip(3, byte_reads, byte_reads);
}

/* ---- pre-copy ---------------------------------------------------------------------- */

struct pc {
	uint8_t *mem, *dst;
	size_t size;
	struct uvf_memstream_saver *s;
	struct image im;
	uint64_t last_initial;
};

static void pc_open(struct pc *p, size_t npages, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->size = npages * PG;
	p->mem = xalloc(p->size);
	p->dst = xalloc(p->size);
	fill_random(p->mem, p->size, seed);
	memset(p->dst, 0x5a, p->size);
	assert_int_equal(uvf_memstream_saver_create(p->mem, p->size, DEV_ID, true, &p->s), 0);
	p->last_initial = UINT64_MAX;
}

static void pc_info(struct pc *p, uint64_t *initial, uint64_t *dirty)
{
	uvf_memstream_saver_precopy_info(p->s, initial, dirty);
	/* initial_bytes never goes up. */
	assert_true(*initial <= p->last_initial);
	p->last_initial = *initial;
}

/* Read one chunk; returns its size. */
static long pc_read(struct pc *p, size_t want)
{
	static uint8_t buf[1 << 20];
	uint64_t i, d;
	long n;

	assert_true(want <= sizeof(buf));
	n = saver_read(p->s, buf, want);
	assert_true(n >= 0);
	image_put(&p->im, buf, (size_t)n);
	pc_info(p, &i, &d);
	return n;
}

/* Read until the temporary end of a round; returns the bytes. */
static size_t pc_round(struct pc *p, size_t want)
{
	size_t total = 0;
	long n;

	while ((n = pc_read(p, want)) > 0)
		total += (size_t)n;
	return total;
}

/* final(), read the tail, load everything, compare with the memory. */
static void pc_finish(struct pc *p, const size_t *writes)
{
	static const uint8_t blob[] = "registers";
	size_t before = p->im.len;
	uint64_t est, i, d;

	/* Let the bounded compares of PRECOPY_INFO see every change, as a
	 * user polling it would, so the estimate knows about them. */
	for (int k = 0; k < 4; k++)
		pc_info(p, &i, &d);
	est = uvf_memstream_saver_size(p->s, sizeof(blob));

	assert_int_equal(uvf_memstream_saver_final(p->s, blob, sizeof(blob)), 0);
	drain(p->s, &p->im, odd_reads);
	/* MIG_DATA_SIZE's promise: >= the stop-copy bytes of an idle device. */
	assert_true(p->im.len - before <= est);
	uvf_memstream_saver_destroy(p->s);
	assert_int_equal(load(p->dst, p->size, p->im.data, p->im.len, writes, blob, sizeof(blob)),
			 0);
	assert_memory_equal(p->dst, p->mem, p->size);
	free(p->im.data);
	free(p->mem);
	free(p->dst);
}

static void test_precopy_rounds(void **state)
{
	size_t npages = 300;
	uint64_t seed = 7, initial, dirty;
	struct pc p;

	(void)state;
	pc_open(&p, npages, 1);
	pc_info(&p, &initial, &dirty);
	assert_int_equal(initial, UVF_MEMSTREAM_HDR_SIZE + npages * PG);
	assert_int_equal(dirty, 0);

	/* Initial pass; change pages already sent while it runs. */
	pc_read(&p, 10 * PG);
	p.mem[0] ^= 1;
	p.mem[PG + 5] ^= 1;
	pc_round(&p, 65536);
	pc_info(&p, &initial, &dirty);
	assert_int_equal(initial, 0);

	for (int round = 0; round < 5; round++) {
		size_t sent;

		/* Some pages change between rounds, first and last included. */
		for (int k = 0; k < 20; k++) {
			size_t off = (size_t)(rng(&seed) % (npages * PG));

			p.mem[off]++;
		}
		p.mem[0]++;
		p.mem[npages * PG - 1]++;
		sent = pc_round(&p, round % 2 ? 4093 : 1 << 20);
		assert_true(sent >= 2 * PG);	/* at least the first and last page */
		pc_info(&p, &initial, &dirty);
		assert_int_equal(initial + dirty, 0);
	}
	pc_finish(&p, odd_reads);
}

/* A page changes while it is half sent: the shadow holds what was sent, so
 * the page is sent again. */
static void test_precopy_torn_page(void **state)
{
	uint64_t initial, dirty;
	struct pc p;

	(void)state;
	pc_open(&p, 4, 2);
	pc_round(&p, 1 << 20);
	p.mem[2 * PG] ^= 0xff;
	/* head of the re-send record plus half of page 2 */
	assert_int_equal(pc_read(&p, UVF_MEMSTREAM_REC_SIZE + PG / 2),
			 UVF_MEMSTREAM_REC_SIZE + PG / 2);
	p.mem[2 * PG + 10] ^= 0xff;		/* already sent half */
	p.mem[2 * PG + PG - 1] ^= 0xff;	/* not yet sent half */
	assert_int_equal(pc_read(&p, PG / 2), PG / 2);
	pc_info(&p, &initial, &dirty);
	assert_int_equal(dirty, PG);	/* found again by the next compare */
	pc_round(&p, 1 << 20);
	pc_info(&p, &initial, &dirty);
	assert_int_equal(initial + dirty, 0);
	pc_finish(&p, byte_reads);
}

/* final() while the initial pass is half done, and again while a delta
 * record is half sent: the stream is still complete and exact. */
static void test_precopy_final_midway(void **state)
{
	struct pc p;

	(void)state;
	pc_open(&p, 600, 3);
	pc_read(&p, 100 * PG + 17);
	p.mem[5] ^= 1;			/* sent page changes before the stop */
	p.mem[599 * PG] ^= 1;		/* not yet sent page changes too */
	pc_finish(&p, big_reads);

	pc_open(&p, 600, 4);
	pc_round(&p, 1 << 20);
	for (size_t i = 0; i < 600; i += 3)
		p.mem[i * PG + i] ^= 1;
	pc_read(&p, 50 * PG + 3);	/* in the middle of the delta pass */
	p.mem[1] ^= 1;			/* behind the cursor */
	p.mem[599 * PG + 1] ^= 1;	/* ahead of it */
	pc_finish(&p, odd_reads);

	/* final() before anything was read */
	pc_open(&p, 3, 5);
	pc_finish(&p, byte_reads);
}

/* PRECOPY_INFO: initial starts at header + memory and only decreases;
 * dirty follows changes and drains; both reach 0 when idle and read. */
static void test_precopy_info(void **state)
{
	uint64_t initial, dirty, prev;
	struct pc p;
	size_t npages = 4096;	/* 16 MiB: more than one info call compares */

	(void)state;
	pc_open(&p, npages, 6);
	pc_info(&p, &initial, &dirty);
	prev = initial;
	assert_int_equal(initial, UVF_MEMSTREAM_HDR_SIZE + npages * PG);
	for (int i = 0; i < 100; i++) {
		pc_read(&p, 4093);
		pc_info(&p, &initial, &dirty);
		assert_true(initial < prev);
		prev = initial;
	}
	pc_round(&p, 1 << 20);
	pc_info(&p, &initial, &dirty);
	assert_int_equal(initial, 0);
	assert_int_equal(dirty, 0);

	/* Three changed pages at both ends of the memory: each info call
	 * compares a bounded window, so they show up within a few calls. */
	p.mem[0] ^= 1;
	p.mem[2048 * PG] ^= 1;
	p.mem[(npages - 1) * PG + 100] ^= 1;
	dirty = 0;
	for (int i = 0; i < 3 && dirty < 3 * PG; i++)
		pc_info(&p, &initial, &dirty);
	assert_int_equal(dirty, 3 * PG);
	/* Dirty bytes drain as the record goes out. */
	pc_read(&p, UVF_MEMSTREAM_REC_SIZE + 100);
	pc_info(&p, &initial, &dirty);
	assert_true(dirty < 3 * PG && dirty > 0);
	pc_round(&p, 1 << 20);
	pc_info(&p, &initial, &dirty);
	assert_int_equal(initial + dirty, 0);
	/* Idle and all read: the temporary end, over and over. */
	assert_int_equal(pc_read(&p, 4096), 0);
	assert_int_equal(pc_read(&p, 4096), 0);
	pc_finish(&p, big_reads);
}

/* A pre-copy read compares at most 64 MiB before it answers "nothing now";
 * the pass goes on at the next read. */
static void test_precopy_scan_budget(void **state)
{
	const size_t npages = 20480, size = npages * PG;	/* 80 MiB */
	uint8_t *mem = xalloc(size), *buf = xalloc(1 << 20);
	struct uvf_memstream_saver *s;
	uint64_t initial, dirty;
	long n;

	(void)state;
	memset(mem, 0x11, size);
	assert_int_equal(uvf_memstream_saver_create(mem, size, DEV_ID, true, &s), 0);
	while ((n = saver_read(s, buf, 1 << 20)) > 0)
		;
	assert_int_equal(n, 0);
	mem[size - 1] ^= 1;
	/* 16384 pages compared, the change is beyond them. */
	assert_int_equal(uvf_memstream_saver_read(s, buf, 1 << 20), 0);
	assert_int_equal(uvf_memstream_saver_read(s, buf, 1 << 20),
			 UVF_MEMSTREAM_REC_SIZE + PG);
	assert_memory_equal(buf + UVF_MEMSTREAM_REC_SIZE, mem + size - PG, PG);
	assert_int_equal(uvf_memstream_saver_read(s, buf, 1 << 20), 0);
	uvf_memstream_saver_precopy_info(s, &initial, &dirty);
	assert_int_equal(initial + dirty, 0);
	uvf_memstream_saver_destroy(s);
	free(buf);
	free(mem);
}

/* MIG_DATA_SIZE: >= the real stop-copy size for an idle device, in every
 * phase. */
static void test_size_estimate(void **state)
{
	struct pc p;
	uint64_t est, initial, dirty;

	(void)state;
	/* STOP_COPY only: exact before and while reading. */
	assert_int_equal(uvf_memstream_full_size(PG, 0),
			 UVF_MEMSTREAM_HDR_SIZE + 3 * UVF_MEMSTREAM_REC_SIZE + PG);

	/* Pre-copy, half-way through the initial pass. */
	pc_open(&p, 700, 8);
	pc_read(&p, 200 * PG + 5);
	pc_finish(&p, big_reads);

	/* Converged pre-copy: only the blob and END are left. */
	pc_open(&p, 20, 9);
	pc_round(&p, 1 << 20);
	est = uvf_memstream_saver_size(p.s, 10);
	assert_int_equal(est, UVF_MEMSTREAM_REC_SIZE + 10 + UVF_MEMSTREAM_REC_SIZE);
	p.mem[3] ^= 1;
	p.mem[PG * 7] ^= 1;
	pc_info(&p, &initial, &dirty);
	assert_int_equal(dirty, 2 * PG);
	assert_true(uvf_memstream_saver_size(p.s, 10) >= 2 * (PG + UVF_MEMSTREAM_REC_SIZE));
	pc_finish(&p, big_reads);
}

/* ---- bad images -------------------------------------------------------------------- */

struct bad {
	size_t size;
	uint8_t *src, *dst, *orig;
	struct image im;
};

static void bad_open(struct bad *b, size_t npages)
{
	static const uint8_t blob[] = "blob!";

	b->size = npages * PG;
	b->src = xalloc(b->size);
	b->dst = xalloc(b->size);
	b->orig = xalloc(b->size);
	fill_random(b->src, b->size, 11);
	fill_random(b->orig, b->size, 12);
	memcpy(b->dst, b->orig, b->size);
	b->im = save_image(b->src, b->size, blob, sizeof(blob));
}

static void bad_close(struct bad *b)
{
	free(b->im.data);
	free(b->src);
	free(b->dst);
	free(b->orig);
}

/* Load img; it must fail, and dst must not have changed. */
static int load_bad(struct bad *b, const uint8_t *img, size_t len, const size_t *writes)
{
	int r = load(b->dst, b->size, img, len, writes, NULL, 0);

	assert_int_not_equal(r, 0);
	assert_memory_equal(b->dst, b->orig, b->size);
	return r;
}

static void test_truncated(void **state)
{
	struct bad b;
	uint64_t s = 5;

	(void)state;
	bad_open(&b, 3);
	/* Every prefix fails at finish, never at write. */
	for (size_t len = 0; len < b.im.len; len++) {
		if (len > 200 && len < b.im.len - 200 && rng(&s) % 64)
			continue;
		assert_int_equal(load_bad(&b, b.im.data, len, big_reads), -ENODATA);
	}
	bad_close(&b);
}

static void test_corrupted(void **state)
{
	const size_t npages = 8;
	struct bad b;
	size_t hdr_end, tail;

	(void)state;
	bad_open(&b, npages);
	hdr_end = UVF_MEMSTREAM_HDR_SIZE + UVF_MEMSTREAM_REC_SIZE;
	tail = b.im.len - (3 * UVF_MEMSTREAM_REC_SIZE + 6);	/* blob, END */
	for (size_t i = 0; i < b.im.len; i++) {
		uint8_t *img;
		int r;

		/* every header, record and tail byte; every 97th payload byte */
		if (i >= hdr_end && i < tail && (i - hdr_end) % 97)
			continue;
		for (int bit = 0; bit < 8; bit += (i < hdr_end || i >= tail) ? 1 : 7) {
			img = xalloc(b.im.len);
			memcpy(img, b.im.data, b.im.len);
			img[i] ^= (uint8_t)(1u << bit);
			r = load_bad(&b, img, b.im.len, i % 2 ? odd_reads : big_reads);
			assert_true(r == -EINVAL || r == -EBADMSG || r == -ENODATA || r == -E2BIG);
			free(img);
		}
	}
	bad_close(&b);
}

/* The header is judged the moment its last byte arrives. */
static void header_fails_at_write(struct bad *b, size_t field, uint32_t value)
{
	struct uvf_memstream_loader *l;
	uint8_t *img = xalloc(b->im.len);
	size_t at = SIZE_MAX;

	memcpy(img, b->im.data, b->im.len);
	put32(img + field, value);
	assert_int_equal(uvf_memstream_loader_create(b->dst, b->size, DEV_ID, 64, &l), 0);
	assert_int_equal(feed(l, img, b->im.len, byte_reads, &at), -EINVAL);
	assert_int_equal(at, UVF_MEMSTREAM_HDR_SIZE - 1);
	/* sticky */
	assert_int_equal(uvf_memstream_loader_write(l, img, 1), -EINVAL);
	assert_int_equal(uvf_memstream_loader_finish(l, NULL, NULL, NULL, NULL), -EINVAL);
	uvf_memstream_loader_destroy(l);
	assert_memory_equal(b->dst, b->orig, b->size);
	free(img);
}

static void test_foreign_and_version(void **state)
{
	struct uvf_memstream_loader *l;
	struct bad b;
	size_t at = 0;

	(void)state;
	bad_open(&b, 2);
	header_fails_at_write(&b, 0, 0x464c457f);			/* foreign magic */
	header_fails_at_write(&b, 4, 0x00000000);			/* magic, 2nd half */
	header_fails_at_write(&b, 8, UVF_MEMSTREAM_VERSION + 1);	/* version */
	header_fails_at_write(&b, 8, 0);
	header_fails_at_write(&b, 12, UVF_MEMSTREAM_HDR_SIZE + 8);	/* header size */
	header_fails_at_write(&b, 16, OTHER_ID);			/* device */
	header_fails_at_write(&b, 20, 8192);				/* page size */
	header_fails_at_write(&b, 24, 3 * PG);				/* memory size */
	header_fails_at_write(&b, 32, 2);				/* unknown flag */
	header_fails_at_write(&b, 36, 1);				/* reserved */

	/* A loader for another size or device refuses a good image. */
	assert_int_equal(uvf_memstream_loader_create(b.dst, PG, DEV_ID, 64, &l), 0);
	assert_int_equal(feed(l, b.im.data, b.im.len, big_reads, &at), -EINVAL);
	uvf_memstream_loader_destroy(l);
	assert_int_equal(uvf_memstream_loader_create(b.dst, b.size, OTHER_ID, 64, &l), 0);
	assert_int_equal(feed(l, b.im.data, b.im.len, odd_reads, &at), -EINVAL);
	uvf_memstream_loader_destroy(l);
	assert_memory_equal(b.dst, b.orig, b.size);
	bad_close(&b);
}

/* Well-formed streams (correct checksum) that break the rules. */
static void test_crafted(void **state)
{
	struct bad b;
	struct image im;
	uint8_t page[PG];
	size_t at = 0;
	struct uvf_memstream_loader *l;

	(void)state;
	bad_open(&b, 2);
	memset(page, 0x77, sizeof(page));

	/* Complete but for page 1. */
	memset(&im, 0, sizeof(im));
	craft_header(&im, UVF_MEMSTREAM_VERSION, DEV_ID, b.size);
	craft_rec(&im, 1, 1, 0);
	image_put(&im, page, PG);
	craft_rec(&im, 2, 0, 0);
	craft_end(&im);
	assert_int_equal(load_bad(&b, im.data, im.len, odd_reads), -ENODATA);
	free(im.data);

	/* No blob. */
	memset(&im, 0, sizeof(im));
	craft_header(&im, UVF_MEMSTREAM_VERSION, DEV_ID, b.size);
	craft_rec(&im, 1, 1, 1);
	image_put(&im, page, PG);
	craft_rec(&im, 1, 1, 0);
	image_put(&im, page, PG);
	craft_end(&im);
	assert_int_equal(load_bad(&b, im.data, im.len, big_reads), -ENODATA);

	/* The same plus a blob works (pages in any order, empty blob). */
	im.len -= UVF_MEMSTREAM_REC_SIZE;
	craft_rec(&im, 2, 0, 0);
	craft_end(&im);
	assert_int_equal(load(b.dst, b.size, im.data, im.len, byte_reads, NULL, 0), 0);
	for (size_t i = 0; i < b.size; i++)
		assert_int_equal(b.dst[i], 0x77);
	memcpy(b.dst, b.orig, b.size);

	/* ... but not with anything after END. */
	image_put(&im, page, 1);
	assert_int_equal(load_bad(&b, im.data, im.len, big_reads), -EINVAL);
	free(im.data);

	/* Records outside the memory, empty or over-long runs, unknown
	 * types, a second blob, a blob over the cap, END with a count. */
	{
		static const struct { uint32_t type, count; uint64_t arg; int err; } recs[] = {
			{ 1, 1, 2, -EINVAL },		/* page index == npages */
			{ 1, 2, 1, -EINVAL },		/* runs past the end */
			{ 1, 1, UINT64_MAX, -EINVAL },
			{ 1, 0, 0, -EINVAL },
			{ 1, UVF_MEMSTREAM_MAX_RUN + 1, 0, -EINVAL },
			{ 1, UINT32_MAX, 0, -EINVAL },
			{ 0, 0, 0, -EINVAL },
			{ 4, 0, 0, -EINVAL },
			{ 2, 65, 0, -E2BIG },		/* loader cap is 64 */
			{ 2, 1, 1, -EINVAL },		/* blob arg must be 0 */
			{ 3, 1, 0, -EINVAL },
		};

		for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
			memset(&im, 0, sizeof(im));
			craft_header(&im, UVF_MEMSTREAM_VERSION, DEV_ID, b.size);
			craft_rec(&im, recs[i].type, recs[i].count, recs[i].arg);
			assert_int_equal(uvf_memstream_loader_create(b.dst, b.size, DEV_ID, 64, &l), 0);
			assert_int_equal(feed(l, im.data, im.len, byte_reads, &at), recs[i].err);
			assert_int_equal(at, im.len - 1);
			uvf_memstream_loader_destroy(l);
			free(im.data);
		}
		memset(&im, 0, sizeof(im));
		craft_header(&im, UVF_MEMSTREAM_VERSION, DEV_ID, b.size);
		craft_rec(&im, 2, 1, 0);
		image_put(&im, page, 1);
		craft_rec(&im, 2, 1, 0);
		assert_int_equal(uvf_memstream_loader_create(b.dst, b.size, DEV_ID, 64, &l), 0);
		assert_int_equal(feed(l, im.data, im.len, big_reads, &at), -EINVAL);
		uvf_memstream_loader_destroy(l);
		free(im.data);
	}
	assert_memory_equal(b.dst, b.orig, b.size);
	bad_close(&b);
}

static int reject_blob(void *arg, const void *blob, size_t len)
{
	(void)arg;
	assert_int_equal(len, 6);
	assert_string_equal(blob, "blob!");
	return -EPROTO;
}

/* The device's blob check runs before anything is applied; a failed
 * finish can be retried and fails the same way. */
static void test_blob_check(void **state)
{
	struct uvf_memstream_loader *l;
	struct bad b;

	(void)state;
	bad_open(&b, 3);
	assert_int_equal(uvf_memstream_loader_create(b.dst, b.size, DEV_ID, 64, &l), 0);
	assert_int_equal(feed(l, b.im.data, b.im.len, odd_reads, NULL), 0);
	assert_int_equal(uvf_memstream_loader_finish(l, reject_blob, NULL, NULL, NULL), -EPROTO);
	assert_int_equal(uvf_memstream_loader_finish(l, reject_blob, NULL, NULL, NULL), -EPROTO);
	assert_memory_equal(b.dst, b.orig, b.size);
	assert_int_equal(uvf_memstream_loader_finish(l, NULL, NULL, NULL, NULL), 0);
	assert_memory_equal(b.dst, b.src, b.size);
	uvf_memstream_loader_destroy(l);
	bad_close(&b);
}

/* The stream header as documented (fields read back by hand). */
static void test_format(void **state)
{
	uint8_t *mem = xalloc(2 * PG);
	struct image im;
	const uint8_t *end;

	(void)state;
	fill_random(mem, 2 * PG, 1);
	im = save_image(mem, 2 * PG, "ab", 2);
	assert_memory_equal(im.data, "UVFMSTRM", 8);
	assert_int_equal(get32(im.data + 8), UVF_MEMSTREAM_VERSION);
	assert_int_equal(get32(im.data + 16), DEV_ID);
	assert_int_equal(get32(im.data + 48), 1);	/* PAGES */
	assert_int_equal(get32(im.data + 52), 2);
	assert_memory_equal(im.data + 64, mem, 2 * PG);
	assert_int_equal(get32(im.data + 64 + 2 * PG), 2);	/* BLOB */
	end = im.data + im.len - UVF_MEMSTREAM_REC_SIZE;
	assert_int_equal(get32(end), 3);
	free(im.data);
	free(mem);
}

/* read_ref() hands out most of a frozen memory by reference (the memory
 * itself) and, in pre-copy, the shadow's copy: a page changed after its
 * reference was taken is sent again, and the reference does not change. */
static void test_read_ref(void **state)
{
	const size_t npages = UVF_MEMSTREAM_MAX_RUN + 300, size = npages * PG;
	uint8_t *mem = xalloc(size), *buf = xalloc(1 << 20), snap[PG];
	struct uvf_memstream_saver *s;
	const void *ref;
	size_t ref_len, total = 0, by_reference = 0;
	long n;

	(void)state;
	fill_random(mem, size, 11);
	assert_int_equal(uvf_memstream_saver_create(mem, size, DEV_ID, false, &s), 0);
	assert_int_equal(uvf_memstream_saver_final(s, "b", 1), 0);
	while ((n = uvf_memstream_saver_read_ref(s, buf, 1 << 20, &ref, &ref_len)) > 0) {
		if (ref_len) {
			const uint8_t *r = ref;

			/* page bytes, straight from the memory */
			assert_true(r >= mem && r + ref_len <= mem + size);
		}
		total += (size_t)n;
		by_reference += ref_len;
	}
	assert_int_equal(n, 0);
	assert_int_equal(total, uvf_memstream_full_size(size, 1));
	/* Only the reads that cross a record boundary are copied. */
	assert_true(by_reference > size - 4 * (1 << 20));
	uvf_memstream_saver_destroy(s);

	/* Pre-copy: the reference is the shadow, which keeps what was sent. */
	assert_int_equal(uvf_memstream_saver_create(mem, size, DEV_ID, true, &s), 0);
	n = uvf_memstream_saver_read_ref(s, buf, 1 << 20, &ref, &ref_len);
	assert_int_equal(n, 1 << 20);
	assert_int_equal(ref_len, (1 << 20) - UVF_MEMSTREAM_HDR_SIZE - UVF_MEMSTREAM_REC_SIZE);
	assert_true((const uint8_t *)ref < mem || (const uint8_t *)ref >= mem + size);
	assert_memory_equal(ref, mem, PG);
	memcpy(snap, ref, PG);
	mem[0] ^= 0x5a;			/* after its copy was referenced */
	assert_memory_equal(ref, snap, PG);
	/* Small reads are copied. */
	assert_int_equal(uvf_memstream_saver_read_ref(s, buf, 100, &ref, &ref_len), 100);
	assert_null(ref);
	assert_int_equal(ref_len, 0);
	assert_int_equal(uvf_memstream_saver_final(s, "b", 1), 0);
	total = 0;
	while ((n = uvf_memstream_saver_read_ref(s, buf, 1 << 20, &ref, &ref_len)) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0);
	/* the rest of the initial pass, and page 0 again */
	assert_true(total >= size - (1 << 20) + PG);
	uvf_memstream_saver_destroy(s);
	free(buf);
	free(mem);
}

/* The by-reference runs did use references. */
static void test_ref_was_used(void **state)
{
	(void)state;
	assert_true(ref_bytes > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hash_streaming_equals_oneshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_rechunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_torn_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_final_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_scan_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_estimate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crafted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ref, setup, teardown),
		/* again, every read through read_ref() */
		cmocka_unit_test_setup(test_roundtrip_rechunked, setup_ref),
		cmocka_unit_test(test_precopy_rounds),
		cmocka_unit_test(test_precopy_torn_page),
		cmocka_unit_test(test_precopy_final_midway),
		cmocka_unit_test(test_precopy_info),
		cmocka_unit_test(test_precopy_scan_budget),
		cmocka_unit_test_teardown(test_ref_was_used, teardown_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
