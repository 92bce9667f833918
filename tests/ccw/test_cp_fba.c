/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_fba.c - the channel programs Linux and zipl build for an
 * FBA disk (fba-disk.md §4) run the same natively and translated: status,
 * guest memory and the disk image afterwards.
 */
#include "test_cp_common.h"

#define BS	512u
#define BLOCKS	1024u
#define PARM	0x4000u
#define BUF	0x20000u	/* 96 blocks = 48 KiB */
#define BUF2	0x40000u
#define DEC	0x63	/* define extent */
#define LOC	0x43
#define FRD	0x42
#define FWR	0x41
#define OP_R	0x06
#define OP_W	0x05

static int setup(void **state)
{
	struct cph_opts o = { .guard = true, .fba = true,
			      .fba_blocks = BLOCKS, .fba_blksize = BS };

	(void)state;
	h = cph_new(&o);
	assert_non_null(h);
	assert_int_equal(cph_map(h, RAM, RAM_LEN, RW), 0);
	assert_int_equal(cph_map(h, HIGH, 0x20000, RW), 0);
	return 0;
}

/* A program being built at PROG with parameter blocks at PARM. */
struct prog {
	uint32_t at, parm;
};

static struct prog prog_new(void)
{
	return (struct prog){ PROG, PARM };
}

static uint32_t emit(struct prog *p, uint8_t cmd, uint8_t flags,
		     uint16_t count, uint32_t cda)
{
	uint32_t at = p->at;

	assert_true(cph_ccw1(h, at, cmd, flags, count, cda));
	p->at += 8;
	return at;
}

static void emit_de(struct prog *p, uint8_t flags, uint8_t mask,
		    uint32_t locator, uint32_t first, uint32_t last)
{
	uint8_t d[16] = { mask, 0 };

	uvf_css_put_be16(d + 2, BS);
	uvf_css_put_be32(d + 4, locator);
	uvf_css_put_be32(d + 8, first);
	uvf_css_put_be32(d + 12, last);
	assert_true(cph_poke(h, p->parm, d, 16));
	emit(p, DEC, flags, 16, p->parm);
	p->parm += 16;
}

static void emit_loc(struct prog *p, uint8_t flags, uint8_t op,
		     uint16_t count, uint32_t block)
{
	uint8_t d[8] = { op, 0 };

	uvf_css_put_be16(d + 2, count);
	uvf_css_put_be32(d + 4, block);
	assert_true(cph_poke(h, p->parm, d, 8));
	emit(p, LOC, flags, 8, p->parm);
	p->parm += 8;
}

enum data_mode { DIRECT, IDA2, IDA1 };

/* A data CCW of one block at buf: direct, or a one-entry IDAL. */
static void emit_data(struct prog *p, bool write, uint8_t flags,
		      uint16_t count, uint64_t buf, enum data_mode m)
{
	if (m == DIRECT) {
		emit(p, write ? FWR : FRD, flags, count, (uint32_t)buf);
		return;
	}
	if (m == IDA2)
		assert_true(cph_idaw2(h, p->parm, buf));
	else
		assert_true(cph_idaw1(h, p->parm, (uint32_t)buf));
	emit(p, write ? FWR : FRD, flags | IDA, count, p->parm);
	p->parm += 8;
}

static uint16_t orb_ctl(enum data_mode m)
{
	return F | (m == IDA1 ? 0 : H);
}

/* §4.1: DE, Locate(n), n one-block data CCWs, all but the last DC. */
static void program_41(bool write, uint32_t first, uint16_t n, uint64_t buf,
		       enum data_mode m)
{
	struct prog p = prog_new();
	unsigned i;

	emit_de(&p, CC, write ? 0x00 : 0x40, first, 0, n - 1u);
	emit_loc(&p, CC, write ? OP_W : OP_R, n, 0);
	for (i = 0; i < n; i++)
		emit_data(&p, write, i + 1u < n ? CD : 0, BS, buf + BS * i, m);
}

/* §4.2: DE, then Locate(1) + Read/Write pairs, command-chained. */
static void program_42(bool write, uint32_t first, uint16_t n, uint64_t buf,
		       enum data_mode m)
{
	struct prog p = prog_new();
	unsigned i;

	emit_de(&p, CC, write ? 0x00 : 0x40, first, 0, n - 1u);
	for (i = 0; i < n; i++) {
		emit_loc(&p, CC, write ? OP_W : OP_R, 1, i);
		emit_data(&p, write, i + 1u < n ? CC : 0, BS, buf + BS * i, m);
	}
}

