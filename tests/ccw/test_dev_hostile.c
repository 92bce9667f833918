/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_hostile.c - hostile channel programs through the whole
 * device (issue 6, item 9).
 *
 * Programs the channel must reject with a program check are run twice: on
 * the device (region write, translation, windows, the device's css, the
 * IRB through the region) and natively on the reference side of the
 * differential harness (test_cp_harness.h: the guest ORB given to a css
 * that maps guest memory at its guest addresses, as a mainframe would).
 * The device's final IRB must equal the native one, CPA in guest space.
 *
 * Programs the device must refuse (data outside the DMA maps, limits,
 * transport mode) must fail the START with the documented errno and touch
 * nothing: guard pages around a small DMA map and the disk are checked.
 * A DMA_UNMAP of memory a running program uses resets the device.
 */
#include "test_dev_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <uvfio/vfio-user.h>

#include "test_cp_harness.h"

#define CCW_NOOP	UVF_CSS_CMD_NOOP
#define CCW_TIC		UVF_CSS_CMD_TIC
#define CC		UVF_CSS_CCW_CC
#define CD		UVF_CSS_CCW_CD
#define IDA		UVF_CSS_CCW_IDA
#define SLI		UVF_CSS_CCW_SLI	/* NOOPs move nothing: no incorrect length */

static void nothing_happened(struct dfx *f, uint64_t irbs);

/* ---- the native reference ---- */

struct hfx {
	struct dfx *f;
	struct cph *h;
};

static int hsetup(void **state)
{
	struct cph_opts o = {
		.fba = true, .fba_blocks = 1024, .fba_blksize = 512, .guard = true,
	};
	struct hfx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->f = dfx_new(NULL);
	x->h = cph_new(&o);
	assert_non_null(x->h);
	assert_int_equal(cph_map(x->h, UVF_CLIENT_CCW_IOVA, x->f->o.guest_mem,
				 UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE), 0);
	*state = x;
	return 0;
}

static int hteardown(void **state)
{
	struct hfx *x = *state;

	assert_int_equal(cph_free(x->h), 0);
	dfx_knobs_off(x->f);
	dfx_free(x->f);
	free(x);
	return 0;
}

/* Run the program in the device's guest memory on the device and
 * natively; their final IRBs must be equal.  Returns the native one. */
static struct uvf_css_irb same_as_native(struct hfx *x, const uint8_t orb[12])
{
	struct dfx *f = x->f;
	struct cph_run ref;
	struct uvf_css_irb irb;
	const struct uvf_css_irb *want;

	assert_true(cph_poke(x->h, UVF_CLIENT_CCW_IOVA, g_ptr(f, 0), f->o.guest_mem));
	assert_int_equal(cph_run_ref(x->h, orb, &ref), 0);
	assert_int_equal(ref.cc, 0);
	assert_true(ref.nirb > 0);
	want = &ref.irb[ref.nirb - 1];

	assert_int_equal(vmm_start(f, orb), 0);
	do
		vmm_wait_irb(f, &irb);
	while (uvf_css_scsw_is_intermediate_only(&irb.scsw));
	if (memcmp(&irb, want, 64)) {
		cph_dump_run("native", &ref);
		fprintf(stderr, "device: ctrl %04x cpa %08x dstat %02x cstat %02x count %u "
			"flags %04x\n", uvf_css_scsw_ctrl(&irb.scsw), uvf_css_scsw_cpa(&irb.scsw),
			irb.scsw.dstat, irb.scsw.cstat, uvf_css_scsw_count(&irb.scsw),
			uvf_css_scsw_flags(&irb.scsw));
		fail_msg("the device's IRB differs from the native one");
	}
	if (getenv("DEV_DUMP"))	/* debugging aid: show every native run */
		cph_dump_run("native", &ref);
	assert_quiet_idle(f);
	return *want;
}

static void expect_prog_check(const struct uvf_css_irb *irb, uint32_t cpa)
{
	assert_int_equal(uvf_css_scsw_fc(&irb->scsw), UVF_CSS_FC_START);
	assert_true(irb->scsw.cstat & UVF_CSS_CS_PROG);
	assert_int_equal(uvf_css_scsw_cpa(&irb->scsw), cpa);
}

