/* SPDX-License-Identifier: MIT */
/*
 * migration/fsm.c - next-hop table and walker of the VFIO migration v2 FSM.
 *
 * Same table and the same skip rule as Linux vfio_mig_get_next_state(), with
 * the 2026 fix: the skip loop stops when the hop is ERROR (migration.md §5.3).
 */
#include "migration/fsm.h"

#include <errno.h>
#include <stddef.h>
#include <strings.h>

#define ERR	UVF_MIG_STATE_ERROR
#define STOP	UVF_MIG_STATE_STOP
#define RUN	UVF_MIG_STATE_RUNNING
#define SCPY	UVF_MIG_STATE_STOP_COPY
#define RES	UVF_MIG_STATE_RESUMING
#define RP2P	UVF_MIG_STATE_RUNNING_P2P
#define PRE	UVF_MIG_STATE_PRE_COPY
#define PP2P	UVF_MIG_STATE_PRE_COPY_P2P
#define NR	UVF_MIG_STATE_NR

#define F_SCPY	UVF_VFIO_MIGRATION_STOP_COPY
#define F_P2P	UVF_VFIO_MIGRATION_P2P
#define F_PRE	UVF_VFIO_MIGRATION_PRE_COPY

/*
 * Arcs a device must implement (each is one call of the device's step op),
 * by flag set:
 *
 *   always:        STOP -> STOP_COPY, STOP_COPY -> STOP,
 *                  STOP -> RESUMING,  RESUMING -> STOP
 *   without P2P:   RUNNING -> STOP, STOP -> RUNNING
 *   P2P:           RUNNING -> RUNNING_P2P, RUNNING_P2P -> RUNNING,
 *                  RUNNING_P2P -> STOP, STOP -> RUNNING_P2P
 *   PRE_COPY:      RUNNING -> PRE_COPY, PRE_COPY -> RUNNING,
 *                  PRE_COPY -> STOP_COPY (only without P2P)
 *   PRE_COPY+P2P:  PRE_COPY -> PRE_COPY_P2P, PRE_COPY_P2P -> PRE_COPY,
 *                  PRE_COPY_P2P -> RUNNING_P2P, RUNNING_P2P -> PRE_COPY_P2P,
 *                  PRE_COPY_P2P -> STOP_COPY
 *
 * Every other request is a path of those arcs: the shortest one that never
 * passes *through* a saving-group state (PRE_COPY, PRE_COPY_P2P, STOP_COPY
 * may only start or end a path, so a data session is only ever opened by
 * the last arc).  With all flags (0x7) the multi-step paths are:
 *
 *   STOP -> RP2P -> RUN (-> PRE)            STOP -> RP2P -> PP2P
 *   RUN -> RP2P -> STOP (-> SCPY | -> RES)  RUN -> RP2P -> PP2P
 *   SCPY -> STOP -> RP2P (-> RUN)           SCPY -> STOP -> RES
 *   RES -> STOP -> RP2P (-> RUN (-> PRE) | -> PP2P)
 *   RES -> STOP -> SCPY                     RP2P -> STOP -> SCPY
 *   RP2P -> STOP -> RES                     RP2P -> RUN -> PRE
 *   PRE -> RUN -> RP2P (-> STOP (-> RES))   PRE -> PP2P -> SCPY
 *   PP2P -> RP2P -> STOP (-> RES)           PP2P -> RP2P -> RUN
 *
 * Without P2P the walker skips RP2P and PP2P (e.g. STOP -> RUN is direct,
 * PRE -> SCPY is direct); without PRE_COPY those targets simply do not
 * exist.  migration.md §5.4 has the four resulting tables; the unit test
 * checks all of them, cell by cell, against an independent transcription.
 *
 * STOP_COPY -> PRE_COPY(_P2P) is ERROR in the table: going back from the
 * final image to pre-copy is reserved for a future flag, so it is refused.
 *
 * Rows are the current state, columns the requested one, the cell is the
 * next hop assuming every optional state exists.  Every cell is filled; the
 * ERROR row and column are never consulted (the walker rejects ERROR
 * first) but are spelled out so no cell is left implicit.
 */
