/* SPDX-License-Identifier: MIT */
/*
 * css/internal.h - host-order state of the simulated channel subsystem.
 *
 * Everything here is in host byte order.  The big-endian blocks of
 * uvfio/css.h are converted to and from these structs only in blocks.c,
 * called at the instruction edge (SSCH, TSCH, STSCH, MSCH, STCRW).
 */
#ifndef UVF_CSS_INTERNAL_H
#define UVF_CSS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "uvfio/css.h"

/* ---- host-order blocks (blocks.c converts) ------------------------------ */

struct uvf_css_orb_host {
	uint32_t intparm;
	uint16_t ctl;
	uint8_t lpm;
	uint8_t ctl2;
	uint32_t cpa;
};

struct uvf_css_scsw_host {
	uint16_t flags;
	uint16_t ctrl;
	uint32_t cpa;
	uint8_t dstat;
	uint8_t cstat;
	uint16_t count;
};

struct uvf_css_pmcw_host {
	uint32_t intparm;
	uint16_t flags;
	uint16_t devno;
	uint8_t lpm;
	uint8_t pnom;
	uint8_t lpum;
	uint8_t pim;
	uint16_t mbi;
	uint8_t pom;
	uint8_t pam;
	uint8_t chpid[8];
	uint32_t chars;
};

struct uvf_css_schib_host {
	struct uvf_css_pmcw_host pmcw;
	struct uvf_css_scsw_host scsw;
	uint64_t mba;
	uint32_t mda;
};

/* Extended status that goes with a pending status into the IRB. */
struct uvf_css_ext_host {
	uint32_t esw[5];
	uint8_t ecw[32];
};

/* A CCW in format-1 form (format 0 is converted on fetch). */
void uvf_css_orb_from_be(struct uvf_css_orb_host *h,
			 const struct uvf_css_orb *be);
void uvf_css_scsw_to_be(struct uvf_css_scsw *be,
			const struct uvf_css_scsw_host *h);
void uvf_css_scsw_from_be(struct uvf_css_scsw_host *h,
			  const struct uvf_css_scsw *be);
void uvf_css_schib_to_be(struct uvf_css_schib *be,
			 const struct uvf_css_schib_host *h);
void uvf_css_schib_from_be(struct uvf_css_schib_host *h,
			   const struct uvf_css_schib *be);
void uvf_css_irb_to_be(struct uvf_css_irb *be,
		       const struct uvf_css_scsw_host *scsw,
		       const struct uvf_css_ext_host *ext);

/* ---- storage map (mem.c) ------------------------------------------------ */

struct uvf_css_mem_range {
	uint64_t addr;
	uint64_t len;
	uint8_t *host;
	unsigned prot;
};

struct uvf_css_mem {
	/* Readers: every channel access, for the duration of its copy.
	 * Writer: map/unmap, so unmap waits out copies in progress. */
	pthread_rwlock_t lock;
	struct uvf_css_mem_range *ranges;	/* sorted by addr */
	unsigned nr;
};

int uvf_css_mem_init(struct uvf_css_mem *m);
void uvf_css_mem_fini(struct uvf_css_mem *m);
/* 0, or the subchannel-status bit describing the failure: UVF_CSS_CS_PROG
 * (address outside storage) or UVF_CSS_CS_PROT (range forbids the access).
 * Nothing is copied when an error is returned. */
int uvf_css_mem_read(struct uvf_css_mem *m, uint64_t addr, void *buf,
		     size_t len);
int uvf_css_mem_write(struct uvf_css_mem *m, uint64_t addr, const void *buf,
		      size_t len);

/* ---- channel subsystem image -------------------------------------------- */

struct uvf_css {
	uint8_t cssid;
	/* Protects the subchannel list and path state.  Taken before a
	 * subchannel lock, never while holding one. */
	pthread_mutex_t lock;
	struct uvf_css_sch *schs;	/* singly linked */

	/* Leaf lock: the CRW queue and its doorbell. */
	pthread_mutex_t crw_lock;
	uint32_t crw[UVF_CSS_CRW_QUEUE_LEN];
	unsigned crw_head, crw_nr;
	bool crw_lost;
	int crw_doorbell;

	struct uvf_css_mem mem;
};

void uvf_css_crw_queue(struct uvf_css *css, unsigned rsc, unsigned erc,
		       bool chained, uint16_t rsid);
/* The subchannel CRW (chained with the cssid/ssid one when either is
 * non-zero), ERC 4 as QEMU does for hot-plug events. */
void uvf_css_crw_queue_sch(struct uvf_css *css, uint8_t ssid, uint16_t schno);

/* ---- subchannel --------------------------------------------------------- */

struct uvf_css_sch {
	struct uvf_css *css;
	struct uvf_css_sch *next;	/* css list, under css->lock */
	uint8_t ssid;
	uint16_t schno;
	uint16_t devno;
	const struct uvf_css_devops *ops;
	void *dev;
	pthread_t thread;

