/* SPDX-License-Identifier: MIT */
/*
 * ccw/cp.h - channel-program translation for the vfio-ccw mediated device
 * (channel-io.md §3, with the fixes of §3.6).
 *
 * Concepts
 * --------
 * A guest channel program lives in guest memory, reached through the
 * client's DMA maps (guest address = IOVA).  The device makes guest memory
 * visible to the simulated channel subsystem as *windows*: a guest DMA map
 * [iova, iova+size) is mapped into css storage at UVF_CCW_WINDOW_BASE + iova
 * with the map's own permission.  Data therefore moves without copies: every
 * host IDAW is a window address.
 *
 * Translation copies the program once: the ORB's CPA and every CCW are read
 * exactly once from guest memory (each guest IDAL entry once per CCW), and
 * everything afterwards works on the copy, so a guest that rewrites its
 * program after the start cannot steer the channel anywhere (no TOCTOU).
 * The copy is a format-1 program in an arena (arena.h) below 2 GiB:
 *  - every data-transferring CCW becomes an IDA CCW with a format-2 IDAL
 *    (host ORB H = 1; T = 1 when the guest's IDAWs were format-1 or 2K
 *    format-2, so the block size, and with it every IDAW boundary rule, is
 *    the guest's).  Because the window base is 4 KiB aligned, a host IDAW
 *    has the same offset in its block as the guest address it stands for;
 *  - TICs point at the host copy of their target;
 *  - CCWs that move no data keep their count; their data address is never a
 *    guest value but a constant in UVF_CCW_HOLE, which is never mapped.
 *
 * Segments are built as in the kernel: one starts at the CPA and at every
 * TIC target not already copied, and runs on while CCWs chain (CD or CC).
 * Unlike the kernel, the CCW a status modifier would skip to (CCW + 16
 * after a command-chaining CCW) is copied too, so a skip never runs off the
 * end of a segment.  Only paths the channel could take are followed: not
 * past a CCW that will be rejected when fetched, and not past a TIC reached
 * by a TIC (the channel stops there with a program check).
 *
 * Architected checks
 * ------------------
 * The css performs every program check of channel-io.md §1.5/§1.6 on the
 * host program, so the copy keeps the structure that triggers them (TIC to
 * TIC, TIC flags/count/high nibble, invalid command codes, S without ORB S,
 * data-chained count 0, the dataless-CCW loop limit).  Conditions the
 * conversion would lose are decided here and represented so the css raises
 * the same check at the same CCW with the same residual count:
 *  - a guest CCW the channel would reject when fetching it (unaligned or
 *    out-of-range CCW address, CCW outside the guest maps, format-0 count 0,
 *    format-0 addresses beyond 24 bits, direct data address + count beyond
 *    the 24/31-bit limit, misaligned or out-of-range IDAL address, MIDA
 *    flag) becomes a *trap* CCW (command 0x00 with the MIDA flag: rejected
 *    in every context) at the same position, and nothing after it is copied
 *    along that path;
 *  - an IDAW the channel would reject when it gets to it (format-1 IDAW
 *    with bit 0 set, a later IDAW off its block boundary, an IDAW outside
 *    the guest maps): the host IDAL ends with an IDAW off the boundary
 *    (UVF_CCW_HOLE + 1), or, for the first IDAW, the CCW's IDAL address is
 *    UVF_CCW_HOLE (unmapped), so the fetch of that very IDAW fails;
 *  - the SCSW CPA maps back to the guest CCW + 8 (uvf_ccw_cp_guest_cpa).
 * What cannot be represented is refused (channel-io.md §2.3):
 *  -EFAULT      data addresses outside the guest's maps, or a data area
 *               spanning two maps (not for no-ops and skipping reads,
 *               whose data is never accessed);
 *  -EINVAL      more than UVF_CCW_CP_MAX_SEG_CCWS CCWs in a segment (a
 *               status-modifier skip target alone does not count), more
 *               than UVF_CCW_CP_MAX_SEGS segments, more than
 *               UVF_CCW_CP_MAX_IDAWS IDAWs; a CCW reached both by a
 *               read-backward chain and by a forward one; ORB reserved
 *               bits or CPA bit 0 (operand exception on hardware);
 *  -EOPNOTSUPP  ORB transport mode (B), MIDAW (D) or extension (X);
 *  -ENOMEM      arena or host memory exhausted;
 *  errors of env->window() other than -EFAULT/-EACCES are passed on.
 * Known deviations: a CCW or IDAW in a map that forbids reading gives a
 * program check (hardware: protection check); a CCW reached both by a
 * read-backward chain and a forward one is refused; the ORB LPM 0 becomes
 * 0xFF (the kernel's rule).
 *
 * Prefetch: the program is copied at start whatever the ORB P bit says (as
 * the kernel does); self-modifying programs see their original version.
 *
 * Lifetime: a program is reference counted; the last uvf_ccw_cp_put()
 * releases its arena block.  The caller must hold a reference for as long
 * as the channel may fetch from it (until the final status of its start,
 * or a clear, was taken).
 */
#ifndef UVF_CCW_CP_H
#define UVF_CCW_CP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uvfio/css.h"
#include "uvfio/device.h"

struct uvf_ccw_arena;
struct uvf_ccw_cp;

/* ---- css storage layout of the ccw device -------------------------------
 *
 *   [UVF_CCW_ARENA_ADDR, +size)   arena: host CCWs and IDALs (read-only)
 *   [UVF_CCW_HOLE, +HOLE_SIZE)    never mapped: trap addresses
 *   [UVF_CCW_WINDOW_BASE + iova, +map size)  window of each guest DMA map
 *
 * The window base is 2^40: above any 31-bit CCW address, so the channel
 * can reach guest memory only through IDAWs this module wrote, and 4 KiB
 * aligned, so IDAW block offsets are preserved.  IOVAs must stay below
 * 2^64 - 2^40 to have a window.
 */
