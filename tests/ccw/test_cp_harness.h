/* SPDX-License-Identifier: MIT */
/*
 * tests/ccw/test_cp_harness.h - differential harness for the channel-program
 * translator: the same guest program runs
 *   (1) natively: guest memory mapped into a reference css at its guest
 *       addresses, the guest ORB given to SSCH as is (what a mainframe does),
 *   (2) translated: uvf_ccw_cp_build() into a second css that sees guest
 *       memory only through windows at UVF_CCW_WINDOW_BASE + iova and the
 *       program through the arena,
 * each side with its own copy of guest memory and its own, identical device
 * (a deterministic test device or an FBA disk).  Afterwards the status
 * sequences (SCSW with the CPA translated back, ESW, ECW), the device logs
 * or disk images, and guest memory must be equal.
 *
 * No cmocka here, so fuzz/ccw links the same code.
 */
#ifndef UVF_TEST_CP_HARNESS_H
#define UVF_TEST_CP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccw/arena.h"
#include "ccw/cp.h"
#include "uvfio/css.h"

#define CPH_MAX_MAPS	8
#define CPH_MAX_IRB	16
#define CPH_TD_LOG	256

/* ---- the test device ----------------------------------------------------- */

/* Per command code: what the device does. */
enum cph_act {
	CPH_REJECT,	/* unit check, sense byte 0 = command reject */
	CPH_NONE,	/* no data */
	CPH_FROM,	/* takes len bytes from storage */
	CPH_TO,		/* offers len bytes of pattern */
	CPH_SENSE,	/* offers the sense bytes */
};

struct cph_td_cfg {
	uint8_t act[256];
	uint16_t len[256];
	uint8_t extra[256];	/* device status bits besides CE|DE */
	unsigned max_cmds;	/* per chain; then unit exception */
};

struct cph_td_rec {
	uint8_t cmd;
	long moved;		/* xfer result */
	uint32_t sum;		/* hash of the bytes taken from storage */
};

struct cph_td {
	struct cph_td_cfg cfg;
	unsigned cmds;		/* in this chain */
	uint8_t sense[UVF_CSS_SENSE_LEN];
	unsigned nlog;		/* may exceed CPH_TD_LOG; only those kept */
	struct cph_td_rec log[CPH_TD_LOG];
};

/* Defaults: 0x01/0x05/0x09... writes and other controls take len, reads
 * and read backward offer len, 0x04 sense, 0x03 no-op, 0x07 status modifier,
 * 0x0B unit exception, 0x13 and 0xF3 reject; len 64 for all. */
void cph_td_default(struct cph_td_cfg *cfg);
/* Every command code's behaviour derived from its bits (fuzzing). */
void cph_td_hashed(struct cph_td_cfg *cfg, uint32_t seed);

/* ---- the harness --------------------------------------------------------- */

struct cph_map {
	uint64_t iova;
	size_t len;
	unsigned prot;		/* UVF_CSS_PROT_* */
	uint8_t *ref, *tr;	/* the two copies of guest memory */
	void *ref_alloc, *tr_alloc;
	size_t alloc_len;
	bool windowed;
};

struct cph_side {
	struct uvf_css *css;
	struct uvf_css_sch *sch;
	int efd;
	struct cph_td td;	/* also counts commands for the FBA disk */
	struct uvf_css_fba *fba;
	char image[256];
	int img_fd;		/* ours; the file is unlinked once open */
};

struct cph_opts {
	bool fba;		/* FBA disk instead of the test device */
	uint32_t fba_blocks;
	uint16_t fba_blksize;
	bool fba_no_dc;
	bool csense;		/* concurrent sense */
	bool guard;		/* mmap guest copies between guard pages */
	uint32_t arena_size;	/* 0: default */
	const struct cph_td_cfg *td;	/* NULL: cph_td_default; for the FBA
					 * disk only max_cmds is used */
	unsigned wait_ms;	/* bound per status, 0: 10000 */
};

struct cph_read {
	uint64_t gaddr;
	uint64_t len;
};

struct cph {
	struct cph_opts o;
	struct cph_map maps[CPH_MAX_MAPS];
	unsigned nmaps;
	struct cph_side ref, tr;
	struct uvf_ccw_arena *arena;
	struct uvf_ccw_cp_scratch scratch;
	uint32_t intparm;

	/* env accounting and fault injection */
	struct cph_read *reads;
	unsigned nreads, reads_cap;
	unsigned window_calls;
	unsigned fail_window_at;	/* 1-based call that fails, 0 none */
	int fail_window_err;
};