	pthread_mutex_t lock;
	/* The worker waits on `wake` for work, for TSCH to clear pending
	 * status, for resume; every instruction or knob change broadcasts it.
	 * Outside waiters (pause, device gone) wait on `changed`, which the
	 * worker broadcasts on each visible step. */
	pthread_cond_t wake;
	pthread_cond_t changed;

	/* ---- everything below is under `lock` --------------------------- */
	struct uvf_css_pmcw_host pmcw;
	struct uvf_css_scsw_host scsw;
	uint64_t mba;
	uint32_t mda;
	struct uvf_css_ext_host ext;	/* goes with the pending status */
	struct uvf_css_tag tag;		/* of the pending status */
	struct uvf_css_orb_host orb;	/* of the current start */
	uint64_t fn_seq;
	uint64_t start_seq, halt_seq, clear_seq;
	/* A PCI recognized while status was pending: reported with the next
	 * status of the same start, so it is never lost. */
	bool pci_owed;
	bool busy;		/* worker is processing a function */
	/* The worker sleeps in its main loop with nothing to do: only new
	 * work can change that, so freeing the status slot (TSCH) need not
	 * wake it (that wake-up and the sleep after it cost two context
	 * switches and three futex calls per I/O). */
	bool idle;
	bool reset_dev;		/* device came back: worker sends clear */
	bool stop;		/* destroy in progress */
	bool not_oper;		/* device gone */
	int doorbell;
	/* Wake-ups are given after the lock is dropped, so the woken thread
	 * does not run straight into it (on one CPU that costs two extra
	 * context switches per status).  `ringing` counts doorbell writes
	 * under way outside the lock: set_doorbell() waits for it to drop to
	 * zero, so a detached fd is never written after its user closed it. */
	bool ring_due;		/* status made pending: ring at unlock */
	bool kick_due;		/* the worker has work: wake it at unlock */
	atomic_uint ringing;

	/* knobs */
	unsigned delay_us;
	int pause_at;
	bool paused;
	bool hang;
	bool clear_hang;
	uint8_t unsol_dstat;	/* unsolicited status waiting to go */
};

/* Drop sch->lock, then give the wake-ups due (doorbell, worker). */
void uvf_css_sch_unlock(struct uvf_css_sch *sch);
/* Wait on cv (with sch->lock held): a doorbell due is rung first, under
 * the lock, since the wait drops it without going through unlock. */
void uvf_css_sch_wait(struct uvf_css_sch *sch, pthread_cond_t *cv);
/* Fresh extended status: ESW format 1 with the LPUM (lock held). */
void uvf_css_sch_set_esw(struct uvf_css_sch *sch);
int uvf_css_sch_timedwait(struct uvf_css_sch *sch, pthread_cond_t *cv,
			  const struct timespec *deadline);

/* Make status pending with the given tag: the doorbell rings when the
 * lock is dropped, waiters are woken.  Caller holds sch->lock and has set
 * scsw/ext. */
void uvf_css_sch_make_pending(struct uvf_css_sch *sch, enum uvf_css_fn fn,
			      uint64_t seq, bool final);
bool uvf_css_sch_operational(const struct uvf_css_sch *sch);
/* Write 1 to a doorbell eventfd (-1: none). */
void uvf_css_ring(int fd);
void *uvf_css_worker_main(void *arg);
/* Absolute CLOCK_MONOTONIC deadline usec from now. */
void uvf_css_deadline(struct timespec *ts, unsigned long usec);

/* ---- channel-program execution (chanprog.c) ----------------------------- */

enum uvf_css_cp_end {
	UVF_CSS_CP_DONE,	/* final status built in the result */
	UVF_CSS_CP_HALTED,	/* halt pending: the halt function takes over */
	UVF_CSS_CP_ABORTED,	/* clear, device gone, destroy or XSCH */
};

struct uvf_css_cp_result {
	uint8_t dstat;
	uint8_t cstat;
	uint16_t count;
	uint32_t cpa;
	uint8_t deferred_cc;	/* 3: no usable path, nothing ran */
	uint8_t paths_tried;	/* with deferred cc 3: for PNOM */
	uint8_t scnt;		/* concurrent sense bytes in ecw */
	uint8_t ecw[32];
};

/* Run the start function of sch (called by the worker, lock held, start
 * pending set).  Drops and retakes the lock around device and storage
 * work.  On DONE the caller presents `res` as final status. */
enum uvf_css_cp_end uvf_css_cp_run(struct uvf_css_sch *sch,
				   struct uvf_css_cp_result *res);

/* Wait (lock held) until no status is pending.  false: the status to be
 * presented must be dropped (clear, device gone, destroy). */
bool uvf_css_sch_wait_slot(struct uvf_css_sch *sch);
/* Clear, device gone or destroy: every function in progress is void. */
bool uvf_css_sch_aborting(const struct uvf_css_sch *sch);
/* The path the channel uses for a start: first slot of pim & pam & mask. */
uint8_t uvf_css_sch_pick_path(const struct uvf_css_sch *sch, uint8_t mask);

#endif
