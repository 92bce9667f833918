/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_arena.c - the arena allocator: placement rules, both
 * sides of its size, first fit, coalescing, fragmentation, what the channel
 * may do with it (read, never store), threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ccw/arena.h"
#include "ccw/cp.h"
#include "uvfio/css.h"

static struct uvf_css *css;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(uvf_css_create(&css, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	uvf_css_destroy(css);
	return 0;
}

static void test_create_rules(void **state)
{
	struct uvf_ccw_arena *a;
	static uint8_t other[4096];

	(void)state;
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x100000, 0, &a), -EINVAL);
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x100000, 100, &a), -EINVAL);
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x100800, 4096, &a), -EINVAL);
	/* Wholly below 2 GiB (the hole ends there). */
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x80000000u, 4096, &a), -EINVAL);
	/* Not over the hole. */
	assert_int_equal(uvf_ccw_arena_create_at(css, UVF_CCW_HOLE - 4096,
						 8192, &a), -EINVAL);
	assert_int_equal(uvf_ccw_arena_create_at(css, UVF_CCW_HOLE +
						 UVF_CCW_HOLE_SIZE - 4096,
						 4096, &a), -EINVAL);
	assert_int_equal(uvf_ccw_arena_create_at(css, UVF_CCW_HOLE - 4096,
						 4096, &a), 0);
	uvf_ccw_arena_destroy(a);
	/* Storage already in use. */
	assert_int_equal(uvf_css_mem_map(css, 0x200000, other, sizeof(other),
					 UVF_CSS_PROT_READ), 0);
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x1FF000, 8192, &a),
			 -EEXIST);
	/* The default. */
	assert_int_equal(uvf_ccw_arena_create(css, &a), 0);
	assert_int_equal(uvf_ccw_arena_base(a), UVF_CCW_ARENA_ADDR);
	assert_int_equal(uvf_ccw_arena_size(a), UVF_CCW_ARENA_SIZE);
	/* Destroy unmaps: the range can be used again. */
	uvf_ccw_arena_destroy(a);
	assert_int_equal(uvf_ccw_arena_create(css, &a), 0);
	uvf_ccw_arena_destroy(a);
}

static void test_alloc_basics(void **state)
{
	struct uvf_ccw_arena_stats st;
	struct uvf_ccw_arena *a;
	uint32_t x, y, z;
	uint8_t *px, *py, *pz;

	(void)state;
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x100000, 8192, &a), 0);
	assert_int_equal(uvf_ccw_arena_alloc(a, 0, &x, (void **)&px), -EINVAL);
	assert_int_equal(uvf_ccw_arena_alloc(a, 1, &x, (void **)&px), 0);
	assert_int_equal(uvf_ccw_arena_alloc(a, 9, &y, (void **)&py), 0);
	assert_int_equal(x, 0x100000);
	assert_int_equal(y, 0x100008);		/* doubleword aligned */
	assert_int_equal(uvf_ccw_arena_alloc(a, 8, &z, (void **)&pz), 0);
	assert_int_equal(z, 0x100018);
	assert_ptr_equal(py, px + 8);
	memset(py, 0xAB, 16);
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.used, 32);
	assert_int_equal(st.blocks, 3);
	/* Freed blocks come back zeroed. */
	uvf_ccw_arena_free(a, y, 9);
	assert_int_equal(uvf_ccw_arena_alloc(a, 16, &y, (void **)&py), 0);
	assert_int_equal(y, 0x100008);
	assert_int_equal(py[0] | py[15], 0);
	uvf_ccw_arena_free(a, x, 1);
	uvf_ccw_arena_free(a, z, 8);
	uvf_ccw_arena_free(a, y, 16);
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.extents, 1);
	assert_int_equal(st.largest_free, 8192);
	uvf_ccw_arena_destroy(a);
}

