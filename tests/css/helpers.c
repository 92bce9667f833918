/* SPDX-License-Identifier: MIT */
/*
 * tests/css/helpers.c - fixtures for the css tests (see helpers.h).
 */
#include "helpers.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* ---- test device -------------------------------------------------------- */

static void td_chain_start(void *dev)
{
	((struct testdev *)dev)->chain_starts++;
}

static uint8_t td_exec(void *dev, uint8_t cmd, struct uvf_css_xfer *x)
{
	struct testdev *td = dev;
	uint8_t buf[65536];
	unsigned i;

	if (td->nlog < TD_MAX_LOG)
		td->log[td->nlog++] = cmd;
	switch (cmd) {
	case TD_WRITE:
		td->last_xfer = uvf_css_xfer_from_storage(x, td->wbuf, td->len);
		td->wlen = td->last_xfer > 0 ? (unsigned)td->last_xfer : 0;
		return CE_DE;
	case TD_READ:
	case TD_READ_BACK:
		for (i = 0; i < td->len; i++)
			buf[i] = td_pattern(i);
		td->last_xfer = uvf_css_xfer_to_storage(x, buf, td->len);
		return CE_DE;
	case TD_SENSE:
		td->last_xfer = uvf_css_xfer_to_storage(x, td->sense,
							sizeof(td->sense));
		memset(td->sense, 0, sizeof(td->sense));
		return CE_DE;
	case TD_NOOP:
		return CE_DE;
	case TD_GATED: {
		uint64_t v;

		if (read(td->gate_efd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			return CE_DE | UVF_CSS_DS_UC;
		return CE_DE;
	}
	case TD_SM:
		return CE_DE | UVF_CSS_DS_SM;
	case TD_UE:
		return CE_DE | UVF_CSS_DS_UE;
	default:
		memset(td->sense, 0, sizeof(td->sense));
		td->sense[0] = UVF_CSS_SNS0_CMD_REJECT;
		return CE_DE | UVF_CSS_DS_UC;
	}
}

static size_t td_take_sense(void *dev, uint8_t *buf, size_t len)
{
	struct testdev *td = dev;
	size_t n = len < sizeof(td->sense) ? len : sizeof(td->sense);

	memcpy(buf, td->sense, n);
	memset(td->sense, 0, sizeof(td->sense));
	return n;
}

static void td_halt(void *dev)
{
	((struct testdev *)dev)->halts++;
}

static void td_clear(void *dev)
{
	((struct testdev *)dev)->clears++;
}

const struct uvf_css_devops testdev_ops = {
	.version = UVF_CSS_DEVOPS_VERSION,
	.chain_start = td_chain_start,
	.exec = td_exec,
	.take_sense = td_take_sense,
	.halt = td_halt,
	.clear = td_clear,
};

/* ---- environment -------------------------------------------------------- */

static struct env *env_alloc(void)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->fds_before = uvf_test_count_fds();
	assert_int_equal(uvf_css_create(&e->css, 0), 0);
	e->mem = calloc(1, STORAGE_LEN);
	assert_non_null(e->mem);
	assert_int_equal(uvf_css_mem_map(e->css, 0, e->mem, STORAGE_LEN,
					 UVF_CSS_PROT_READ | UVF_CSS_PROT_WRITE),
			 0);
	e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	assert_true(e->efd >= 0);
	return e;
}

static void env_attach(struct env *e, const struct uvf_css_devops *ops,
		       void *dev)
{
	struct uvf_css_sch_config cfg = {
		.ssid = 0, .schno = 0, .devno = 0x1234, .pim = 0xC0,
		.chpid = { 0x10, 0x11 }, .ops = ops, .dev = dev,
	};

	assert_int_equal(uvf_css_sch_create(e->css, &cfg, &e->sch), 0);
	assert_int_equal(uvf_css_sch_set_doorbell(e->sch, e->efd), 0);
	env_enable(e, false);
}

struct env *env_new_testdev(void)
{
	struct env *e = env_alloc();

	e->td = calloc(1, sizeof(*e->td));
	assert_non_null(e->td);
	e->td->len = 64;
	e->td->gate_efd = eventfd(0, EFD_CLOEXEC);
	assert_true(e->td->gate_efd >= 0);
	env_attach(e, &testdev_ops, e->td);
	return e;
}

struct env *env_new_fba(uint32_t blocks, uint16_t blksize, bool no_dc)
{
	static unsigned serial;
	struct env *e = env_alloc();
	char name[64];
	struct uvf_css_fba_config cfg = {
		.blocks = blocks, .blksize = blksize,
		.no_data_chaining = no_dc,
	};

	snprintf(name, sizeof(name), "fba-%d-%u.img", (int)getpid(),
		 serial++);
	uvf_test_tmppath(e->image, sizeof(e->image), name);
	unlink(e->image);
	cfg.path = e->image;
	assert_int_equal(uvf_css_fba_open(&cfg, &e->fba), 0);
	env_attach(e, &uvf_css_fba_ops, e->fba);
	return e;
}

void env_free(struct env *e)
{
	uvf_css_destroy(e->css);	/* destroys the sch, closes the fba */
	close(e->efd);
	free(e->mem);
	if (e->td)
		close(e->td->gate_efd);
	free(e->td);
	if (e->image[0])
		unlink(e->image);
	assert_int_equal(uvf_test_count_fds(), e->fds_before);
	free(e);
}

void env_enable(struct env *e, bool csense)
{
	struct uvf_css_schib schib;
	uint16_t flags;
	uint32_t chars;

	assert_int_equal(uvf_css_stsch(e->sch, &schib), 0);
	flags = uvf_css_get_be16(schib.pmcw.flags);
	uvf_css_put_be16(schib.pmcw.flags, flags | UVF_CSS_PMCW_ENA |
			 (3 << UVF_CSS_PMCW_ISC_SHIFT));
	chars = uvf_css_get_be32(schib.pmcw.chars);
	chars = csense ? chars | UVF_CSS_CHARS_CSENSE :
			 chars & ~UVF_CSS_CHARS_CSENSE;
	uvf_css_put_be32(schib.pmcw.chars, chars);
	uvf_css_put_be32(schib.pmcw.intparm, 0xCAFE);
	assert_int_equal(uvf_css_msch(e->sch, &schib), 0);
}

/* ---- builders ----------------------------------------------------------- */

void put_ccw1(struct env *e, uint64_t addr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda)
{
	uvf_css_ccw1_put(e->mem + addr, cmd, flags, count, cda);
}

void put_ccw0(struct env *e, uint64_t addr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda)
{
	uvf_css_ccw0_put(e->mem + addr, cmd, flags, count, cda);
}

void put_idaw1(struct env *e, uint64_t addr, uint32_t a)
{
	uvf_css_put_be32(e->mem + addr, a);
}

void put_idaw2(struct env *e, uint64_t addr, uint64_t a)
{
	uvf_css_put_be64(e->mem + addr, a);
}

void make_orb(struct uvf_css_orb *orb, uint32_t cpa, uint16_t ctl)
{
	memset(orb, 0, sizeof(*orb));
	uvf_css_put_be32(orb->intparm, 0x12345678);
	uvf_css_put_be16(orb->ctl, UVF_CSS_ORB_F | ctl);
	orb->lpm = 0xFF;
	uvf_css_put_be32(orb->cpa, cpa);
}

void start(struct env *e, uint32_t cpa, uint16_t ctl)
{
	struct uvf_css_orb orb;

	make_orb(&orb, cpa, ctl);
	assert_int_equal(uvf_css_ssch(e->sch, &orb), 0);
}

uint64_t drain(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int wait_irb_ms(struct env *e, struct uvf_css_irb *irb,
		struct uvf_css_tag *tag, unsigned ms)
{
	struct pollfd pfd = { .fd = e->efd, .events = POLLIN };
	struct timespec t0;
	long left;
	int cc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		/* Test first, then wait: a doorbell rung before we looked is
		 * still in the counter, so nothing is missed. */
		cc = uvf_css_tsch_tagged(e->sch, irb, tag);
		if (cc == 0)
			return 0;
		left = (long)ms - ms_since(&t0);
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) > 0)
			drain(e->efd);
	}
}