struct cph_run {
	int cc;			/* SSCH result */
	unsigned nirb;		/* kept: the first ones and the last */
	unsigned total;
	struct uvf_css_irb irb[CPH_MAX_IRB];
	int xlate_err;		/* scsw_to_guest failures */
	bool halted;		/* we issued HSCH (suspended program) */
	bool cleared;		/* it did not end: CSCH */
};

/* Create both sides; NULL on failure (reason on stderr). */
struct cph *cph_new(const struct cph_opts *o);
/* Destroy; returns 0, or -1 if the arena still had live blocks or
 * programs (the fixture is destroyed anyway). */
int cph_free(struct cph *h);

/* A guest DMA map: both copies zeroed, the reference side mapped at iova
 * with prot.  0 or -errno. */
int cph_map(struct cph *h, uint64_t iova, size_t len, unsigned prot);
/* Host pointers of guest memory (NULL if unmapped). */
uint8_t *cph_ref(struct cph *h, uint64_t gaddr, size_t len);
uint8_t *cph_tr(struct cph *h, uint64_t gaddr, size_t len);
/* Store into both copies (whatever the map's prot); false if unmapped. */
bool cph_poke(struct cph *h, uint64_t gaddr, const void *p, size_t len);
bool cph_ccw1(struct cph *h, uint64_t gaddr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda);
bool cph_ccw0(struct cph *h, uint64_t gaddr, uint8_t cmd, uint8_t flags,
	      uint16_t count, uint32_t cda);
bool cph_idaw1(struct cph *h, uint64_t gaddr, uint32_t a);
bool cph_idaw2(struct cph *h, uint64_t gaddr, uint64_t a);
/* Fill [gaddr, +len) of both copies with a pattern from seed. */
bool cph_fill(struct cph *h, uint64_t gaddr, size_t len, uint8_t seed);

/* A 12-byte guest ORB. */
void cph_orb(uint8_t orb[12], uint32_t cpa, uint16_t ctl, uint8_t lpm,
	     uint8_t ctl2);

/* The translator's environment for the translated side. */
struct uvf_ccw_cp_env cph_env(struct cph *h);

/* Run on one side.  ref: the guest ORB as is; tr: a built program and
 * its host ORB (the SCSW CPA is translated back with the program).  Halts a
 * suspended program, clears one that does not end.  Returns 0, or -1 when
 * the subchannel misbehaved (timeout of the clear too). */
int cph_run_ref(struct cph *h, const uint8_t orb[12], struct cph_run *r);
int cph_run_tr(struct cph *h, struct uvf_ccw_cp *cp,
	       const struct uvf_css_orb *host_orb, struct cph_run *r);

/* Compare flags. */
/* Ignore intermediate statuses and PCI bits: how many intermediate
 * statuses a program yields depends on timing (PCIs merge while status is
 * pending; initial, PCI and suspension status race the runner's halt of a
 * suspended program).  The ending status does not. */
#define CPH_MASK_PCI	0x1u
#define CPH_NO_MEM	0x2u	/* do not compare guest memory */

/* 0 equal; 1 with a description in why. */
int cph_compare(struct cph *h, const struct cph_run *ref,
		const struct cph_run *tr, unsigned flags, char *why,
		size_t whylen);

/*
 * Build, run both sides, compare.  Returns the build error (< 0) when the
 * translator refused (*ref is then still run natively so the caller can see
 * what hardware does, unless skip_ref_on_refusal), 0 when equal, 1 when
 * different (why says how).  ref/tr may be NULL.
 */
int cph_diff(struct cph *h, const uint8_t orb[12], unsigned flags,
	     struct cph_run *ref, struct cph_run *tr, char *why,
	     size_t whylen);

/* Does any byte of guest memory differ between the two copies? */
bool cph_mem_equal(struct cph *h, char *why, size_t whylen);
/* Copy the reference side's guest memory over the translated side's
 * (re-synchronise after a one-sided run). */
void cph_sync(struct cph *h);
/* Two env reads of overlapping guest bytes since the last reset? */
bool cph_reads_overlap(const struct cph *h);
void cph_reads_reset(struct cph *h);

/* Remove every guest map (and its window) from both sides. */
void cph_unmap_all(struct cph *h);
/* Forget device state (sense, command counts) on both sides; make the
 * translated side's disk image a copy of the reference one. */
void cph_reset_devices(struct cph *h);

/* Human-readable dump of a run (for failure messages). */
void cph_dump_run(const char *tag, const struct cph_run *r);

#endif
