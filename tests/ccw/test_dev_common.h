/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_dev_common.h - in-process fixture for the device-level
 * tests of the ccw-dasd device (issue 6).
 *
 * One fixture = one uvf_loop running in its own thread, one ccw-dasd device
 * on a temporary image, one uvf_server on a temporary socket, and (unless
 * asked otherwise) one connected client with the vfio-ccw helper opened:
 * the test thread is the VMM.
 *
 * Ownership rules the tests follow:
 *  - the device's state (struct ccw_dev) belongs to the loop thread: it is
 *    read or changed only inside dfx_call() (a uvf_loop_post() waited for
 *    with a bounded semaphore), or in the after_event hook;
 *  - the css handles (c->css, c->sch) are taken once before the loop runs;
 *    css instructions and knobs are thread-safe and are called directly.
 *
 * Every wait is bounded; a posted call that does not come back aborts the
 * process (the test cannot unwind safely while the loop still holds a
 * pointer into the test's stack).
 */
#ifndef UVF_TEST_DEV_COMMON_H
#define UVF_TEST_DEV_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include <uvfio/client.h>
#include <uvfio/css.h>
#include <uvfio/device.h>
#include <uvfio/loop.h>
#include <uvfio/vfio.h>

#include "ccw/ccw.h"
#include "ccw/cp.h"

/* Bounds (generous: TSan builds run ~10x slower). */
#define DFX_WAIT_MS	10000
#define DFX_CALL_MS	20000

/* Guest memory layout used by the builders (offsets from
 * UVF_CLIENT_CCW_IOVA). */
#define G_PROG		0x0000u		/* channel program */
#define G_PROG2		0x0400u		/* a second program */
#define G_PARM		0x0800u		/* DE (16) + Locate (8) */
#define G_PARM2		0x0840u
#define G_IDAL		0x0900u
#define G_BUF		0x1000u		/* data buffer */
#define G_BUF2		0x8000u

#define GA(off)		((uint32_t)(UVF_CLIENT_CCW_IOVA + (off)))

struct dfx_opts {
	const char *image;	/* NULL: a fresh temporary image */
	uint32_t blocks;	/* 0: 1024 */
	uint16_t blksize;	/* 0: 512 */
	const char *devno;	/* NULL: 0.0.1234 */
	bool no_client;		/* do not connect */
	size_t guest_mem;	/* 0: 256 KiB */
};

struct dfx {
	struct dfx_opts o;
	struct uvf_loop *loop;
	struct uvf_server *srv;
	struct uvf_device *dev;
	struct ccw_dev *c;		/* loop thread only */
	struct uvf_css *css;		/* thread-safe */
	struct uvf_css_sch *sch;	/* thread-safe */
	struct uvf_ccw_arena *arena;
	pthread_t thr;
	bool running;
	char sock[160], image[160];
	bool own_image;
	struct uvf_client *cl;
	struct uvf_client_ccw cc;
	bool connected;
	int fds_before;
	bool allow_live;	/* teardown: a program may still be live */
};

/* Snapshot of the device's internals, taken on the loop thread. */
struct dfx_snap {
	enum uvf_ccw_state state;
	bool irb_pending, cp, chan_ref, reopen, reset_parked, stop_waiting;
	unsigned vfc;
	long live;
	uint64_t irbs_delivered, status_dropped;
	unsigned crw_count;
	bool crw_overflow;
	enum uvf_mig_state mig;
	bool connected;
	uint8_t irb[UVF_CCW_IRB_AREA_SIZE];
	uint64_t irq_dropped;
};

/* Create the fixture; the open fds are counted first, for dfx_free. */
struct dfx *dfx_new(const struct dfx_opts *o);
/* Connect a client and open the vfio-ccw helper (dfx_new does it unless
 * no_client). */
void dfx_connect(struct dfx *f);
/* Close the client (if any) and wait until the device has processed the
 * disconnect (STANDBY or NOT_OPER, not connected). */
void dfx_disconnect(struct dfx *f);
/* Tear down; asserts no live program (unless allow_live) and no leaked fd
 * (counted against the fds open when dfx_new was called, so fixtures must
 * be freed in reverse order of creation). */
void dfx_free(struct dfx *f);

/* cmocka fixtures: *state = dfx_new(NULL); teardown lifts every css knob
 * first, so a failed test still tears down. */
int dfx_setup(void **state);
int dfx_teardown(void **state);
/* Lift pause, delay, hang and clear_hang. */
void dfx_knobs_off(struct dfx *f);

/* Run fn(f, arg) on the loop thread and wait for it (bounded). */
void dfx_call(struct dfx *f, void (*fn)(struct dfx *f, void *arg), void *arg);
void dfx_snap(struct dfx *f, struct dfx_snap *s);
/* Deliver an FSM event directly on the loop thread; returns its result. */
int dfx_event(struct dfx *f, enum uvf_ccw_event ev);
/* Install (or with fn NULL remove) the after_event hook. */
void dfx_set_hook(struct dfx *f,
		  void (*fn)(struct ccw_dev *c, enum uvf_ccw_event ev, int result, void *arg),
		  void *arg);
/* Re-snapshot until pred(snap, arg) holds; bounded (asserts). */
void dfx_wait_snap(struct dfx *f, bool (*pred)(const struct dfx_snap *s, const void *arg),
		   const void *arg, const char *what);
/* Wait until the device is in state st with no function outstanding. */
void dfx_wait_state(struct dfx *f, enum uvf_ccw_state st);

/* ---- guest memory and programs (VMM side) ---- */

uint8_t *g_ptr(struct dfx *f, uint32_t off);
void g_ccw1(struct dfx *f, uint32_t off, uint8_t cmd, uint8_t flags, uint16_t count,
	    uint32_t cda);
void g_ccw0(struct dfx *f, uint32_t off, uint8_t cmd, uint8_t flags, uint16_t count,
	    uint32_t cda);
/* A 12-byte guest ORB: intparm 0x12345678, ctl as given, LPM 0xFF. */
void g_orb(uint8_t orb[12], uint32_t cpa, uint16_t ctl);
#define ORB_STD	(UVF_CSS_ORB_F | UVF_CSS_ORB_P | UVF_CSS_ORB_H)

/*
 * FBA program at prog: Define Extent + Locate + one data CCW per block
 * (data-chained), parameters at parm, data at buf; pci: bit i puts the PCI
 * flag on CCW i (0 = DE, 1 = Locate, 2.. = data CCWs).  Command indexes for
 * uvf_css_sch_pause_at: 0 = DE, 1 = Locate, 2 = the data command.
 * Returns the number of CCWs.
 */
unsigned g_fba_prog(struct dfx *f, uint32_t prog, uint32_t parm, bool write, uint32_t block,
		    uint32_t nblocks, uint32_t buf, uint32_t pci);
/* Start it (ORB_STD); returns the START's result. */
int g_fba_start(struct dfx *f, uint32_t prog, uint32_t parm, bool write, uint32_t block,
		uint32_t nblocks, uint32_t buf, uint32_t pci);

/* ---- requests and IRBs ---- */

int vmm_start(struct dfx *f, const uint8_t orb[12]);
int vmm_halt(struct dfx *f);
int vmm_clear(struct dfx *f);
/* Wait (bounded) for the I/O eventfd, then read the IRB. Asserts. */
void vmm_wait_irb(struct dfx *f, struct uvf_css_irb *irb);
/* Read the IRB area now. */
void vmm_read_irb(struct dfx *f, struct uvf_css_irb *irb);
/* Is the I/O eventfd signalled (without consuming it)? */
bool vmm_io_signalled(struct dfx *f);
/* Consume the eventfd counter if signalled; returns the count. */
uint64_t efd_drain(int fd);
/* Wait (bounded) until fd is readable; 0 or -ETIMEDOUT. */
int efd_wait(int fd, int ms);

/* Wait until the css holds status: (ctrl & mask) == want. Asserts. */
void css_wait_ctrl(struct dfx *f, uint16_t mask, uint16_t want);
uint16_t css_ctrl(struct dfx *f);

/* IRB checks that print both operands. */
#define assert_fc(irb, fc) \
	assert_int_equal(uvf_css_scsw_fc(&(irb)->scsw), (fc))
#define assert_sc(irb, sc) \
	assert_int_equal(uvf_css_scsw_sc(&(irb)->scsw), (sc))

#define SC_FINAL	(UVF_CSS_SC_PRIMARY | UVF_CSS_SC_SECONDARY | UVF_CSS_SC_PENDING)
#define SC_INTER	(UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING)
#define DS_CEDE		(UVF_CSS_DS_CE | UVF_CSS_DS_DE)

/* The final ok status of a start: FC start, primary+secondary, CE|DE. */
void assert_start_ok(const struct uvf_css_irb *irb);
/* A clear's status: FC clear, status pending alone. */
void assert_clear_irb(const struct uvf_css_irb *irb);

/* No program alive, no IRB pending, idle and open. */
void assert_quiet_idle(struct dfx *f);

#endif
