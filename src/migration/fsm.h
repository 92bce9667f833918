/* SPDX-License-Identifier: MIT */
/*
 * migration/fsm.h - the VFIO migration v2 state machine, as arithmetic.
 *
 * Concepts.  A device advertises a set of migration flags (STOP_COPY, plus
 * optionally P2P and PRE_COPY); the flags decide which of the eight states
 * of enum uvf_mig_state exist for it.  The user asks for a target state; a
 * request with no direct arc is decomposed into arcs by one shared table
 * (Linux vfio_mig_get_next_state(), docs/migration.md §5), so every uvfio
 * device walks the same paths the kernel's drivers walk.
 *
 * Division of labour: this module only computes hops.  The core walks:
 * it asks uvf_mig_next_hop() for the next state, has the device perform
 * that one arc, records the new state only when the arc succeeded, and
 * repeats until the target is reached (a failed arc leaves the device in
 * the last state it reached).  Nothing here has state or allocates; every
 * function is safe from any thread.
 *
 * Only the flag sets the uapi defines are accepted: 0x1 (STOP_COPY),
 * 0x3 (+P2P), 0x5 (+PRE_COPY) and 0x7 (all three).  Any other value --
 * 0, P2P without STOP_COPY, unknown bits such as 1 << 3 -- is "no valid
 * device" and every query answers -EINVAL / false for it.
 */
#ifndef UVF_MIGRATION_FSM_H
#define UVF_MIGRATION_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include <uvfio/vfio.h>

/* Longest path the table can produce is 4 hops (RESUMING -> STOP ->
 * RUNNING_P2P -> RUNNING -> PRE_COPY); callers size hop arrays with this. */
#define UVF_MIG_PATH_MAX	UVF_MIG_STATE_NR

/* Is `flags` one of the four defined migration flag sets (0x1/0x3/0x5/0x7)? */
bool uvf_mig_flags_valid(uint64_t flags);

/*
 * Flags a state needs: STOP, RUNNING, STOP_COPY, RESUMING need STOP_COPY;
 * RUNNING_P2P needs STOP_COPY|P2P; PRE_COPY needs STOP_COPY|PRE_COPY;
 * PRE_COPY_P2P needs all three; ERROR (and any value >= NR) needs all ones,
 * so no device ever has it.
 */
uint64_t uvf_mig_state_needs(enum uvf_mig_state s);

/* Is `s` a state a device with `flags` can be asked to enter?  ERROR never
 * is; nothing is for an invalid flag set. */
bool uvf_mig_state_supported(uint64_t flags, uint32_t s);

/*
 * One hop of the walk from `cur` towards `target` for a device with `flags`.
 *
 * Returns 0 with *next set to the state the device must step into next
 * (*next == cur when cur == target: nothing to do), or -EINVAL when the flag
 * set is invalid, either state is out of range, ERROR or needs flags the
 * device lacks, or the request is blocked (STOP_COPY -> PRE_COPY and
 * STOP_COPY -> PRE_COPY_P2P).  *next is untouched on error.
 *
 * A bad `cur` is the caller's bug (the core should never hold an
 * unsupported state) and is reported the same way; the core asserts.
 * Always terminates in a bounded number of steps (see migration.md §5.3 for
 * the kernel loop that did not).
 */
int uvf_mig_next_hop(uint64_t flags, uint32_t cur, uint32_t target,
		     enum uvf_mig_state *next);

/*
 * The whole path from `cur` to `target`: fills hops[] with the states
 * visited after `cur` (the last one is `target`) and returns their number,
 * 0 when cur == target, or -EINVAL as uvf_mig_next_hop().  For tests, tools
 * and logging; the core walks hop by hop so it can stop at a failed arc.
 */
int uvf_mig_path(uint64_t flags, uint32_t cur, uint32_t target,
		 enum uvf_mig_state hops[UVF_MIG_PATH_MAX]);

/*
 * The raw cell next[cur][target] of the base table (migration.md §5.2,
 * every optional state present, no skipping), or ERROR when either index is
 * out of range.  Lets tests check the table cell by cell and tools print
 * it; devices use uvf_mig_next_hop().
 */
enum uvf_mig_state uvf_mig_base_hop(uint32_t cur, uint32_t target);

/* "ERROR", "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P",
 * "PRE_COPY", "PRE_COPY_P2P"; "INVALID" for anything >= NR.  Static
 * storage, never NULL. */
const char *uvf_mig_state_name(uint32_t s);

/* Short names used in migration.md's tables and in path traces: "ERR",
 * "STOP", "RUN", "SCPY", "RES", "RP2P", "PRE", "PP2P"; "INVALID". */
const char *uvf_mig_state_abbrev(uint32_t s);

/*
 * Parse a state: a full name or an abbreviation (case-insensitive) or a
 * decimal number 0..7.  0 and *out set, or -EINVAL (NULL, empty, unknown,
 * out of range, trailing garbage).  ERROR parses: whether it may be
 * requested is uvf_mig_next_hop()'s business.
 */
int uvf_mig_state_parse(const char *name, enum uvf_mig_state *out);

/* In the saving group (a saving data session is open): PRE_COPY,
 * PRE_COPY_P2P, STOP_COPY. */
bool uvf_mig_state_is_saving(uint32_t s);

/* No DMA and no interrupts: STOP, STOP_COPY, RESUMING, ERROR (ERROR
 * behaves as quiesced so a failed migration cannot disturb peers). */
bool uvf_mig_state_is_stopped(uint32_t s);

/* P2P quiescent, running but initiating no new DMA: RUNNING_P2P,
 * PRE_COPY_P2P. */
bool uvf_mig_state_is_p2p(uint32_t s);

/* Fully running, DMA and interrupts: RUNNING, PRE_COPY. */
bool uvf_mig_state_is_running(uint32_t s);

/* Pre-copy: PRE_COPY, PRE_COPY_P2P. */
bool uvf_mig_state_is_precopy(uint32_t s);

#endif /* UVF_MIGRATION_FSM_H */