static void run_ok(uint16_t ctl, uint32_t end)
{
	struct cph_run r;
	uint8_t orb[12];

	cph_orb(orb, PROG, ctl, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	expect_ok(&r, end);
}

static void rw_sizes(bool style42, enum data_mode m, uint64_t wbuf,
		     uint64_t rbuf)
{
	uint16_t n;
	uint32_t end;

	for (n = 1; n <= 96; n++) {
		uint32_t first = (n * 7u) % (BLOCKS - 96);

		assert_true(cph_fill(h, wbuf, BS * n, (uint8_t)n));
		if (style42) {
			program_42(true, first, n, wbuf, m);
			end = PROG + 8 + 16u * n;
		} else {
			program_41(true, first, n, wbuf, m);
			end = PROG + 16 + 8u * n;
		}
		run_ok(orb_ctl(m), end);
		if (style42)
			program_42(false, first, n, rbuf, m);
		else
			program_41(false, first, n, rbuf, m);
		run_ok(orb_ctl(m), end);
		assert_memory_equal(cph_ref(h, rbuf, BS * n),
				    cph_ref(h, wbuf, BS * n), BS * n);
	}
}

static void test_fba_41_direct(void **state)
{
	(void)state;
	rw_sizes(false, DIRECT, BUF, BUF2);
}

static void test_fba_41_ida_fmt2_high(void **state)
{
	(void)state;
	/* Linux: buffers above 2 GiB through one-entry IDALs. */
	rw_sizes(false, IDA2, HIGH, HIGH + 0x10000);
}

static void test_fba_41_ida_fmt1(void **state)
{
	(void)state;
	rw_sizes(false, IDA1, BUF, BUF2);
}

static void test_fba_42_direct(void **state)
{
	(void)state;
	rw_sizes(true, DIRECT, BUF, BUF2);
}

static void test_fba_42_ida_fmt2(void **state)
{
	(void)state;
	rw_sizes(true, IDA2, HIGH, BUF2);
}

static void test_fba_discard(void **state)
{
	struct prog p = prog_new();
	uint8_t zero[4096] = { 0 };

	(void)state;
	/* §4.3, blocks 5..20: zero page head and tail, count-0 middle. */
	assert_true(cph_poke(h, BUF, zero, sizeof(zero)));
	emit_de(&p, CC, 0x00, 5, 0, 15);
	emit_loc(&p, CC, OP_W, 3, 0);
	emit(&p, FWR, CC | SLI, 1536, BUF);
	emit_loc(&p, CC, OP_W, 8, 3);
	emit(&p, FWR, CC | SLI, 0, 0);
	emit_loc(&p, CC, OP_W, 5, 11);
	emit(&p, FWR, SLI, 2560, BUF);
	run_ok(F | H, p.at);
}

static void test_fba_write_zeroes_count0_ida(void **state)
{
	struct prog p = prog_new();

	(void)state;
	/* A count-0 write with IDA and an IDAL that does not exist. */
	emit_de(&p, CC, 0x00, 100, 0, 7);
	emit_loc(&p, CC, OP_W, 8, 0);
	emit(&p, FWR, SLI | IDA, 0, NOWHERE_G);
	run_ok(F | H, p.at);
}

static void test_fba_multiblock_ida(void **state)
{
	struct prog p = prog_new();
	unsigned i;

	(void)state;
	/* zipl dump: permit-all mask, Locate op 1, one Write with IDA+SLI of
	 * 64 blocks from scattered 4K pages. */
	for (i = 0; i < 8; i++) {
		assert_true(cph_fill(h, HIGH + 0x2000 * i, 4096, (uint8_t)i));
		assert_true(cph_idaw2(h, IDAL + 8 * i, HIGH + 0x2000 * i));
	}
	emit_de(&p, CC, 0xC0, 0, 0, BLOCKS - 1);
	emit_loc(&p, CC, 0x01, 64, 200);
	emit(&p, FWR, IDA | SLI, 64 * BS, IDAL);
	run_ok(F | H, p.at);
	/* And read it back with 2K IDAWs, into RAM. */
	p = prog_new();
	for (i = 0; i < 16; i++)
		assert_true(cph_idaw2(h, IDAL + 0x100 + 8 * i,
				      BUF + 0x1000 * i + (i & 1) * 0x800));
	emit_de(&p, CC, 0x40, 0, 0, BLOCKS - 1);
	emit_loc(&p, CC, OP_R, 64, 200);
	emit(&p, FRD, IDA | SLI, 64 * BS, IDAL + 0x100);
	run_ok(F | H | T, p.at);
}

static void test_fba_ipl_style(void **state)
{
	struct prog p = prog_new();
	uint8_t loc[8] = { OP_R, 0, 0, 1, 0, 0, 0, 1 };

	(void)state;
	/* Read IPL, TIC, Locate without DE, Read, Locate, Read, TIC back
	 * into a command-chained tail. */
	emit(&p, 0x02, CC | SLI, 24, DATA);
	emit(&p, TIC, 0, 0, PROG2);
	p.at = PROG2;
	emit_loc(&p, CC, OP_R, 1, 2);
	emit(&p, FRD, CC | SLI, BS, BUF);
	assert_true(cph_poke(h, PARM + 0x80, loc, 8));
	emit(&p, LOC, CC, 8, PARM + 0x80);
	emit(&p, FRD, CC | SLI, BS, BUF + BS);
	emit(&p, TIC, 0, 0, PROG + 0x100);
	p.at = PROG + 0x100;
	emit(&p, NOP, SLI, 0, 0);
	run_ok(F | H, PROG + 0x108);
}

static void test_fba_identify(void **state)
{
	struct prog p = prog_new();

	(void)state;
	emit(&p, 0xE4, CC | SLI, 40, DATA);		/* sense id */
	emit(&p, 0x64, CC, 32, DATA + 0x40);	/* rdc */
	emit(&p, NOP, SLI, 0, 0);
	run_ok(F, p.at);
}

static void test_fba_errors(void **state)
{
	struct prog p = prog_new();
	struct cph_run r;
	uint8_t orb[12];

	(void)state;
	/* Locate outside the extent: unit check; then the sense. */
	emit_de(&p, CC, 0x40, 10, 0, 3);
	emit_loc(&p, CC, OP_R, 8, 0);
	emit(&p, FRD, 0, 8 * BS, BUF);
	cph_orb(orb, PROG, F, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	assert_true(last_irb(&r)->scsw.dstat & UVF_CSS_DS_UC);
	cph_ccw1(h, PROG2, SNS, SLI, 32, DATA);
	cph_orb(orb, PROG2, F, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	/* A write under a read mask; a read past the end of the disk. */
	p = prog_new();
	emit_de(&p, CC, 0x40, 0, 0, 3);
	emit_loc(&p, CC, OP_W, 1, 0);
	emit(&p, FWR, 0, BS, BUF);
	cph_orb(orb, PROG, F, 0xFF, 0);
	diff_ok(h, orb, 0, &r);
	p = prog_new();
	emit_de(&p, CC, 0x40, BLOCKS - 2, 0, 3);
	emit_loc(&p, CC, OP_R, 4, 0);
	emit(&p, FRD, 0, 4 * BS, BUF);
	diff_ok(h, orb, 0, &r);
}

static void test_fba_data_chain_across_maps(void **state)
{
	struct prog p = prog_new();

	(void)state;
	/* One read streamed into RAM, the high map and back, with CCWs of
	 * odd lengths (the device sees one stream). */
	emit_de(&p, CC, 0x40, 40, 0, 3);
	emit_loc(&p, CC, OP_R, 4, 0);
	emit(&p, FRD, CD, 100, BUF + 3);
	emit_data(&p, false, CD, 1000, HIGH + 0x777, IDA2);
	emit(&p, FRD, 0, 4 * BS - 1100, BUF2 + 1);
	run_ok(F | H, p.at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T_(f) cmocka_unit_test_setup_teardown(f, setup, cp_teardown)
		T_(test_fba_41_direct),
		T_(test_fba_41_ida_fmt2_high),
		T_(test_fba_41_ida_fmt1),
		T_(test_fba_42_direct),
		T_(test_fba_42_ida_fmt2),
		T_(test_fba_discard),
		T_(test_fba_write_zeroes_count0_ida),
		T_(test_fba_multiblock_ida),
		T_(test_fba_ipl_style),
		T_(test_fba_identify),
		T_(test_fba_errors),
		T_(test_fba_data_chain_across_maps),
#undef T_
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
