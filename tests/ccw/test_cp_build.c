/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_build.c - what the translator refuses (each with its
 * errno, nothing allocated, guest memory untouched), its limits on both
 * sides, the copy-once rule (a guest rewriting its program after the start
 * changes nothing), reference counting and arena hygiene, and the smaller
 * API: host ORB, CPA translation, uses(), for_each_write().
 */
#include "test_cp_common.h"

#include <errno.h>
#include <stdlib.h>

static void assert_arena_empty(void)
{
	struct uvf_ccw_arena_stats st;

	uvf_ccw_arena_stats(h->arena, &st);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.extents, 1);
	assert_int_equal(st.largest_free, st.size);
	assert_int_equal(uvf_ccw_cp_live(h->arena), 0);
}

/* Build must fail with err, leave *out alone, allocate nothing and not
 * touch guest memory. */
static void refused_(const uint8_t orb[12], int err, const char *file,
		     int line)
{
	struct uvf_ccw_cp_env env = cph_env(h);
	struct uvf_ccw_cp *cp = (struct uvf_ccw_cp *)0x1;
	struct uvf_ccw_arena_stats before, after;
	long live = uvf_ccw_cp_live(h->arena);
	struct uvf_css_orb horb;
	char why[200];
	int ret;

	uvf_ccw_arena_stats(h->arena, &before);
	ret = uvf_ccw_cp_build(orb, &env, &cp, &horb);
	if (ret != err) {
		fprintf(stderr, "%s:%d: build returned %d (%s), want %d\n",
			file, line, ret, strerror(-ret), err);
		if (!ret)
			uvf_ccw_cp_put(cp);
		_fail(file, line);
	}
	assert_ptr_equal(cp, (struct uvf_ccw_cp *)0x1);
	uvf_ccw_arena_stats(h->arena, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(uvf_ccw_cp_live(h->arena), live);
	if (!cph_mem_equal(h, why, sizeof(why))) {
		fprintf(stderr, "%s:%d: %s\n", file, line, why);
		_fail(file, line);
	}
}
#define refused(orb, err) refused_(orb, err, __FILE__, __LINE__)

static struct uvf_ccw_cp *build(const uint8_t orb[12],
				struct uvf_css_orb *horb)
{
	struct uvf_ccw_cp_env env = cph_env(h);
	struct uvf_css_orb tmp;
	struct uvf_ccw_cp *cp = NULL;

	assert_int_equal(uvf_ccw_cp_build(orb, &env, &cp, horb ? horb : &tmp),
			 0);
	assert_non_null(cp);
	return cp;
}

/* ---- refusals ------------------------------------------------------------ */

static void test_data_outside_maps(void **state)
{
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	orb1(orb, PROG, 0);
	cph_ccw1(h, PROG, RD, 0, 64, NOWHERE_G);
	refused(orb, -EFAULT);
	/* Hardware: a program check when the channel gets there. */
	assert_int_equal(cph_run_ref(h, orb, &r), 0);
	expect_end_(&r, CE_DE, CS_PROG, PROG + 8, 64);
	cph_sync(h);
	cph_ccw1(h, PROG, WR, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, WR, 0, 64, RAM_LEN - 32);	/* straddles */
	refused(orb, -EFAULT);
	/* Data through an IDAW. */
	cph_ccw1(h, PROG, RD, IDA, 3000, IDAL);
	cph_idaw1(h, IDAL, DATA);
	cph_idaw1(h, IDAL + 4, NOWHERE_G);
	refused(orb, -EFAULT);
	/* Data of a CCW reached only through a status-modifier skip. */
	cph_ccw1(h, PROG, SMC, CC, 0, 0);
	cph_ccw1(h, PROG + 8, NOP, 0, 0, 0);
	cph_ccw1(h, PROG + 16, RD, 0, 64, NOWHERE_G);
	refused(orb, -EFAULT);
}

static void test_data_spanning_adjacent_maps(void **state)
{
	uint8_t orb[12];

	(void)state;
	/* Natively fine (the storage is contiguous), but a window covers one
	 * DMA map only. */
	assert_int_equal(cph_map(h, RAM_LEN, 0x10000, RW), 0);
	cph_ccw1(h, PROG, RD, 0, 64, RAM_LEN - 32);
	orb1(orb, PROG, 0);
	refused(orb, -EFAULT);
}

static void test_orb_unsupported(void **state)
{
	static const struct { uint16_t ctl; uint8_t ctl2; int err; } c[] = {
		{ UVF_CSS_ORB_B, 0, -EOPNOTSUPP },
		{ 0, UVF_CSS_ORB2_D, -EOPNOTSUPP },
		{ 0, UVF_CSS_ORB2_X, -EOPNOTSUPP },
		{ 0, 0x02, -EINVAL },
		{ 0, 0x20, -EINVAL },
	};
	struct uvf_css_orb o;
	uint8_t orb[12];
	unsigned i;

	(void)state;
	cph_ccw1(h, PROG, RD, 0, 64, DATA);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cph_orb(orb, PROG, F | c[i].ctl, 0xFF, c[i].ctl2);
		refused(orb, c[i].err);
		/* Hardware: an operand exception (the css: -EINVAL) for all
		 * but the extension bit. */
		memset(&o, 0, sizeof(o));
		memcpy(&o, orb, 12);
		if (c[i].ctl2 != UVF_CSS_ORB2_X)
			assert_int_equal(uvf_css_ssch(h->ref.sch, &o), -EINVAL);
	}
	orb1(orb, 0x80000000u | PROG, 0);
	refused(orb, -EINVAL);
}