static const uint8_t next[NR][NR] = {
	/*           to: ERR   STOP  RUN   SCPY  RES   RP2P  PRE   PP2P */
	[ERR]  = {       ERR,  ERR,  ERR,  ERR,  ERR,  ERR,  ERR,  ERR  },
	[STOP] = {       ERR,  STOP, RP2P, SCPY, RES,  RP2P, RP2P, RP2P },
	[RUN]  = {       ERR,  RP2P, RUN,  RP2P, RP2P, RP2P, PRE,  RP2P },
	[SCPY] = {       ERR,  STOP, STOP, SCPY, STOP, STOP, ERR,  ERR  },
	[RES]  = {       ERR,  STOP, STOP, STOP, RES,  STOP, STOP, STOP },
	[RP2P] = {       ERR,  STOP, RUN,  STOP, STOP, RP2P, RUN,  PP2P },
	[PRE]  = {       ERR,  RUN,  RUN,  PP2P, RUN,  RUN,  PRE,  PP2P },
	[PP2P] = {       ERR,  RP2P, RP2P, SCPY, RP2P, RP2P, PRE,  PP2P },
};

/* Flags each state needs.  ERROR needs every bit, so no device has it and
 * the walker's "supported" test rejects it without a special case. */
static const uint64_t needs[NR] = {
	[ERR]  = ~0ull,
	[STOP] = F_SCPY,
	[RUN]  = F_SCPY,
	[SCPY] = F_SCPY,
	[RES]  = F_SCPY,
	[RP2P] = F_SCPY | F_P2P,
	[PRE]  = F_SCPY | F_PRE,
	[PP2P] = F_SCPY | F_P2P | F_PRE,
};

/* Names and per-state properties, indexed by state. */
#define PROP_SAVING	(1u << 0)
#define PROP_STOPPED	(1u << 1)
#define PROP_P2P	(1u << 2)
#define PROP_RUNNING	(1u << 3)	/* fully running: DMA and interrupts */
#define PROP_PRECOPY	(1u << 4)

static const struct {
	const char *name;
	const char *abbrev;
	unsigned props;
} states[NR] = {
	[ERR]  = { "ERROR",        "ERR",  PROP_STOPPED },
	[STOP] = { "STOP",         "STOP", PROP_STOPPED },
	[RUN]  = { "RUNNING",      "RUN",  PROP_RUNNING },
	[SCPY] = { "STOP_COPY",    "SCPY", PROP_SAVING | PROP_STOPPED },
	[RES]  = { "RESUMING",     "RES",  PROP_STOPPED },
	[RP2P] = { "RUNNING_P2P",  "RP2P", PROP_P2P },
	[PRE]  = { "PRE_COPY",     "PRE",  PROP_SAVING | PROP_RUNNING | PROP_PRECOPY },
	[PP2P] = { "PRE_COPY_P2P", "PP2P", PROP_SAVING | PROP_P2P | PROP_PRECOPY },
};

bool uvf_mig_flags_valid(uint64_t flags)
{
	/* STOP_COPY is mandatory; P2P and PRE_COPY are the only optional
	 * bits defined.  Unknown bits are a future ABI we cannot honour. */
	return (flags & F_SCPY) && !(flags & ~(F_SCPY | F_P2P | F_PRE));
}

uint64_t uvf_mig_state_needs(enum uvf_mig_state s)
{
	return (unsigned)s < NR ? needs[s] : ~0ull;
}

/* The walker's test: does a device with (already validated) flags have s? */
static bool has_state(uint64_t flags, uint32_t s)
{
	return (needs[s] & flags) == needs[s];
}

bool uvf_mig_state_supported(uint64_t flags, uint32_t s)
{
	return uvf_mig_flags_valid(flags) && s < NR && has_state(flags, s);
}

