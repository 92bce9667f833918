/* SPDX-License-Identifier: MIT */
/*
 * ccw/arena.h - channel-storage arena for translated channel programs.
 *
 * Concepts
 * --------
 * Host CCWs and IDALs must lie below 2 GiB in channel storage (format-1 CCW
 * data addresses and CCW addresses are 31-bit).  An arena is one host
 * buffer mapped once into a css at a fixed address below 2 GiB, read-only
 * for the channel (a program can never make the channel store into its own
 * CCWs), and a small allocator over it.  Every translated program takes
 * exactly one doubleword-aligned block from it, holding all its CCWs and
 * IDALs, and gives it back when it is freed ("free by program").
 *
 * Allocator: first fit over an address-sorted array of free extents,
 * coalesced on free.  Cost: O(free extents) per call; there are at most
 * (live blocks + 1) extents and live blocks are few (about one program per
 * device), so a list is enough.  Fragmentation: a request fails with
 * -ENOMEM when no single free extent is large enough even if the total free
 * space is; with the default 4 MiB and translated programs of at most
 * ~100 KiB (cp.h limits) about 40 programs fit even in the worst case.
 *
 * Threads: every call is serialized by one mutex inside the arena; the
 * host memory of a block is written by its owner only (before SSCH) and
 * read by the channel.
 */
#ifndef UVF_CCW_ARENA_H
#define UVF_CCW_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct uvf_css;
struct uvf_ccw_arena;

/* Default placement: 256 MiB, 4 MiB long (well below 2 GiB and away from
 * UVF_CCW_HOLE and the DMA windows, see cp.h). */
#define UVF_CCW_ARENA_ADDR	0x10000000u
#define UVF_CCW_ARENA_SIZE	(4u << 20)
#define UVF_CCW_ARENA_ALIGN	8u

/*
 * Allocate the host buffer (size bytes, zeroed) and map it read-only into
 * css at css_addr.  -EINVAL: size 0 or not a multiple of the page size,
 * css_addr not page aligned, the range not wholly below 2 GiB, or
 * overlapping UVF_CCW_HOLE; errors of uvf_css_mem_map() (-EEXIST, ...);
 * -ENOMEM.  uvf_ccw_arena_create() uses the default address and size.
 */
int uvf_ccw_arena_create_at(struct uvf_css *css, uint32_t css_addr,
			    size_t size, struct uvf_ccw_arena **out);
int uvf_ccw_arena_create(struct uvf_css *css, struct uvf_ccw_arena **out);
/* Unmap and free.  Every block must have been freed (asserted): the channel
 * may still be reading a live block. */
void uvf_ccw_arena_destroy(struct uvf_ccw_arena *a);

/* A block of at least size bytes (rounded up to the alignment), zeroed:
 * its css address and host address.  -EINVAL for size 0, -ENOMEM when no
 * free extent is large enough. */
int uvf_ccw_arena_alloc(struct uvf_ccw_arena *a, size_t size,
			uint32_t *css_addr, void **host);
/* Give back a block; css_addr and size exactly as allocated. */
void uvf_ccw_arena_free(struct uvf_ccw_arena *a, uint32_t css_addr,
			size_t size);

struct uvf_ccw_arena_stats {
	size_t size;		/* whole arena */
	size_t used;		/* bytes in live blocks */
	size_t largest_free;	/* largest single free extent */
	unsigned blocks;	/* live blocks */
	unsigned extents;	/* free extents */
};
void uvf_ccw_arena_stats(struct uvf_ccw_arena *a,
			 struct uvf_ccw_arena_stats *st);

/* The css address range of the arena. */
uint32_t uvf_ccw_arena_base(const struct uvf_ccw_arena *a);
size_t uvf_ccw_arena_size(const struct uvf_ccw_arena *a);

/* Live-program counter kept with the arena for cp.c (debug/tests: see
 * uvf_ccw_cp_live()). */
void uvf_ccw_arena_count_program(struct uvf_ccw_arena *a, int delta);
long uvf_ccw_arena_programs(const struct uvf_ccw_arena *a);

#endif