static void test_backward_and_forward(void **state)
{
	uint8_t orb[12];

	(void)state;
	/* PROG+24 is data-chained to by a read backward and started as a
	 * forward read through the TIC at PROG+0x108. */
	cph_ccw1(h, PROG, NOP, CC, 0, 0);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG + 0x100);
	cph_ccw1(h, PROG + 16, RDB, CD, 16, DATA + 0x100);
	cph_ccw1(h, PROG + 24, RD, 0, 16, DATA + 0x200);
	cph_ccw1(h, PROG + 0x100, NOP, CC, 0, 0);
	cph_ccw1(h, PROG + 0x108, TIC, 0, 0, PROG + 24);
	orb1(orb, PROG, 0);
	refused(orb, -EINVAL);
	/* Also when the backward chain would reject it (data would start
	 * below 0) while the forward start accepts it. */
	cph_ccw1(h, PROG + 24, RD, 0, 64, 0x20);
	refused(orb, -EINVAL);
	/* Without data there is no conflict. */
	cph_ccw1(h, PROG + 24, RD, SLI, 0, 0x20);
	diff_ok(h, orb, 0, NULL);
}

/* ---- limits, both sides -------------------------------------------------- */

static void chain(uint32_t at, unsigned n)
{
	static const uint8_t zero[8 * 300];
	unsigned i;

	assert_true(cph_poke(h, at, zero, sizeof(zero)));
	for (i = 0; i < n; i++)
		cph_ccw1(h, at + 8 * i, NOP, i + 1 < n ? CC : 0, 0, 0);
}

static void test_segment_length(void **state)
{
	struct uvf_ccw_cp *cp;
	uint8_t orb[12];

	(void)state;
	orb1(orb, PROG, 0);
	chain(PROG, UVF_CCW_CP_MAX_SEG_CCWS);
	cp = build(orb, NULL);
	uvf_ccw_cp_put(cp);
	diff_ok(h, orb, 0, NULL);
	chain(PROG, UVF_CCW_CP_MAX_SEG_CCWS + 1);
	refused(orb, -EINVAL);
	/* Data chaining counts the same. */
	cph_ccw1(h, PROG + 8 * (UVF_CCW_CP_MAX_SEG_CCWS - 1), NOP, CD, 1, 0);
	refused(orb, -EINVAL);
}