int uvf_mig_next_hop(uint64_t flags, uint32_t cur, uint32_t target,
		     enum uvf_mig_state *next_out)
{
	uint32_t hop;

	if (!uvf_mig_state_supported(flags, cur) ||
	    !uvf_mig_state_supported(flags, target))
		return -EINVAL;

	/*
	 * Skip optional states the device lacks: it sees one arc from cur
	 * straight to the next state it has.  Stop at ERROR: next[ERR][*] is
	 * ERR, and since ERROR is never "had", the kernel's loop without
	 * this test spins forever on STOP_COPY -> PRE_COPY (§5.3).  For the
	 * four valid flag sets the skip takes at most one step; the unit
	 * test walks every (flags, cur, target) triple, so termination is
	 * checked over the whole (finite) domain.
	 */
	hop = next[cur][target];
	while (hop != ERR && !has_state(flags, hop))
		hop = next[hop][target];
	if (hop == ERR)
		return -EINVAL;	/* blocked request */

	*next_out = (enum uvf_mig_state)hop;
	return 0;
}

int uvf_mig_path(uint64_t flags, uint32_t cur, uint32_t target,
		 enum uvf_mig_state hops[UVF_MIG_PATH_MAX])
{
	enum uvf_mig_state s;
	int n = 0, ret;

	ret = uvf_mig_next_hop(flags, cur, target, &s);
	if (ret)
		return ret;
	/* Every hop is a distinct state, so a path can never be longer than
	 * NR; the bound only turns a corrupted table into an error. */
	while (cur != target) {
		if (n == UVF_MIG_PATH_MAX)
			return -EINVAL;
		ret = uvf_mig_next_hop(flags, cur, target, &s);
		if (ret)
			return ret;
		hops[n++] = s;
		cur = s;
	}
	return n;
}

enum uvf_mig_state uvf_mig_base_hop(uint32_t cur, uint32_t target)
{
	if (cur >= NR || target >= NR)
		return UVF_MIG_STATE_ERROR;
	return (enum uvf_mig_state)next[cur][target];
}

const char *uvf_mig_state_name(uint32_t s)
{
	return s < NR ? states[s].name : "INVALID";
}

const char *uvf_mig_state_abbrev(uint32_t s)
{
	return s < NR ? states[s].abbrev : "INVALID";
}

int uvf_mig_state_parse(const char *name, enum uvf_mig_state *out)
{
	uint32_t s, v = 0;
	const char *p;

	if (!name || !*name)
		return -EINVAL;

	/* Numbers: plain decimal digits only (no sign, no spaces, no base
	 * prefixes); the value is small, so overflow is stopped by the
	 * range check before it can happen. */
	if (*name >= '0' && *name <= '9') {
		for (p = name; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			v = v * 10 + (uint32_t)(*p - '0');
			if (v >= NR)
				return -EINVAL;
		}
		*out = (enum uvf_mig_state)v;
		return 0;
	}

	for (s = 0; s < NR; s++) {
		if (!strcasecmp(name, states[s].name) ||
		    !strcasecmp(name, states[s].abbrev)) {
			*out = (enum uvf_mig_state)s;
			return 0;
		}
	}
	return -EINVAL;
}

static bool has_prop(uint32_t s, unsigned prop)
{
	return s < NR && (states[s].props & prop);
}

bool uvf_mig_state_is_saving(uint32_t s)
{
	return has_prop(s, PROP_SAVING);
}

bool uvf_mig_state_is_stopped(uint32_t s)
{
	return has_prop(s, PROP_STOPPED);
}

bool uvf_mig_state_is_p2p(uint32_t s)
{
	return has_prop(s, PROP_P2P);
}

bool uvf_mig_state_is_running(uint32_t s)
{
	return has_prop(s, PROP_RUNNING);
}

bool uvf_mig_state_is_precopy(uint32_t s)
{
	return has_prop(s, PROP_PRECOPY);
}