static void tic_to_tic(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	g_ccw1(f, G_PROG, CCW_NOOP, CC | SLI, 1, 0);
	g_ccw1(f, G_PROG + 8, CCW_TIC, 0, 0, GA(G_PROG + 0x40));
	g_ccw1(f, G_PROG + 0x40, CCW_TIC, 0, 0, GA(G_PROG + 0x80));
	g_ccw1(f, G_PROG + 0x80, CCW_NOOP, SLI, 1, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	irb = same_as_native(x, orb);
	expect_prog_check(&irb, GA(G_PROG + 0x48));
}

static void tic_misaligned(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	g_ccw1(f, G_PROG, CCW_NOOP, CC | SLI, 1, 0);
	g_ccw1(f, G_PROG + 8, CCW_TIC, 0, 0, GA(G_PROG + 0x44));
	g_ccw1(f, G_PROG + 0x40, CCW_NOOP, SLI, 1, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	irb = same_as_native(x, orb);
	assert_true(irb.scsw.cstat & UVF_CSS_CS_PROG);
}

/* A TIC with flags, count or a high nibble; an invalid command code; the
 * suspend flag without ORB S; MIDA. */
static void bad_ccws(void **state)
{
	static const struct { uint8_t cmd, flags; uint16_t count; } bad[] = {
		{ CCW_TIC, CC, 0 }, { CCW_TIC, 0, 8 }, { 0x18, 0, 0 }, { 0x00, 0, 1 },
		{ 0x10, 0, 1 }, { CCW_NOOP, UVF_CSS_CCW_S | SLI, 1 }, { CCW_NOOP, UVF_CSS_CCW_MIDA | SLI, 1 },
	};
	struct hfx *x = *state;
	struct dfx *f = x->f;
	uint8_t orb[12];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct uvf_css_irb irb;

		g_ccw1(f, G_PROG, CCW_NOOP, CC | SLI, 1, 0);
		g_ccw1(f, G_PROG + 8, bad[i].cmd, bad[i].flags, bad[i].count,
		       bad[i].cmd == CCW_TIC || bad[i].cmd == 0x18 ? GA(G_PROG) : 0);
		g_ccw1(f, G_PROG + 16, CCW_NOOP, SLI, 1, 0);
		g_orb(orb, GA(G_PROG), ORB_STD);
		irb = same_as_native(x, orb);
		expect_prog_check(&irb, GA(G_PROG + 16));
	}
}

/* Zero counts where the architecture forbids them: a format-0 CCW, and a
 * format-1 CCW data-chained to. */
static void zero_counts(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct uvf_css_irb irb;
	uint8_t orb[12];

	/* Format 0 (ORB F = 0): NOP with count 0. */
	g_ccw0(f, G_PROG, CCW_NOOP, CC | SLI, 1, 0);
	g_ccw0(f, G_PROG + 8, CCW_NOOP, 0, 0, 0);
	g_orb(orb, GA(G_PROG), UVF_CSS_ORB_P | UVF_CSS_ORB_H);
	irb = same_as_native(x, orb);
	expect_prog_check(&irb, GA(G_PROG + 16));

	/* A real FBA read of one block whose second half is data-chained to
	 * a CCW with count 0. */
	g_fba_prog(f, G_PROG, G_PARM, false, 3, 1, G_BUF, 0);
	g_ccw1(f, G_PROG + 16, UVF_CSS_FBA_READ, CD, 256, GA(G_BUF));
	g_ccw1(f, G_PROG + 24, UVF_CSS_FBA_READ, 0, 0, GA(G_BUF + 256));
	g_orb(orb, GA(G_PROG), ORB_STD);
	irb = same_as_native(x, orb);
	expect_prog_check(&irb, GA(G_PROG + 32));
}

/* Bad IDAWs: a format-2 IDAW off its block boundary, a format-1 IDAW with
 * bit 0 set, an IDAL running off the end of guest memory: program checks
 * as on hardware.  An IDAW whose data lies outside the maps is refused
 * (-EFAULT, cp.h), touching nothing. */
static void bad_idaws(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	uint32_t tail = (uint32_t)f->o.guest_mem - 8;
	uint8_t *idal = g_ptr(f, G_IDAL), orb[12];
	struct uvf_css_irb irb;
	struct dfx_snap s;

	/* 512 bytes starting 256 below a 4K boundary: two format-2 IDAWs,
	 * the second one 8 bytes past the boundary. */
	g_fba_prog(f, G_PROG, G_PARM, false, 3, 1, G_BUF, 0);
	g_ccw1(f, G_PROG + 16, UVF_CSS_FBA_READ, IDA, 512, GA(G_IDAL));
	uvf_css_put_be64(idal, GA(0x2000 - 256));
	uvf_css_put_be64(idal + 8, GA(0x2000 + 8));
	g_orb(orb, GA(G_PROG), ORB_STD);
	irb = same_as_native(x, orb);
	expect_prog_check(&irb, GA(G_PROG + 24));
	assert_int_equal(uvf_css_scsw_count(&irb.scsw), 256);

	/* Format-1 IDAWs (ORB H = 0): bit 0 set in the first IDAW. */
	uvf_css_put_be32(idal, 0x80000000u | GA(G_BUF));
	g_orb(orb, GA(G_PROG), UVF_CSS_ORB_F | UVF_CSS_ORB_P);
	irb = same_as_native(x, orb);
	expect_prog_check(&irb, GA(G_PROG + 24));

	/* The IDAL's second IDAW would lie beyond guest memory. */
	g_ccw1(f, G_PROG + 16, UVF_CSS_FBA_READ, IDA, 512, GA(tail));
	uvf_css_put_be64(g_ptr(f, tail), GA(0x2000 - 256));
	g_orb(orb, GA(G_PROG), ORB_STD);
	irb = same_as_native(x, orb);
	expect_prog_check(&irb, GA(G_PROG + 24));
	assert_int_equal(uvf_css_scsw_count(&irb.scsw), 256);

	/* A second IDAW pointing outside every map: refused at START. */
	g_ccw1(f, G_PROG + 16, UVF_CSS_FBA_READ, IDA, 512, GA(G_IDAL));
	uvf_css_put_be64(idal, GA(0x2000 - 256));
	uvf_css_put_be64(idal + 8, 0x40000000ull);
	memset(g_ptr(f, 0x2000 - 256), 0x77, 256);
	dfx_snap(f, &s);
	assert_int_equal(vmm_start(f, orb), -EFAULT);
	nothing_happened(f, s.irbs_delivered);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(g_ptr(f, 0x2000 - 256)[i], 0x77);
}

/* ---- refused programs ---- */

/* A 3-page memfd of which only the middle page is DMA-mapped at GUARD_IOVA:
 * the other two pages are guards the device must never touch. */
#define GUARD_IOVA	0x10000000ull
#define PG		4096u

struct guard {
	int fd;
	uint8_t *p;
};

static void guard_map(struct dfx *f, struct guard *g)
{
	g->fd = memfd_create("guard", MFD_CLOEXEC);
	assert_true(g->fd >= 0);
	assert_int_equal(ftruncate(g->fd, 3 * PG), 0);
	g->p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	assert_true(g->p != MAP_FAILED);
	memset(g->p, 0xEE, 3 * PG);
	assert_int_equal(uvf_client_dma_map(f->cl, GUARD_IOVA, PG,
					    UVF_VU_DMA_MAP_F_READ | UVF_VU_DMA_MAP_F_WRITE, g->fd,
					    PG, g->p + PG), 0);
}

static void guard_intact(const struct guard *g)
{
	for (unsigned i = 0; i < 3 * PG; i++)
		if (g->p[i] != 0xEE) {
			fprintf(stderr, "guard memory byte %u changed: %#x\n", i, g->p[i]);
			fail();
		}
}

static void guard_unmap(struct dfx *f, struct guard *g, bool mapped)
{
	if (mapped)
		assert_int_equal(uvf_client_dma_unmap(f->cl, GUARD_IOVA, PG), 0);
	munmap(g->p, 3 * PG);
	close(g->fd);
}

static void nothing_happened(struct dfx *f, uint64_t irbs)
{
	struct dfx_snap s;

	dfx_snap(f, &s);
	assert_int_equal(s.irbs_delivered, irbs);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_int_equal(css_ctrl(f), 0);
	assert_false(vmm_io_signalled(f));
}

/* A 1-block FBA program (ORB_STD) whose data CCW covers [data, data+512). */
static int fba_data_at(struct dfx *f, bool write, uint64_t data)
{
	uint8_t orb[12];

	g_fba_prog(f, G_PROG, G_PARM, write, 6, 1, G_BUF, 0);
	g_ccw1(f, G_PROG + 16, write ? UVF_CSS_FBA_WRITE : UVF_CSS_FBA_READ, 0, 512,
	       (uint32_t)data);
	g_orb(orb, GA(G_PROG), ORB_STD);
	return vmm_start(f, orb);
}

static void data_outside_maps(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct guard g;
	uint8_t before[512], after[512];
	struct uvf_css_irb irb;
	struct dfx_snap s;
	int32_t ret;

	guard_map(f, &g);
	assert_int_equal(uvf_client_ccw_fba_rw(&f->cc, false, 6, 1, before, NULL), 0);
	dfx_snap(f, &s);
	/* Reads into, writes from: below the map, across its start, across
	 * its end, wholly above it. */
	static const int64_t at[] = { -1024, -256, PG - 256, PG, 2 * PG + 512 };
	for (unsigned w = 0; w < 2; w++)
		for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
			assert_int_equal(fba_data_at(f, w, (uint64_t)((int64_t)GUARD_IOVA + at[i])),
					 -EFAULT);
			assert_int_equal(uvf_client_region_read(f->cl, 0, UVF_CCW_IO_RET_OFF, &ret,
								 4), 0);
			assert_int_equal(ret, -EFAULT);
			nothing_happened(f, s.irbs_delivered);
			guard_intact(&g);
		}
	/* Also far outside every map, and spanning the end of guest memory. */
	assert_int_equal(fba_data_at(f, false, 0x7F000000u), -EFAULT);
	assert_int_equal(fba_data_at(f, false, GA(f->o.guest_mem - 256)), -EFAULT);
	nothing_happened(f, s.irbs_delivered);
	/* The disk block those writes named is unchanged. */
	assert_int_equal(uvf_client_ccw_fba_rw(&f->cc, false, 6, 1, after, NULL), 0);
	assert_memory_equal(before, after, sizeof(before));

	/* Inside the map: works, and stores nothing outside it. */
	assert_int_equal(fba_data_at(f, false, GUARD_IOVA + PG - 512), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	assert_memory_equal(g.p + 2 * PG - 512, before, 512);
	memset(g.p + 2 * PG - 512, 0xEE, 512);
	guard_intact(&g);
	guard_unmap(f, &g, true);
	assert_quiet_idle(f);
}

static void limits(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct dfx_snap s;
	struct uvf_css_irb irb;
	uint8_t orb[12];
	unsigned i;

	dfx_snap(f, &s);
	/* 255 CCWs in a segment are fine (and natively too), 256 are not. */
	for (i = 0; i < 255; i++)
		g_ccw1(f, G_PROG + 8 * i, CCW_NOOP, (i < 254 ? CC : 0) | SLI, 1, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	irb = same_as_native(x, orb);
	assert_start_ok(&irb);
	dfx_snap(f, &s);
	g_ccw1(f, G_PROG + 8 * 254, CCW_NOOP, CC | SLI, 1, 0);
	g_ccw1(f, G_PROG + 8 * 255, CCW_NOOP, SLI, 1, 0);
	assert_int_equal(vmm_start(f, orb), -EINVAL);
	nothing_happened(f, s.irbs_delivered);

	/* 16 segments (TIC chains) are fine, 17 are not. */
	for (unsigned nseg = 16; nseg <= 17; nseg++) {
		memset(g_ptr(f, G_PROG), 0, 0x800);
		for (i = 0; i < nseg; i++) {
			g_ccw1(f, G_PROG + 0x40 * i, CCW_NOOP, (i + 1 < nseg ? CC : 0) | SLI, 1, 0);
			if (i + 1 < nseg)
				g_ccw1(f, G_PROG + 0x40 * i + 8, CCW_TIC, 0, 0,
				       GA(G_PROG + 0x40 * (i + 1)));
		}
		if (nseg == 16) {
			irb = same_as_native(x, orb);
			assert_start_ok(&irb);
			dfx_snap(f, &s);
		} else {
			assert_int_equal(vmm_start(f, orb), -EINVAL);
			nothing_happened(f, s.irbs_delivered);
		}
	}

	/* ORBs the device cannot run or hardware rejects. */
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(orb, GA(G_PROG), ORB_STD | UVF_CSS_ORB_B);		/* transport mode */
	assert_int_equal(vmm_start(f, orb), -EOPNOTSUPP);
	g_orb(orb, GA(G_PROG), ORB_STD);
	orb[7] = UVF_CSS_ORB2_D;					/* MIDAW */
	assert_int_equal(vmm_start(f, orb), -EOPNOTSUPP);
	orb[7] = UVF_CSS_ORB2_X;					/* extension */
	assert_int_equal(vmm_start(f, orb), -EOPNOTSUPP);
	orb[7] = 0x02;							/* reserved */
	assert_int_equal(vmm_start(f, orb), -EINVAL);
	g_orb(orb, GA(G_PROG) | 0x80000000u, ORB_STD);		/* CPA bit 0 */
	assert_int_equal(vmm_start(f, orb), -EINVAL);
	nothing_happened(f, s.irbs_delivered);
	/* The device is fine afterwards. */
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
}

/* DMA_UNMAP of the buffer a running program reads into: the device resets
 * (the program is halted and freed, no IRB), the memory is never stored
 * into, and the device serves the next program. */
static void unmap_running(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct guard g;
	struct uvf_css_irb irb;
	struct dfx_snap s;

	guard_map(f, &g);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, 2), 0);
	assert_int_equal(fba_data_at(f, false, GUARD_IOVA), 0);
	assert_int_equal(uvf_css_sch_wait_paused(f->sch, DFX_WAIT_MS), 0);
	assert_int_equal(uvf_client_dma_unmap(f->cl, GUARD_IOVA, PG), 0);
	dfx_wait_state(f, UVF_CCW_IDLE);
	dfx_snap(f, &s);
	assert_false(s.cp);
	assert_int_equal(s.live, 0);
	assert_false(s.irb_pending);
	assert_int_equal(uvf_css_sch_pause_at(f->sch, -1), 0);
	assert_false(vmm_io_signalled(f));
	guard_intact(&g);
	/* Mapping it again and reading into it works. */
	assert_int_equal(uvf_client_dma_map(f->cl, GUARD_IOVA, PG,
					    UVF_VU_DMA_MAP_F_READ | UVF_VU_DMA_MAP_F_WRITE, g.fd,
					    PG, g.p + PG), 0);
	assert_int_equal(fba_data_at(f, false, GUARD_IOVA), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
	guard_unmap(f, &g, true);
	assert_quiet_idle(f);
}

static bool not_closing(const struct dfx_snap *s, const void *arg)
{
	(void)arg;
	return s->state != UVF_CCW_CLOSING;
}

/* The same while the device does not answer the halt, and the VMM resets
 * the device while the unmap's reset is still quiescing: once both are
 * done the device must be open again. */
static void unmap_then_reset_while_closing(void **state)
{
	struct hfx *x = *state;
	struct dfx *f = x->f;
	struct guard g;
	struct uvf_css_irb irb;
	struct dfx_snap s;
	uint8_t orb[12];
	int r;

	guard_map(f, &g);
	assert_int_equal(uvf_css_fault_hang(f->sch, true), 0);
	assert_int_equal(fba_data_at(f, false, GUARD_IOVA), 0);
	assert_int_equal(uvf_client_dma_unmap(f->cl, GUARD_IOVA, PG), 0);
	dfx_snap(f, &s);
	assert_int_equal(s.state, UVF_CCW_CLOSING);
	r = uvf_client_reset(f->cl);
	assert_int_equal(r, 0);
	assert_int_equal(uvf_css_fault_hang(f->sch, false), 0);
	dfx_wait_snap(f, not_closing, NULL, "the end of the quiesce");
	dfx_snap(f, &s);
	assert_int_equal(s.live, 0);
	guard_intact(&g);
	guard_unmap(f, &g, false);
	if (s.state != UVF_CCW_IDLE)
		fprintf(stderr, "BUG: after DEVICE_RESET returned %d the device is %s, "
			"not IDLE\n", r, ccw_state_name(s.state));
	assert_int_equal(s.state, UVF_CCW_IDLE);
	g_fba_prog(f, G_PROG, G_PARM, false, 1, 1, G_BUF, 0);
	g_orb(orb, GA(G_PROG), ORB_STD);
	assert_int_equal(vmm_start(f, orb), 0);
	vmm_wait_irb(f, &irb);
	assert_start_ok(&irb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tic_to_tic, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(tic_misaligned, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(bad_ccws, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(zero_counts, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(bad_idaws, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(data_outside_maps, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(limits, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(unmap_running, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(unmap_then_reset_while_closing, hsetup, hteardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