/* n segments, each "NOP CC; TIC next", 0x100 apart; the last a NOP. */
static void segments(unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		uint32_t at = PROG + 0x100 * i;

		cph_ccw1(h, at, NOP, i + 1 < n ? CC : 0, 0, 0);
		cph_ccw1(h, at + 8, TIC, 0, 0, at + 0x100);
		cph_ccw1(h, at + 16, NOP, 0, 0, 0);
	}
}

static void test_segment_count(void **state)
{
	struct uvf_ccw_cp *cp;
	uint8_t orb[12];

	(void)state;
	orb1(orb, PROG, 0);
	segments(UVF_CCW_CP_MAX_SEGS);
	cp = build(orb, NULL);
	uvf_ccw_cp_put(cp);
	diff_ok(h, orb, 0, NULL);
	segments(UVF_CCW_CP_MAX_SEGS + 1);
	refused(orb, -EINVAL);
}

static void test_idaw_limit(void **state)
{
	struct uvf_ccw_cp *cp;
	uint8_t orb[12];
	/* 65535 bytes from 1 byte before a 2K boundary: 33 IDAWs each. */
	unsigned per = 33, ok = UVF_CCW_CP_MAX_IDAWS / per, i;

	(void)state;
	orb1(orb, PROG, 0);
	for (i = 0; i <= ok; i++)
		cph_ccw1(h, PROG + 8 * i, WR, i + 1 < ok ? CD : 0, 65535,
			 DATA + 0x7FF);
	cp = build(orb, NULL);
	uvf_ccw_cp_put(cp);
	cph_ccw1(h, PROG + 8 * (ok - 1), WR, CD, 65535, DATA + 0x7FF);
	refused(orb, -EINVAL);
}

static void test_tic_loop_limits(void **state)
{
	uint8_t orb[12];
	unsigned i;

	(void)state;
	/* A TIC chain visiting 17 separate places. */
	for (i = 0; i < 17; i++)
		cph_ccw1(h, PROG + 0x100 * i, TIC, 0, 0,
			 PROG + 0x100 * ((i + 1) % 17) + 0x40);
	for (i = 0; i < 17; i++) {
		cph_ccw1(h, PROG + 0x100 * i + 0x40, NOP, CC, 0, 0);
		cph_ccw1(h, PROG + 0x100 * i + 0x48, TIC, 0, 0,
			 PROG + 0x100 * ((i + 1) % 17) + 0x40);
	}
	orb1(orb, PROG, 0);
	refused(orb, -EINVAL);
	/* The same loop over 4 places is fine (and ends by the channel's
	 * dataless limit). */
	for (i = 0; i < 4; i++)
		cph_ccw1(h, PROG + 0x100 * i + 0x48, TIC, 0, 0,
			 PROG + 0x100 * ((i + 1) % 4) + 0x40);
	diff_ok(h, orb, 0, NULL);
}

static void test_arena_exhausted(void **state)
{
	struct cph_opts o = { .arena_size = 4096 };
	struct uvf_ccw_cp *cp, *cp2;
	uint8_t orb[12];
	unsigned i;

	(void)state;
	assert_int_equal(cph_free(h), 0);
	h = cph_new(&o);
	assert_non_null(h);
	assert_int_equal(cph_map(h, RAM, RAM_LEN, RW), 0);
	orb1(orb, PROG, 0);
	/* 256 CCWs + gap: 2056 bytes, so the second does not fit. */
	chain(PROG, 255);
	cp = build(orb, NULL);
	refused(orb, -ENOMEM);
	uvf_ccw_cp_put(cp);
	cp = build(orb, NULL);
	uvf_ccw_cp_put(cp);
	/* Two small ones fit beside each other. */
	chain(PROG, 100);
	cp = build(orb, NULL);
	cp2 = build(orb, NULL);
	uvf_ccw_cp_put(cp);
	uvf_ccw_cp_put(cp2);
	/* One larger than the whole arena: 20 x 33 IDAWs. */
	for (i = 0; i < 20; i++)
		cph_ccw1(h, PROG + 8 * i, WR, i + 1 < 20 ? CD : 0, 65535,
			 DATA + 0x7FF);
	refused(orb, -ENOMEM);
	assert_arena_empty();
}