#define UVF_CCW_WINDOW_BASE	(1ull << 40)
#define UVF_CCW_HOLE		0x7FFF0000u
#define UVF_CCW_HOLE_SIZE	0x10000u

/* Limits (beyond them -EINVAL). */
#define UVF_CCW_CP_MAX_SEG_CCWS	255
#define UVF_CCW_CP_MAX_SEGS	16
#define UVF_CCW_CP_MAX_IDAWS	8192

/*
 * What the translator needs from the device.
 *
 * read: copy len bytes of guest memory at gaddr: 0, or -EFAULT when any of
 *   it lies outside the maps or in a map that forbids reading.
 * window: make [gaddr, gaddr+len) reachable by the channel: it must lie in
 *   one guest map, mapped as a window with that map's own permission.
 *   *css_addr = the css address of gaddr (UVF_CCW_WINDOW_BASE + gaddr).
 *   Returns 0, -EFAULT (not inside one map) or -EACCES (the map forbids
 *   the access: write = the channel stores into it).  On -EACCES the
 *   translator asks again for the other access: the window then carries the
 *   map's permission, and the channel raises the protection check at the
 *   access, as hardware would.
 * arena: where the host program goes.
 * intparm: the host ORB's interruption parameter.
 */
struct uvf_ccw_cp_env {
	void *ctx;
	int (*read)(void *ctx, uint64_t gaddr, void *buf, size_t len);
	int (*window)(void *ctx, uint64_t gaddr, uint64_t len, bool write,
		      uint64_t *css_addr);
	struct uvf_ccw_arena *arena;
	uint32_t intparm;
	/* Optional: working arrays kept from one translation to the next
	 * (zero-initialised by the owner, used by one thread at a time,
	 * released with uvf_ccw_cp_scratch_free()).  NULL: allocated and
	 * freed by each translation. */
	struct uvf_ccw_cp_scratch *scratch;
};

struct uvf_ccw_cp_scratch {
	void *nodes, *work, *idaws, *order, *keys, *hash;
	unsigned ncap, wcap, icap, ocap, kcap, hcap;
};
void uvf_ccw_cp_scratch_free(struct uvf_ccw_cp_scratch *s);

/*
 * Translate the guest program started by orb (the 12-byte guest ORB from
 * the I/O region, big-endian).  On success *out holds one reference and
 * host_orb (32 bytes, zeroed beyond the first 12) is the ORB for the
 * host SSCH: intparm from env, F = 1, H = 1, T as above, LPM the guest's
 * (0xFF for 0), key/S/P/I/A/U/L the guest's, CPA the host copy of the
 * guest CPA.  Errors as listed above; on error nothing is allocated and
 * guest memory is untouched (windows the device mapped stay mapped).
 */
int uvf_ccw_cp_build(const uint8_t orb[12], const struct uvf_ccw_cp_env *env,
		     struct uvf_ccw_cp **out, struct uvf_css_orb *host_orb);

struct uvf_ccw_cp *uvf_ccw_cp_get(struct uvf_ccw_cp *cp);
/* Drop a reference; at zero the arena block and the program are freed. */
void uvf_ccw_cp_put(struct uvf_ccw_cp *cp);

/* Live programs built on this arena (debug and tests). */
long uvf_ccw_cp_live(const struct uvf_ccw_arena *arena);

/*
 * Map a CPA the css stored (host CCW address + 8, or a host segment start
 * for halt/initial status) back to the guest address: 0, or -ENOENT when it
 * lies in no segment (the caller must then not show it to the guest).
 */
int uvf_ccw_cp_guest_cpa(const struct uvf_ccw_cp *cp, uint32_t host_cpa,
			 uint32_t *guest_cpa);

/*
 * Make a host SCSW of this program's start guest-visible in place: the CPA
 * is translated when uvf_css_scsw_is_valid_cpa() says it is meaningful and
 * zeroed when it is not or cannot be translated (a host address never
 * reaches the guest); the F flag becomes the guest ORB's (the host program
 * is always format 1).  Returns 0, or -ENOENT when a meaningful CPA could
 * not be translated (it was zeroed).
 */
int uvf_ccw_cp_scsw_to_guest(const struct uvf_ccw_cp *cp,
			     struct uvf_css_scsw *scsw);

/* Does the program touch [gaddr, gaddr+len): a data window it set up, or a
 * CCW or IDAL it was copied from?  (For the client's DMA unmap.) */
bool uvf_ccw_cp_uses(const struct uvf_ccw_cp *cp, uint64_t gaddr,
		     uint64_t len);

/* Call fn for every guest range the program's read-type commands (read,
 * sense, read backward; not SKP) may store into, merged and in address
 * order, for dirty logging after completion.  Stops at and returns the
 * first non-zero return of fn; 0 otherwise. */
int uvf_ccw_cp_for_each_write(const struct uvf_ccw_cp *cp,
			      int (*fn)(void *arg, uint64_t gaddr,
					uint64_t len),
			      void *arg);

/* for_each_write into the device's DMA dirty log.  Inline so the module
 * itself does not depend on the device core (the fuzzer links it alone). */
static inline int uvf_ccw_cp__dirty(void *dev, uint64_t gaddr, uint64_t len)
{
	uvf_dma_mark_dirty((struct uvf_device *)dev, gaddr, len);
	return 0;
}

static inline void uvf_ccw_cp_mark_dirty(const struct uvf_ccw_cp *cp,
					 struct uvf_device *dev)
{
	uvf_ccw_cp_for_each_write(cp, uvf_ccw_cp__dirty, dev);
}

#endif
