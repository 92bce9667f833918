/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-mem.c - the channel storage map: validation, adjacent
 * ranges, protection, and unmap racing a running program (the memory is
 * munmap'ed right after the unmap returns, so any late access would fault).
 */
#include "helpers.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PROG	0x1000u
#define AREA	0x02000000u
#define AREA_LEN	0x10000u

static void map_validation(void **state)
{
	struct env *e = env_new_testdev();
	static uint8_t a[8192];
	unsigned i;

	assert_int_equal(uvf_css_mem_map(e->css, AREA, a, 0, 3), -EINVAL);
	assert_int_equal(uvf_css_mem_map(e->css, AREA, NULL, 16, 3), -EINVAL);
	assert_int_equal(uvf_css_mem_map(e->css, UINT64_MAX - 8, a, 16, 3),
			 -EINVAL);
	assert_int_equal(uvf_css_mem_map(e->css, AREA, a, 16, 4), -EINVAL);
	assert_int_equal(uvf_css_mem_map(e->css, AREA, a, 4096, 3), 0);
	assert_int_equal(uvf_css_mem_map(e->css, AREA, a, 4096, 3), -EEXIST);
	assert_int_equal(uvf_css_mem_map(e->css, AREA - 16, a, 32, 3), -EEXIST);
	assert_int_equal(uvf_css_mem_map(e->css, AREA + 4095, a, 2, 3),
			 -EEXIST);
	assert_int_equal(uvf_css_mem_map(e->css, AREA - 16, a, 8192, 3),
			 -EEXIST);
	assert_int_equal(uvf_css_mem_map(e->css, STORAGE_LEN - 1, a, 2, 3),
			 -EEXIST);
	/* Adjacent on both sides is fine. */
	assert_int_equal(uvf_css_mem_map(e->css, AREA + 4096, a + 4096, 4096,
					 3), 0);
	assert_int_equal(uvf_css_mem_map(e->css, AREA - 4096, a, 4096, 3), 0);

	assert_int_equal(uvf_css_mem_unmap(e->css, AREA, 0), -EINVAL);
	assert_int_equal(uvf_css_mem_unmap(e->css, AREA + 8, 4096), -EINVAL);
	assert_int_equal(uvf_css_mem_unmap(e->css, AREA + 0x100000, 16), 0);
	assert_int_equal(uvf_css_mem_unmap(e->css, AREA, 8192), 2);
	assert_int_equal(uvf_css_mem_unmap(e->css, AREA - 4096, 4096), 1);

	/* The range count is capped. */
	for (i = 0; i < UVF_CSS_MEM_MAX_RANGES - 1; i++)
		assert_int_equal(uvf_css_mem_map(e->css, AREA + 16ull * i, a,
						 16, 3), 0);
	assert_int_equal(uvf_css_mem_map(e->css, 0x40000000, a, 16, 3), -E2BIG);
	assert_int_equal(uvf_css_mem_unmap(e->css, AREA, 16ull * i), (int)i);
	env_free(e);
}

static void transfer_across_adjacent_ranges(void **state)
{
	struct env *e = env_new_testdev();
	static uint8_t lo[252], hi[256];
	struct uvf_css_irb irb;
	unsigned i;

	/* The boundary at AREA + 252 is not even doubleword aligned. */
	assert_int_equal(uvf_css_mem_map(e->css, AREA, lo, 252, 3), 0);
	assert_int_equal(uvf_css_mem_map(e->css, AREA + 252, hi, 256, 3), 0);
	e->td->len = 64;
	put_ccw1(e, PROG, TD_READ, 0, 64, AREA + 220);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	for (i = 0; i < 32; i++) {
		assert_int_equal(lo[220 + i], td_pattern(i));
		assert_int_equal(hi[i], td_pattern(32 + i));
	}
	/* A CCW straddling the two ranges is fetched whole. */
	put_ccw1(e, PROG, TD_NOOP, UVF_CSS_CCW_SLI, 0, 0);
	memcpy(lo + 248, e->mem + PROG, 4);
	memcpy(hi, e->mem + PROG + 4, 4);
	run(e, AREA + 248, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_cpa(&irb, AREA + 256);
	/* Unmapping one half makes the same fetch a program check. */
	assert_int_equal(uvf_css_mem_unmap(e->css, AREA + 252, 256), 1);
	run(e, AREA + 248, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, UVF_CSS_CS_PROG);
	env_free(e);
}

static void protection_of_ranges(void **state)
{
	struct env *e = env_new_testdev();
	static uint8_t wo[64];
	struct uvf_css_irb irb;

	assert_int_equal(uvf_css_mem_map(e->css, AREA, wo, sizeof(wo),
					 UVF_CSS_PROT_WRITE), 0);
	/* A CCW in store-only storage cannot be fetched. */
	run(e, AREA, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, 0, UVF_CSS_CS_PROT);
	/* Data can be stored there. */
	e->td->len = 8;
	put_ccw1(e, PROG, TD_READ, 0, 8, AREA);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	assert_int_equal(wo[0], td_pattern(0));
	env_free(e);
}

/* Program reading into [AREA, AREA + AREA_LEN), one slot per CCW. */
static void area_program(struct env *e, unsigned n)
{
	unsigned i;

	e->td->len = 64;
	for (i = 0; i < n; i++)
		put_ccw1(e, PROG + 8 * i, TD_READ, i + 1 < n ? UVF_CSS_CCW_CC : 0,
			 64, AREA + 64 * (i % (AREA_LEN / 64)));
}

static void unmap_while_program_runs(void **state)
{
	struct env *e = env_new_testdev();
	struct uvf_css_irb irb;
	uint8_t *area;
	unsigned round;

	srand(7);
	for (round = 0; round < 12; round++) {
		bool paused = round == 0;

		area = mmap(NULL, AREA_LEN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(area != MAP_FAILED);
		assert_int_equal(uvf_css_mem_map(e->css, AREA, area, AREA_LEN,
			UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE), 0);
		area_program(e, 100);
		if (paused) {
			uvf_css_sch_pause_at(e->sch, 5);
		} else {
			uvf_css_sch_set_delay(e->sch, 300);
		}
		start(e, PROG, 0);
		if (paused)
			assert_int_equal(uvf_css_sch_wait_paused(e->sch,
							     WAIT_MS), 0);
		else
			poll(NULL, 0, rand() % 20);	/* a random point */
		assert_int_equal(uvf_css_mem_unmap(e->css, AREA, AREA_LEN), 1);
		/* Any access from now on would be a SIGSEGV. */
		assert_int_equal(munmap(area, AREA_LEN), 0);
		uvf_css_sch_pause_at(e->sch, -1);
		assert_int_equal(wait_irb(e, &irb, NULL), 0);
		assert_true(uvf_css_scsw_is_final(&irb.scsw));
		if (paused || irb.scsw.cstat) {
			check_scsw(&irb, FINAL_ALERT, CE_DE, UVF_CSS_CS_PROG);
			if (paused)
				assert_cpa(&irb, PROG + 8 * 5 + 8);
		}
		uvf_css_sch_set_delay(e->sch, 0);
	}
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_validation),
		cmocka_unit_test(transfer_across_adjacent_ranges),
		cmocka_unit_test(protection_of_ranges),
		cmocka_unit_test(unmap_while_program_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
