/* SPDX-License-Identifier: MIT */
/*
 * tests/css/helpers.h - shared fixtures for the css tests: a channel
 * subsystem with one subchannel, storage, a doorbell, a scriptable test
 * device, and builders for CCWs and ORBs.
 */
#ifndef UVF_TEST_CSS_HELPERS_H
#define UVF_TEST_CSS_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "uvfio/css.h"

/* Storage: STORAGE_LEN bytes at address 0, read/write. */
#define STORAGE_LEN	(4u << 20)
#define WAIT_MS		5000	/* bound on every wait for status */

/* ---- test device -------------------------------------------------------- */

/* Command codes of the scriptable device. */
#define TD_WRITE	0x01	/* takes td.len bytes into td.wbuf */
#define TD_READ		0x02	/* offers td.len bytes of pattern */
#define TD_NOOP		0x03
#define TD_SENSE	0x04
#define TD_SM		0x07	/* control: CE|DE|SM */
#define TD_UE		0x0B	/* control: CE|DE|UE */
#define TD_READ_BACK	0x0C	/* read backward: td.len bytes of pattern */
#define TD_REJECT	0x13	/* control: unit check, command reject */
#define TD_GATED	0x2B	/* control: waits until td.gate_efd is written */

#define TD_MAX_LOG	512

struct testdev {
	unsigned len;		/* bytes a read/write command moves */
	uint8_t wbuf[65536];
	unsigned wlen;
	uint8_t log[TD_MAX_LOG];	/* commands executed */
	unsigned nlog;
	unsigned chain_starts, halts, clears;
	uint8_t sense[24];
	long last_xfer;		/* result of the last xfer call */
	int gate_efd;		/* TD_GATED blocks on it (blocking eventfd) */
};

extern const struct uvf_css_devops testdev_ops;
/* Byte i of a TD_READ transfer. */
static inline uint8_t td_pattern(unsigned i)
{
	return (uint8_t)(0xA0 + i * 7);
}

/* ---- environment -------------------------------------------------------- */

struct env {
	struct uvf_css *css;
	struct uvf_css_sch *sch;
	struct testdev *td;	/* NULL for the FBA disk */
	struct uvf_css_fba *fba;
	uint8_t *mem;		/* STORAGE_LEN bytes at address 0 */
	int efd;		/* subchannel doorbell */
	int fds_before;
	char image[256];
};

/* Test device behind subchannel 0.0.0000, devno 0x1234, enabled. */
struct env *env_new_testdev(void);
/* FBA disk of blocks x blksize behind the subchannel, enabled. */
struct env *env_new_fba(uint32_t blocks, uint16_t blksize, bool no_dc);
/* Destroys everything, removes the image, asserts no fd leaked. */
void env_free(struct env *e);

void env_enable(struct env *e, bool csense);

/* ---- builders ----------------------------------------------------------- */

void put_ccw1(struct env *e, uint64_t addr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda);
void put_ccw0(struct env *e, uint64_t addr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda);
void put_idaw1(struct env *e, uint64_t addr, uint32_t a);
void put_idaw2(struct env *e, uint64_t addr, uint64_t a);

/* Format-1 ORB, lpm 0xFF, intparm 0x12345678, plus extra ctl bits. */
void make_orb(struct uvf_css_orb *orb, uint32_t cpa, uint16_t ctl);

/* SSCH with make_orb(cpa, ctl); asserts cc 0. */
void start(struct env *e, uint32_t cpa, uint16_t ctl);

/* TSCH until status is pending, waiting on the doorbell in between (bounded
 * by WAIT_MS).  Returns the TSCH cc (0) or -ETIMEDOUT. */
int wait_irb(struct env *e, struct uvf_css_irb *irb, struct uvf_css_tag *tag);
/* Like wait_irb but only for ms; returns -ETIMEDOUT if nothing came. */
int wait_irb_ms(struct env *e, struct uvf_css_irb *irb,
		struct uvf_css_tag *tag, unsigned ms);
/* start() then wait_irb(), asserting the status is final. */
void run(struct env *e, uint32_t cpa, uint16_t ctl, struct uvf_css_irb *irb);

/* Drain the eventfd; returns the count read (0 if none). */
uint64_t drain(int efd);

/* Assertions on an IRB that print both operands. */
void check_scsw(const struct uvf_css_irb *irb, uint16_t ctrl, uint8_t dstat,
		uint8_t cstat);
#define assert_ctrl(irb, v) \
	assert_int_equal(uvf_css_scsw_ctrl(&(irb)->scsw), (v))
#define assert_cpa(irb, v) \
	assert_int_equal(uvf_css_scsw_cpa(&(irb)->scsw), (v))
#define assert_count(irb, v) \
	assert_int_equal(uvf_css_scsw_count(&(irb)->scsw), (v))

/* Common final-status ctrl values. */
#define FINAL_OK	(UVF_CSS_FC_START | UVF_CSS_SC_PRIMARY | \
			 UVF_CSS_SC_SECONDARY | UVF_CSS_SC_PENDING)
#define FINAL_ALERT	(FINAL_OK | UVF_CSS_SC_ALERT)
#define CE_DE		(UVF_CSS_DS_CE | UVF_CSS_DS_DE)


/* ---- FBA program builders ----------------------------------------------- */

/* 16-byte Define Extent / 8-byte Locate parameter blocks at addr. */
void fba_put_de(struct env *e, uint64_t addr, uint8_t mask, uint16_t blksize,
		uint32_t locator, uint32_t first, uint32_t last);
void fba_put_locate(struct env *e, uint64_t addr, uint8_t op, uint16_t count,
		    uint32_t block);
/* DE + Locate + one Read/Write CCW of n blocks at buf (§4.1 with a single
 * data CCW), built at prog with parameters at prog + 0x100. */
void fba_rw_program(struct env *e, uint32_t prog, bool write, uint32_t block,
		    uint16_t n, uint32_t buf, uint16_t blksize);
#endif
