/* SPDX-License-Identifier: MIT */
/*
 * core/dirty.h - device-side DMA dirty-page log (DMA_LOGGING features 6/7/8).
 *
 * Concepts.  While logging runs, every write the device makes into client
 * memory is recorded as a dirty page; the VMM periodically REPORTs ranges
 * and re-sends the pages found dirty.  A log is created by START over a
 * fixed set of non-overlapping IOVA ranges at one page size, and destroyed
 * by STOP.  Each logged page is one bit, kept in 64-bit words that are only
 * ever changed atomically:
 *
 *   - mark (the device's DMA-write path, any thread) ORs bits in;
 *   - report and clear (the event loop) take bits out with an atomic
 *     exchange / fetch-and, so each set bit is handed to exactly one
 *     report: a write racing a report lands in that report or the next,
 *     never in neither (migration.md §7.3).
 *
 * Ordering rule for callers of mark: mark AFTER the write to guest memory
 * has been done, never before.  mark is a release operation and report
 * acquires, so a report that takes a bit also sees the data written before
 * the mark; marking first would let a report clear the bit and the VMM
 * copy the page before the data lands, losing the write.
 *
 * Lifetime: create, then mark/report/clear from any threads, then destroy
 * once no thread can mark any more (the core quiesces its DMA users
 * first).  The log does not know about DMA mappings; the core maps
 * "log everything" (vfio-user START with no ranges) to the current DMA
 * maps and calls uvf_dirty_log_clear() when an unmap drops a logged range.
 *
 * Pages straddling a request's edge.  A report or clear whose bounds are not
 * aligned to the log's page size (possible with a finer report page size or
 * an odd length) reports the straddling log page but does not clear it,
 * since the part outside the request may hold the only record of a write
 * there.  Over-reporting costs a re-sent page; under-reporting corrupts
 * the migration.
 */
#ifndef UVF_CORE_DIRTY_H
#define UVF_CORE_DIRTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uvfio/vfio.h>

#include "proto/proto.h"

struct uvf_iova_range {
	uint64_t iova;
	uint64_t length;
};

struct uvf_dirty_log;

/* Smallest page size START and REPORT accept (migration.md §7.2/§7.3). */
#define UVF_DIRTY_MIN_PAGE_SIZE	4096u

/* A page size a log can use: a power of two, at least the minimum. */
bool uvf_dirty_page_size_ok(uint64_t page_size);

/*
 * START: create a log over `ranges` (any order) at `page_size`.
 *
 * Errors, checked in this order:
 *   -EINVAL    num_ranges == 0 (the core substitutes its DMA maps for the
 *              vfio-user "log everything" form before calling), ranges NULL
 *   -E2BIG     num_ranges > UVF_VFIO_DMA_LOGGING_MAX_RANGES
 *   -EINVAL    page_size not a power of two >= 4096
 *   -EINVAL    a range with length 0, or iova/length not page_size aligned
 *   -EOVERFLOW iova + length wraps past 2^64 (reaching exactly 2^64 counts)
 *   -EINVAL    two ranges overlap (touching is fine)
 *   -E2BIG     the bitmaps would need more than max_bytes
 *   -ENOMEM    allocation failed
 * On success *out is the new log, all clean.  The log keeps the requested
 * page size; uvf_dirty_log_page_size() is what START replies with.
 */
int uvf_dirty_log_create(const struct uvf_iova_range *ranges,
			 unsigned num_ranges, uint64_t page_size,
			 size_t max_bytes, struct uvf_dirty_log **out);

/* STOP: free the log (NULL is fine).  No thread may use it any more. */
void uvf_dirty_log_destroy(struct uvf_dirty_log *log);

/* The log's granularity (START's reply page size). */
uint64_t uvf_dirty_log_page_size(const struct uvf_dirty_log *log);

/*
 * Mark [iova, iova + len) written: every log page touching it becomes
 * dirty.  Parts outside the logged ranges are ignored; len 0 does nothing;
 * a range wrapping past 2^64 is cut at 2^64.  Lock-free (one atomic OR per
 * 64 pages), callable from any thread concurrently with report and clear.
 * Call it after the write (see the ordering rule above).
 */
void uvf_dirty_log_mark(struct uvf_dirty_log *log, uint64_t iova,
			uint64_t len);

/* uvf_dirty_bitmap_bytes(): proto/proto.h (the client sizes bitmaps too). */

/*
 * REPORT: atomically read and clear [iova, iova + length) into `bitmap`.
 *
 * Bit k of the report (page [iova + k * page_size, +page_size)) is
 * bit k % 64 of bitmap[k / 64], words in host order (migration.md §7.3).
 * The first uvf_dirty_bitmap_bytes(length, page_size) bytes of bitmap are
 * zeroed and then filled (bytes beyond are untouched); bits past `length`
 * and pages no logged range covers read 0.
 *
 * page_size may differ from the log's: coarser -> a report bit is the OR of
 * the log bits it covers; finer -> each log bit is replicated into every
 * report bit it covers.  iova must be aligned to page_size (not necessarily
 * to the log's), length need not be.
 *
 * Errors: -EINVAL page_size not a power of two >= 4096, length 0, iova not
 * page_size aligned, bitmap NULL or bitmap_bytes too small; -EOVERFLOW
 * iova + length wraps.  Nothing is cleared on error.
 *
 * Cost: a clean word costs one plain load, so a mostly clean 64 GiB / 4 KiB
 * report is about a memset plus a read of 2 MiB.
 */
int uvf_dirty_log_report(struct uvf_dirty_log *log, uint64_t iova,
			 uint64_t length, uint64_t page_size,
			 uint64_t *bitmap, size_t bitmap_bytes);

/*
 * Read and clear [iova, iova + length) into nothing but a count: returns
 * the number of dirty log pages cleared (for DMA_UNMAP of a logged range,
 * so the core can log how many dirty pages it dropped).  Only log pages
 * wholly inside the range are cleared and counted; a range wrapping past
 * 2^64 is cut at 2^64; length 0 clears nothing.
 */
uint64_t uvf_dirty_log_clear(struct uvf_dirty_log *log, uint64_t iova,
			     uint64_t length);

#endif /* UVF_CORE_DIRTY_H */