static void test_window_errors(void **state)
{
	uint8_t orb[12];
	unsigned n;

	(void)state;
	/* Every window call failing in turn: the error comes back, nothing
	 * leaks. */
	cph_ccw1(h, PROG, RD, CC, 64, DATA);
	cph_ccw1(h, PROG + 8, WR, CC | IDA, 5000, IDAL);
	cph_idaw2(h, IDAL, HIGH + 0x100);
	cph_idaw2(h, IDAL + 8, DATA + 0x1000);
	cph_ccw1(h, PROG + 16, SNS, 0, 24, DATA + 0x100);
	orb1(orb, PROG, H);
	for (n = 1; n <= 4; n++) {
		h->window_calls = 0;
		h->fail_window_at = n;
		h->fail_window_err = -ENOMEM;
		refused(orb, -ENOMEM);
		h->window_calls = 0;
		h->fail_window_err = -E2BIG;
		refused(orb, -E2BIG);
	}
	h->fail_window_at = 0;
	diff_ok(h, orb, 0, NULL);
}

/* ---- copy once ----------------------------------------------------------- */

static void test_guest_modifies_after_build(void **state)
{
	struct uvf_ccw_cp_env env = cph_env(h);
	struct uvf_css_orb horb;
	struct uvf_ccw_cp *cp;
	struct cph_run ref, tr;
	uint8_t orb[12], prog[0x200], idal[16];
	char why[300];

	(void)state;
	set_len(h, RD, 5000);
	cph_ccw1(h, PROG, RD, CC | IDA, 5000, IDAL);
	cph_idaw2(h, IDAL, DATA + 0x10);
	cph_idaw2(h, IDAL + 8, DATA + 0x1000);
	cph_ccw1(h, PROG + 8, TIC, 0, 0, PROG + 0x100);
	cph_ccw1(h, PROG + 0x100, WR, 0, 64, DATA + 0x3000);
	orb1(orb, PROG, H);
	assert_int_equal(uvf_ccw_cp_build(orb, &env, &cp, &horb), 0);

	/* The guest rewrites its copy of everything: CCWs, TIC target,
	 * IDAL.  The native side runs the original. */
	memcpy(prog, cph_tr(h, PROG, sizeof(prog)), sizeof(prog));
	memcpy(idal, cph_tr(h, IDAL, sizeof(idal)), sizeof(idal));
	memset(cph_tr(h, PROG, sizeof(prog)), 0xFF, sizeof(prog));
	uvf_css_put_be64(cph_tr(h, IDAL, 8), RO);
	uvf_css_put_be64(cph_tr(h, IDAL + 8, 8), NOWHERE_G);

	assert_int_equal(cph_run_ref(h, orb, &ref), 0);
	assert_int_equal(cph_run_tr(h, cp, &horb, &tr), 0);
	uvf_ccw_cp_put(cp);
	memcpy(cph_tr(h, PROG, sizeof(prog)), prog, sizeof(prog));
	memcpy(cph_tr(h, IDAL, sizeof(idal)), idal, sizeof(idal));
	if (cph_compare(h, &ref, &tr, 0, why, sizeof(why))) {
		cph_dump_run("native", &ref);
		cph_dump_run("translated", &tr);
		fail_msg("%s", why);
	}
	expect_ok(&ref, PROG + 0x108);
}

