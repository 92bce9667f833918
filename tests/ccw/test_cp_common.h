/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_common.h - fixture and assertions shared by the cmocka
 * suites of the channel-program translator.
 */
#ifndef UVF_TEST_CP_COMMON_H
#define UVF_TEST_CP_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_cp_harness.h"

/* Guest layout: RAM at 0 (1 MiB), a high map above 4 GiB, a read-only and
 * a write-only map, and one just below and at 16 MiB for format-0 limits. */
#define RAM		0x0ull
#define RAM_LEN		(1u << 20)
#define PROG		0x1000u
#define PROG2		0x3000u
#define IDAL		0x8000u
#define DATA		0x10000u
#define HIGH		0x100000000ull
#define HIGH_LEN	(64u << 10)
#define RO		0x200000u
#define WO		0x300000u
#define SML_LEN		(64u << 10)
#define NOWHERE_G	0x500000u	/* not mapped */

#define RW	(UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE)
#define R_	UVF_CSS_PROT_READ
#define W_	UVF_CSS_PROT_WRITE

#define F	UVF_CSS_ORB_F
#define H	UVF_CSS_ORB_H
#define T	UVF_CSS_ORB_T
#define CD	UVF_CSS_CCW_CD
#define CC	UVF_CSS_CCW_CC
#define SLI	UVF_CSS_CCW_SLI
#define SKP	UVF_CSS_CCW_SKP
#define PCI	UVF_CSS_CCW_PCI
#define IDA	UVF_CSS_CCW_IDA
#define SUS	UVF_CSS_CCW_S

#define RD	0x02
#define WR	0x01
#define NOP	0x03
#define SNS	0x04
#define SMC	0x07	/* control: CE|DE|SM */
#define UEC	0x0B	/* control: unit exception */
#define REJ	0x13
#define RDB	0x0C
#define TIC	0x08

#define CS_PROG	UVF_CSS_CS_PROG
#define CS_PROT	UVF_CSS_CS_PROT
#define CS_IL	UVF_CSS_CS_IL

static inline struct cph *cp_fixture(bool csense)
{
	struct cph_opts o = { .guard = true, .csense = csense };
	struct cph *h = cph_new(&o);

	assert_non_null(h);
	assert_int_equal(cph_map(h, RAM, RAM_LEN, RW), 0);
	assert_int_equal(cph_map(h, HIGH, HIGH_LEN, RW), 0);
	assert_int_equal(cph_map(h, RO, SML_LEN, R_), 0);
	assert_int_equal(cph_map(h, WO, SML_LEN, W_), 0);
	assert_true(cph_fill(h, DATA, 0x40000, 0x11));
	assert_true(cph_fill(h, HIGH, HIGH_LEN, 0x22));
	assert_true(cph_fill(h, RO, SML_LEN, 0x33));
	assert_true(cph_fill(h, WO, SML_LEN, 0x44));
	return h;
}

/* The suite's fixture, one per test program (test_cp_common.c). */
extern struct cph *h;
int cp_setup(void **state);		/* cp_fixture(false) */
int cp_setup_csense(void **state);	/* cp_fixture(true) */
int cp_teardown(void **state);		/* freed, and nothing was leaked */

/* A format-1 ORB with all paths. */
static inline void orb1(uint8_t orb[12], uint32_t cpa, uint16_t ctl)
{
	cph_orb(orb, cpa, F | ctl, 0xFF, 0);
}

/* Device transfer length for cmd on both sides (the workers are idle). */
static inline void set_len(struct cph *x, uint8_t cmd, uint16_t len)
{
	x->ref.td.cfg.len[cmd] = len;
	x->tr.td.cfg.len[cmd] = len;
}

/* Run orb both ways; fail with both runs printed unless they agree.
 * Returns the native run in *ref. */
static inline void diff_ok_(struct cph *x, const uint8_t orb[12],
			    unsigned flags, struct cph_run *ref,
			    const char *file, int line)
{
	struct cph_run r, t;
	char why[320];
	int ret;

	if (!ref)
		ref = &r;
	memset(&t, 0, sizeof(t));
	ret = cph_diff(x, orb, flags, ref, &t, why, sizeof(why));
	if (ret) {
		cph_dump_run("native", ref);
		cph_dump_run("translated", &t);
		fprintf(stderr, "%s:%d: %s\n", file, line, why);
		_fail(file, line);
	}
}
#define diff_ok(h, orb, flags, ref) diff_ok_(h, orb, flags, ref, __FILE__, __LINE__)

static inline const struct uvf_css_irb *last_irb(const struct cph_run *r)
{
	assert_true(r->nirb > 0);
	return &r->irb[r->nirb - 1];
}

/* The native outcome a test is about. */
static inline void expect_end_(const struct cph_run *r, uint8_t dstat,
			       uint8_t cstat, uint32_t cpa, uint16_t count)
{
	const struct uvf_css_irb *irb = last_irb(r);

	assert_int_equal(irb->scsw.dstat, dstat);
	assert_int_equal(irb->scsw.cstat, cstat);
	assert_int_equal(uvf_css_scsw_cpa(&irb->scsw), cpa);
	assert_int_equal(uvf_css_scsw_count(&irb->scsw), count);
}
#define CE_DE		(UVF_CSS_DS_CE | UVF_CSS_DS_DE)
#define expect_ok(r, cpa)	expect_end_(r, CE_DE, 0, cpa, 0)
#define expect_prog(r, cpa, count) expect_end_(r, 0, CS_PROG, cpa, count)
/* A check during a transfer: the device had ended its command normally. */
#define expect_prog_x(r, cpa, count) expect_end_(r, CE_DE, CS_PROG, cpa, count)

#endif