int wait_irb(struct env *e, struct uvf_css_irb *irb, struct uvf_css_tag *tag)
{
	return wait_irb_ms(e, irb, tag, WAIT_MS);
}

void run(struct env *e, uint32_t cpa, uint16_t ctl, struct uvf_css_irb *irb)
{
	start(e, cpa, ctl);
	assert_int_equal(wait_irb(e, irb, NULL), 0);
	assert_true(uvf_css_scsw_is_final(&irb->scsw));
}

void check_scsw(const struct uvf_css_irb *irb, uint16_t ctrl, uint8_t dstat,
		uint8_t cstat)
{
	assert_int_equal(uvf_css_scsw_ctrl(&irb->scsw), ctrl);
	assert_int_equal(irb->scsw.dstat, dstat);
	assert_int_equal(irb->scsw.cstat, cstat);
}

/* ---- FBA program builders ----------------------------------------------- */

void fba_put_de(struct env *e, uint64_t addr, uint8_t mask, uint16_t blksize,
		uint32_t locator, uint32_t first, uint32_t last)
{
	uint8_t *p = e->mem + addr;

	memset(p, 0, 16);
	p[0] = mask;
	uvf_css_put_be16(p + 2, blksize);
	uvf_css_put_be32(p + 4, locator);
	uvf_css_put_be32(p + 8, first);
	uvf_css_put_be32(p + 12, last);
}

void fba_put_locate(struct env *e, uint64_t addr, uint8_t op, uint16_t count,
		    uint32_t block)
{
	uint8_t *p = e->mem + addr;

	p[0] = op;
	p[1] = 0;
	uvf_css_put_be16(p + 2, count);
	uvf_css_put_be32(p + 4, block);
}

void fba_rw_program(struct env *e, uint32_t prog, bool write, uint32_t block,
		    uint16_t n, uint32_t buf, uint16_t blksize)
{
	fba_put_de(e, prog + 0x100, write ? 0x00 : 0x40, blksize, block, 0,
		   n - 1u);
	fba_put_locate(e, prog + 0x110, write ? UVF_CSS_FBA_OP_WRITE_VERIFY :
		       UVF_CSS_FBA_OP_READ, n, 0);
	put_ccw1(e, prog, UVF_CSS_FBA_DEFINE_EXT, UVF_CSS_CCW_CC, 16,
		 prog + 0x100);
	put_ccw1(e, prog + 8, UVF_CSS_FBA_LOCATE, UVF_CSS_CCW_CC, 8,
		 prog + 0x110);
	put_ccw1(e, prog + 16, write ? UVF_CSS_FBA_WRITE : UVF_CSS_FBA_READ, 0,
		 (uint16_t)(n * blksize), buf);
}