static void test_read_once(void **state)
{
	struct uvf_ccw_cp *cp;
	uint8_t orb[12];

	(void)state;
	/* TIC back into the segment, a status-modifier loop, a second
	 * segment reached twice, IDALs: every guest byte read at most once. */
	cph_ccw1(h, PROG, RD, CC | IDA, 5000, IDAL);
	cph_idaw2(h, IDAL, DATA + 0x10);
	cph_idaw2(h, IDAL + 8, DATA + 0x1000);
	cph_ccw1(h, PROG + 8, SMC, CC, 0, 0);
	cph_ccw1(h, PROG + 16, TIC, 0, 0, PROG + 8);
	cph_ccw1(h, PROG + 24, WR, CC, 64, DATA);
	cph_ccw1(h, PROG + 32, TIC, 0, 0, PROG2);
	cph_ccw1(h, PROG2, RD, CC | IDA, 100, IDAL + 0x40);
	cph_idaw2(h, IDAL + 0x40, DATA + 0x10);
	cph_ccw1(h, PROG2 + 8, TIC, 0, 0, PROG + 24);
	orb1(orb, PROG, H);
	cph_reads_reset(h);
	cp = build(orb, NULL);
	assert_false(cph_reads_overlap(h));
	assert_true(h->nreads >= 9);
	uvf_ccw_cp_put(cp);
}

static void test_prefetch_self_modifying(void **state)
{
	struct uvf_ccw_cp_env env = cph_env(h);
	struct uvf_css_orb horb;
	struct uvf_ccw_cp *cp;
	struct cph_run ref, tr;
	uint8_t orb[12];

	(void)state;
	/* Make the device hold sense 80 00 00 ...; then a SENSE stores it
	 * over the program's next CCW.  Natively the channel fetches that
	 * CCW afterwards (command 0x80: invalid); the translated program was
	 * copied at the start (prefetch always, documented) and runs the
	 * original no-op. */
	cph_ccw1(h, PROG2, REJ, 0, 0, 0);
	orb1(orb, PROG2, 0);
	diff_ok(h, orb, 0, NULL);
	cph_ccw1(h, PROG, SNS, CC | SLI, 8, PROG + 8);
	cph_ccw1(h, PROG + 8, NOP, 0, 0, 0);
	orb1(orb, PROG, 0);
	assert_int_equal(uvf_ccw_cp_build(orb, &env, &cp, &horb), 0);
	assert_int_equal(cph_run_ref(h, orb, &ref), 0);
	assert_int_equal(cph_run_tr(h, cp, &horb, &tr), 0);
	uvf_ccw_cp_put(cp);
	expect_prog(&ref, PROG + 16, 0);
	expect_ok(&tr, PROG + 16);
	assert_memory_equal(cph_ref(h, PROG + 8, 8), cph_tr(h, PROG + 8, 8), 8);
}

/* ---- lifetime ------------------------------------------------------------ */

static void test_refcount(void **state)
{
	struct uvf_ccw_arena_stats st;
	struct uvf_ccw_cp *cp, *cp2;
	struct uvf_css_orb horb;
	uint8_t orb[12];
	uint32_t cpa;

	(void)state;
	cph_ccw1(h, PROG, RD, 0, 64, DATA);
	orb1(orb, PROG, 0);
	cp = build(orb, &horb);
	cpa = uvf_css_get_be32(horb.cpa);
	assert_int_equal(uvf_ccw_cp_live(h->arena), 1);
	assert_ptr_equal(uvf_ccw_cp_get(cp), cp);
	uvf_ccw_cp_put(cp);
	assert_int_equal(uvf_ccw_cp_live(h->arena), 1);
	uvf_ccw_arena_stats(h->arena, &st);
	assert_int_equal(st.blocks, 1);
	uvf_ccw_cp_put(cp);		/* freed here, exactly once */
	assert_arena_empty();
	uvf_ccw_cp_put(NULL);
	/* The block is reused. */
	cp2 = build(orb, &horb);
	assert_int_equal(uvf_css_get_be32(horb.cpa), cpa);
	uvf_ccw_cp_put(cp2);
	assert_arena_empty();
}