static void test_full_and_fragmented(void **state)
{
	struct uvf_ccw_arena_stats st;
	struct uvf_ccw_arena *a;
	uint32_t b[8], x;
	void *p;
	unsigned i;

	(void)state;
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x100000, 4096, &a), 0);
	/* Both sides of the size. */
	assert_int_equal(uvf_ccw_arena_alloc(a, 4097, &x, &p), -ENOMEM);
	assert_int_equal(uvf_ccw_arena_alloc(a, 4096, &x, &p), 0);
	assert_int_equal(uvf_ccw_arena_alloc(a, 1, &b[0], &p), -ENOMEM);
	uvf_ccw_arena_free(a, x, 4096);
	/* Eight 512-byte blocks; free every other one: 2 KiB free, but no
	 * 1 KiB extent. */
	for (i = 0; i < 8; i++)
		assert_int_equal(uvf_ccw_arena_alloc(a, 512, &b[i], &p), 0);
	for (i = 0; i < 8; i += 2)
		uvf_ccw_arena_free(a, b[i], 512);
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.used, 2048);
	assert_int_equal(st.extents, 4);
	assert_int_equal(st.largest_free, 512);
	assert_int_equal(uvf_ccw_arena_alloc(a, 1024, &x, &p), -ENOMEM);
	/* First fit: the lowest hole. */
	assert_int_equal(uvf_ccw_arena_alloc(a, 256, &x, &p), 0);
	assert_int_equal(x, b[0]);
	uvf_ccw_arena_free(a, x, 256);
	/* Freeing a neighbour merges left and right. */
	uvf_ccw_arena_free(a, b[1], 512);
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.extents, 3);
	assert_int_equal(st.largest_free, 1536);
	assert_int_equal(uvf_ccw_arena_alloc(a, 1536, &x, &p), 0);
	assert_int_equal(x, b[0]);
	uvf_ccw_arena_free(a, x, 1536);
	for (i = 3; i < 8; i += 2)
		uvf_ccw_arena_free(a, b[i], 512);
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.extents, 1);
	assert_int_equal(st.used, 0);
	uvf_ccw_arena_destroy(a);
}

static void test_many_blocks(void **state)
{
	struct uvf_ccw_arena_stats st;
	struct uvf_ccw_arena *a;
	uint32_t addr[600];
	size_t len[600];
	unsigned i, j;
	void *p;

	(void)state;
	/* More live blocks than the free list starts with, freed in a
	 * scrambled order. */
	assert_int_equal(uvf_ccw_arena_create_at(css, 0x100000, 1 << 20, &a), 0);
	for (i = 0; i < 600; i++) {
		len[i] = 8 + (i * 37) % 1000;
		assert_int_equal(uvf_ccw_arena_alloc(a, len[i], &addr[i], &p), 0);
	}
	for (i = 0; i < 600; i++) {
		j = (i * 7919) % 600;
		uvf_ccw_arena_free(a, addr[j], len[j]);
	}
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.extents, 1);
	assert_int_equal(st.blocks, 0);
	uvf_ccw_arena_destroy(a);
}

static void *hammer(void *arg)
{
	struct uvf_ccw_arena *a = arg;
	uint32_t addr[16];
	unsigned i, k;
	void *p;

	for (i = 0; i < 2000; i++) {
		for (k = 0; k < 16; k++)
			if (uvf_ccw_arena_alloc(a, 24 + k * 8, &addr[k], &p))
				addr[k] = 0;
			else
				memset(p, (int)k, 24 + k * 8);
		for (k = 0; k < 16; k++)
			if (addr[k])
				uvf_ccw_arena_free(a, addr[k], 24 + k * 8);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct uvf_ccw_arena_stats st;
	struct uvf_ccw_arena *a;
	pthread_t t[3];
	unsigned i;

	(void)state;
	assert_int_equal(uvf_ccw_arena_create(css, &a), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, a), 0);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	uvf_ccw_arena_stats(a, &st);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(st.extents, 1);
	uvf_ccw_arena_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_basics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_and_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
