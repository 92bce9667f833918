/* Internals of the ccw-dasd mediated device, shared by its files:
 * device.c (life cycle, doorbells, windows, CRWs), fsm.c (the state
 * machine of fsm.h), regions.c (the vfio-ccw regions), mig.c (migration). */
#ifndef UVF_CCW_CCW_H
#define UVF_CCW_CCW_H

#include <stdbool.h>
#include <stdint.h>

#include <uvfio/css.h>
#include <uvfio/device.h>

#include "ccw/cp.h"
#include "ccw/fsm.h"

struct uvf_ccw_cp;
struct uvf_ccw_arena;
struct ccw_mig;

#define CCW_CRW_FIFO	64

struct ccw_window {
	uint64_t iova, size;	/* the guest DMA map it mirrors */
	uint64_t css_addr;
};

struct ccw_dev {
	struct uvf_device *dev;
	struct uvf_loop *loop;
	struct uvf_css *css;
	struct uvf_css_sch *sch;
	uint16_t devno;
	int db_efd, crw_efd;

	/* FSM (loop thread only). */
	enum uvf_ccw_state state;
	bool irb_pending;	/* the I/O region holds an unread IRB */
	unsigned vfc;		/* outstanding functions: UVF_CSS_FC_* bits */
	struct uvf_ccw_cp *cp;	/* program of the outstanding start */
	struct uvf_ccw_cp_scratch scratch;	/* translation arrays, reused */
	bool chan_ref;		/* the channel still holds its cp reference */
	uint64_t start_seq;	/* css sequence of that start */

	/* Close / reset quiescing. */
	uint64_t timer;
	unsigned clear_tries;
	bool reopen;		/* CLOSE came from a reset: OPEN when quiet */
	bool reset_parked;	/* the client's DEVICE_RESET waits for us */

	/* Migration (mig.c). */
	uint32_t geometry;	/* blksize << 16 ^ blocks: same disk on both sides */
	struct ccw_mig *mig;	/* the open data session's buffer */
	bool stop_waiting;	/* a stop arc waits for the start to end */
	uint64_t stop_timer;
	uint64_t start_timer;	/* signals what is owed, after the start arc */
	unsigned owed;		/* IRQ indexes (bits) whose signal is due once the
				 * device runs: dropped while stopped, or carried
				 * in by a resume */

	/* Regions. */
	uint8_t io[UVF_CCW_IO_REGION_SIZE];
	uint8_t cmd[UVF_CCW_CMD_REGION_SIZE];
	uint32_t crw[CCW_CRW_FIFO];
	unsigned crw_head, crw_count;
	bool crw_overflow;

	/* Guest memory windows in css storage. */
	struct ccw_window *win;
	unsigned nwin;
	struct uvf_ccw_arena *arena;

	/* Counters for tests and logs. */
	uint64_t irbs_delivered, status_dropped;
	/* Tests: called on the loop thread after every FSM event, to check
	 * invariants (channel-io.md §4.7 test 6). */
	void (*after_event)(struct ccw_dev *c, enum uvf_ccw_event ev, int result, void *arg);
	void *after_arg;
};

/* Tests reach the device's internals through this (loop thread only,
 * except the css handles, whose instructions are thread-safe). */
struct ccw_dev *uvf_ccw_device_debug(struct uvf_device *dev);

/* fsm.c */
int ccw_fsm_event(struct ccw_dev *c, enum uvf_ccw_event ev);
const char *ccw_state_name(enum uvf_ccw_state s);

/* device.c */
void ccw_signal(struct ccw_dev *c, unsigned irq_index);
int ccw_enable(struct ccw_dev *c, bool on);
void ccw_crw_push(struct ccw_dev *c, uint32_t crw);
bool ccw_crw_pop(struct ccw_dev *c, uint32_t *crw);
void ccw_windows_drop(struct ccw_dev *c, uint64_t iova, uint64_t size);
int ccw_cp_env_build(struct ccw_dev *c, const uint8_t orb[UVF_CCW_ORB_AREA_SIZE],
		     struct uvf_ccw_cp **cp, struct uvf_css_orb *host_orb);

/* regions.c */
int ccw_regions_init(struct ccw_dev *c);

/* mig.c */
extern const struct uvf_mig_ops ccw_mig_ops;
void ccw_mig_function_ended(struct ccw_dev *c);

#endif