static void test_many_programs(void **state)
{
	struct uvf_ccw_cp *live[8] = { 0 };
	uint8_t orb[12];
	unsigned i, k;
	int ret;

	(void)state;
	/* Programs of varying shape and size, eight alive at a time, and
	 * refusals in between: no block or program outlives its last put. */
	for (i = 0; i < 2000; i++) {
		struct uvf_ccw_cp_env env = cph_env(h);
		struct uvf_css_orb horb;
		unsigned n = 1 + i % 37;

		for (k = 0; k < n; k++)
			cph_ccw1(h, PROG + 8 * k, (i & 1) ? RD : WR,
				 k + 1 < n ? CD : 0, (uint16_t)(1 + (i * 97 + k) % 9000),
				 DATA + (i % 4096));
		if (i % 5 == 0)
			cph_ccw1(h, PROG + 8 * (n - 1), RD, 0, 64, NOWHERE_G);
		orb1(orb, PROG, 0);
		k = i % 8;
		uvf_ccw_cp_put(live[k]);
		live[k] = NULL;
		ret = uvf_ccw_cp_build(orb, &env, &live[k], &horb);
		assert_int_equal(ret, i % 5 == 0 ? -EFAULT : 0);
	}
	for (k = 0; k < 8; k++)
		uvf_ccw_cp_put(live[k]);
	assert_arena_empty();
}

/* ---- API ----------------------------------------------------------------- */

static void test_host_orb(void **state)
{
	struct uvf_ccw_cp *cp;
	struct uvf_css_orb horb;
	uint8_t orb[12];
	uint16_t ctl;
	uint32_t cpa, g;

	(void)state;
	cph_ccw1(h, PROG, RD, 0, 64, DATA);
	cph_ccw0(h, PROG2, RD, 0, 64, DATA);
	/* Key 5, S P I A U, C M Y, format 1, H only; LPM 0; L. */
	cph_orb(orb, PROG, 0x5000 | UVF_CSS_ORB_S | UVF_CSS_ORB_C |
		UVF_CSS_ORB_M | UVF_CSS_ORB_Y | F | UVF_CSS_ORB_P |
		UVF_CSS_ORB_I | UVF_CSS_ORB_A | UVF_CSS_ORB_U | H, 0,
		UVF_CSS_ORB2_L);
	cp = build(orb, &horb);
	ctl = uvf_css_get_be16(horb.ctl);
	assert_int_equal(uvf_css_get_be32(horb.intparm), h->intparm);
	assert_int_equal(ctl, 0x5000 | UVF_CSS_ORB_S | F | UVF_CSS_ORB_P |
			 UVF_CSS_ORB_I | UVF_CSS_ORB_A | UVF_CSS_ORB_U | H);
	assert_int_equal(horb.lpm, 0xFF);
	assert_int_equal(horb.ctl2, UVF_CSS_ORB2_L);
	cpa = uvf_css_get_be32(horb.cpa);
	assert_true(cpa >= UVF_CCW_ARENA_ADDR &&
		    cpa < UVF_CCW_ARENA_ADDR + UVF_CCW_ARENA_SIZE);
	assert_int_equal(uvf_ccw_cp_guest_cpa(cp, cpa, &g), 0);
	assert_int_equal(g, PROG);
	assert_int_equal(uvf_ccw_cp_guest_cpa(cp, cpa + 8, &g), 0);
	assert_int_equal(g, PROG + 8);
	assert_int_equal(uvf_ccw_cp_guest_cpa(cp, cpa + 16, &g), -ENOENT);
	assert_int_equal(uvf_ccw_cp_guest_cpa(cp, cpa - 8, &g), -ENOENT);
	assert_int_equal(uvf_ccw_cp_guest_cpa(cp, 0, &g), -ENOENT);
	uvf_ccw_cp_put(cp);
	/* Format-1 IDAWs and 2K format-2 IDAWs give T; LPM kept. */
	cph_orb(orb, PROG, F, 0x40, 0);
	cp = build(orb, &horb);
	assert_int_equal(uvf_css_get_be16(horb.ctl), F | H | T);
	assert_int_equal(horb.lpm, 0x40);
	uvf_ccw_cp_put(cp);
	cph_orb(orb, PROG, F | H | T, 0x80, 0);
	cp = build(orb, &horb);
	assert_int_equal(uvf_css_get_be16(horb.ctl), F | H | T);
	uvf_ccw_cp_put(cp);
	/* Format 0 becomes format 1. */
	cph_orb(orb, PROG2, H, 0x80, 0);
	cp = build(orb, &horb);
	assert_int_equal(uvf_css_get_be16(horb.ctl), F | H);
	uvf_ccw_cp_put(cp);
}

static void test_scsw_to_guest(void **state)
{
	struct uvf_ccw_cp *cp;
	struct uvf_css_orb horb;
	struct uvf_css_scsw s;
	uint8_t orb[12];
	uint32_t cpa;

	(void)state;
	cph_ccw0(h, PROG, RD, 0, 64, DATA);
	cph_orb(orb, PROG, 0, 0xFF, 0);
	cp = build(orb, &horb);
	cpa = uvf_css_get_be32(horb.cpa);
	memset(&s, 0, sizeof(s));
	uvf_css_put_be16(s.flags, UVF_CSS_SCSW_F_F | UVF_CSS_SCSW_F_P);
	uvf_css_put_be32(s.cpa, cpa + 8);
	assert_int_equal(uvf_ccw_cp_scsw_to_guest(cp, &s), 0);
	assert_int_equal(uvf_css_scsw_cpa(&s), PROG + 8);
	assert_int_equal(uvf_css_scsw_flags(&s), UVF_CSS_SCSW_F_P);
	/* A host address that is not ours never reaches the guest. */
	uvf_css_put_be32(s.cpa, UVF_CCW_ARENA_ADDR + 0x1000000);
	assert_int_equal(uvf_ccw_cp_scsw_to_guest(cp, &s), -ENOENT);
	assert_int_equal(uvf_css_scsw_cpa(&s), 0);
	/* No CPA stays none. */
	assert_int_equal(uvf_ccw_cp_scsw_to_guest(cp, &s), 0);
	assert_int_equal(uvf_css_scsw_cpa(&s), 0);
	uvf_ccw_cp_put(cp);
}

static void test_uses(void **state)
{
	struct uvf_ccw_cp *cp;
	uint8_t orb[12];

	(void)state;
	cph_ccw1(h, PROG, RD, CC | IDA, 100, IDAL);
	cph_idaw2(h, IDAL, HIGH + 0x100);
	cph_ccw1(h, PROG + 8, WR, CC, 64, DATA);
	cph_ccw1(h, PROG + 16, RD, SKP, 64, DATA + 0x8000);
	cph_ccw1(h, PROG + 24, NOP, 0, 16, NOWHERE_G);
	orb1(orb, PROG, H);
	cp = build(orb, NULL);
	/* CCW sources (including the skip target after the chain). */
	assert_true(uvf_ccw_cp_uses(cp, PROG, 1));
	assert_true(uvf_ccw_cp_uses(cp, PROG + 31, 1));
	assert_true(uvf_ccw_cp_uses(cp, PROG - 8, 9));
	assert_false(uvf_ccw_cp_uses(cp, PROG - 8, 8));
	/* The IDAL, the data windows. */
	assert_true(uvf_ccw_cp_uses(cp, IDAL + 7, 1));
	assert_false(uvf_ccw_cp_uses(cp, IDAL + 8, 8));
	assert_true(uvf_ccw_cp_uses(cp, HIGH + 0x100 + 99, 1));
	assert_false(uvf_ccw_cp_uses(cp, HIGH + 0x100 + 100, 0x1000));
	assert_true(uvf_ccw_cp_uses(cp, DATA + 63, 1));
	assert_false(uvf_ccw_cp_uses(cp, DATA + 64, 1));
	/* Skip and no-op data is never touched. */
	assert_false(uvf_ccw_cp_uses(cp, DATA + 0x8000, 64));
	assert_false(uvf_ccw_cp_uses(cp, NOWHERE_G, 16));
	/* Whole address space; empty range. */
	assert_true(uvf_ccw_cp_uses(cp, 0, UINT64_MAX));
	assert_true(uvf_ccw_cp_uses(cp, HIGH, UINT64_MAX));
	assert_false(uvf_ccw_cp_uses(cp, PROG, 0));
	uvf_ccw_cp_put(cp);
}

struct wr {
	uint64_t a[16], l[16];
	unsigned n;
};

static int collect(void *arg, uint64_t gaddr, uint64_t len)
{
	struct wr *w = arg;

	if (w->n == 16)
		return -1;
	w->a[w->n] = gaddr;
	w->l[w->n++] = len;
	return 0;
}

static int stop(void *arg, uint64_t gaddr, uint64_t len)
{
	(void)gaddr;
	(void)len;
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void test_for_each_write(void **state)
{
	struct uvf_ccw_cp *cp;
	struct wr w = { .n = 0 };
	uint8_t orb[12];
	int calls = 0;

	(void)state;
	cph_ccw1(h, PROG, RD, CC, 64, DATA + 64);
	cph_ccw1(h, PROG + 8, RD, CC, 64, DATA);		/* merges */
	cph_ccw1(h, PROG + 16, WR, CC, 64, DATA + 0x1000);	/* no */
	cph_ccw1(h, PROG + 24, RD, CC | SKP, 64, DATA + 0x2000); /* no */
	cph_ccw1(h, PROG + 32, SNS, CC, 24, DATA + 0x3000);
	cph_ccw1(h, PROG + 40, RDB, CC, 64, DATA + 0x4000 + 63);
	cph_ccw1(h, PROG + 48, RD, CC | IDA, 5000, IDAL);
	cph_idaw2(h, IDAL, HIGH + 0x800);
	cph_idaw2(h, IDAL + 8, HIGH + 0x3000);
	cph_ccw1(h, PROG + 56, RD, 0, 64, RO);			/* no */
	orb1(orb, PROG, H);
	cp = build(orb, NULL);
	assert_int_equal(uvf_ccw_cp_for_each_write(cp, collect, &w), 0);
	assert_int_equal(w.n, 5);
	assert_true(w.a[0] == DATA && w.l[0] == 128);
	assert_true(w.a[1] == DATA + 0x3000 && w.l[1] == 24);
	assert_true(w.a[2] == DATA + 0x4000 && w.l[2] == 64);
	assert_true(w.a[3] == HIGH + 0x800 && w.l[3] == 0x800);
	assert_true(w.a[4] == HIGH + 0x3000 && w.l[4] == 5000 - 0x800);
	assert_int_equal(uvf_ccw_cp_for_each_write(cp, stop, &calls), 7);
	assert_int_equal(calls, 2);
	uvf_ccw_cp_put(cp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, cp_setup, cp_teardown)
		T_(test_data_outside_maps),
		T_(test_data_spanning_adjacent_maps),
		T_(test_orb_unsupported),
		T_(test_backward_and_forward),
		T_(test_segment_length),
		T_(test_segment_count),
		T_(test_idaw_limit),
		T_(test_tic_loop_limits),
		T_(test_arena_exhausted),
		T_(test_window_errors),
		T_(test_guest_modifies_after_build),
		T_(test_read_once),
		T_(test_prefetch_self_modifying),
		T_(test_refcount),
		T_(test_many_programs),
		T_(test_host_orb),
		T_(test_scsw_to_guest),
		T_(test_uses),
		T_(test_for_each_write),
#undef T_
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
