/* SPDX-License-Identifier: MIT */
/*
 * migration/memstream.h - a versioned, self-validating migration stream for
 * "a block of device memory plus a small device blob".
 *
 * Concepts
 * --------
 * A device whose migratable state is a memory block (device RAM, a BAR's
 * backing store) plus a few registers hands both to a *saver* on the
 * source and to a *loader* on the destination; the data session bytes are
 * whatever the saver produces, concatenated, re-chunked at will by the user
 * (migration.md §6).  The memory is cut into 4 KiB pages.
 *
 * Saver.  Created over the memory, either for STOP_COPY only (the memory
 * is frozen; nothing is tracked) or in pre-copy mode.  In pre-copy mode it
 * first sends every page (the "initial bytes"), then only pages whose
 * content differs from what it sent: it keeps a shadow copy of every byte
 * it sent and compares page by page.  That catches writes through a
 * client's mmap of the memory, which no DMA log or write trap in this
 * process can see; the cost is a second copy of the memory for the life of
 * the session and one compare pass over the memory per pre-copy round.
 * final(blob) moves to the stop-copy tail: every page not sent yet or
 * changed since it was sent, the blob, and an END record with a checksum
 * over the whole stream; reads then return 0 for ever.  Before final(), a
 * read that returns 0 is the temporary end of pre-copy data ("nothing
 * more right now"; see uvf_memstream_saver_read() for exactly when).
 *
 * Loader.  Accepts the stream in chunks of any size.  The stream header is
 * checked as soon as its bytes are in (stream magic, version, device id,
 * page and memory size: a foreign or incompatible stream fails the write
 * with -EINVAL); records are bounds-checked as they arrive and pages are
 * staged in a private copy (faulted in when the loader is created, so the
 * zeroing of fresh pages happens before the source stops, not in the
 * downtime).  Only finish() checks completeness (END seen,
 * every page received, blob present) and the checksum, lets the device
 * check its blob, and then copies the staged pages into the device memory.
 * Any failure leaves the device memory untouched; a write error is sticky
 * (the byte stream cannot be resynchronised).
 *
 * Stream format (version 2; all integers little-endian)
 * -----------------------------------------------------
 *   header, 48 bytes:
 *     u64 magic "UVFMSTRM"   u32 version (2)     u32 header size (48)
 *     u32 device id          u32 page size (4096) u64 memory size
 *     u32 flags (bit 0: produced by a pre-copy saver)   u32 0   u64 0
 *   records, each a 16-byte head { u32 type; u32 count; u64 arg }:
 *     PAGES (1): count pages (1..16384) starting at page index arg, followed
 *                by count * 4096 bytes; a later copy of a page wins
 *     BLOB  (2): count bytes of device blob follow (arg 0); exactly once
 *     END   (3): count 0, arg = checksum of every stream byte before arg;
 *                nothing may follow
 * The checksum is XXH3-64 (seed 0) over the bytes in stream order.
 * Version 1 differed only in its record limit (256 pages); records of
 * 64 MiB let a sender pass most of the memory by reference (read_ref).
 *
 * Threads: a saver or loader is used by one thread at a time (the device's
 * loop thread).  The memory itself may be written concurrently by others
 * (a client's mmap) while a pre-copy saver reads it: what was sent is what
 * the shadow remembers, so a torn page is simply sent again.
 *
 * Every function returns 0, a count, or a negative errno.
 */
#ifndef UVF_MIGRATION_MEMSTREAM_H
#define UVF_MIGRATION_MEMSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UVF_MEMSTREAM_VERSION		2u
#define UVF_MEMSTREAM_PAGE_SIZE		4096u
#define UVF_MEMSTREAM_HDR_SIZE		48u
#define UVF_MEMSTREAM_REC_SIZE		16u
#define UVF_MEMSTREAM_MAX_RUN		16384u	/* pages per PAGES record */
/* Largest device blob either side accepts. */
#define UVF_MEMSTREAM_BLOB_MAX		(1u << 20)

struct uvf_memstream_saver;
struct uvf_memstream_loader;

/* ---- saver ------------------------------------------------------------------ */

/*
 * A saver over [mem, mem + size) for a device identified by dev_id (any
 * value the device picks, e.g. a fourcc; the loader must use the same).
 * size: a non-zero multiple of the page size.  precopy: track changes with
 * a shadow copy (allocates `size` more bytes, lazily touched); without it
 * the caller must call final() before the first read.
 * -EINVAL bad size, -ENOMEM.
 */
int uvf_memstream_saver_create(const void *mem, uint64_t size, uint32_t dev_id, bool precopy,
			       struct uvf_memstream_saver **out);
void uvf_memstream_saver_destroy(struct uvf_memstream_saver *s);

/*
 * Produce up to len bytes of the stream into buf; returns the count.  A
 * short count is not an end by itself; 0 is.  After final(), 0 is the
 * permanent end of the stream.  Before it, 0 is the temporary end of
 * pre-copy data: the pass over the memory under way found no more pages
 * that differ from what was sent (and none is known behind it), or this
 * call compared 64 MiB without finding one (the pass goes on at the next
 * call), or this is the call after one in which a pass ended, so a user
 * reading "until short" gets one pass per round even while the memory
 * keeps changing.
 * -EINVAL when called before final() on a saver made without precopy.
 */
long uvf_memstream_saver_read(struct uvf_memstream_saver *s, void *buf, size_t len);

/*
 * read() for a sender that can transmit from memory it does not own: the
 * same bytes as read() would give, but when the tail of the count is page
 * data it may come by reference instead of being copied: the first
 * (count - *ref_len) bytes are in buf, the last *ref_len at *ref (NULL, 0
 * when everything was copied).  *ref stays valid and unchanged until the
 * next call into the saver or its destruction; it points into the shadow
 * copy (made now) or, for pages with no shadow, into the memory itself,
 * which the caller guarantees is frozen then (the device is stopped);
 * such bytes are hashed at the next call, when the caller has sent them
 * and they are in the cache.  A client writing the memory anyway (through
 * an mmap) makes the checksum fail on the loader: the image is refused,
 * never wrong.
 */
long uvf_memstream_saver_read_ref(struct uvf_memstream_saver *s, void *buf, size_t len,
				  const void **ref, size_t *ref_len);

/*
 * The device has stopped: switch to the stop-copy tail (pages not sent or
 * changed, then blob, then END).  The blob is copied.  Call once;
 * -EALREADY after that, -E2BIG for a blob over UVF_MEMSTREAM_BLOB_MAX.
 */
int uvf_memstream_saver_final(struct uvf_memstream_saver *s, const void *blob, size_t blob_len);

/*
 * Pre-copy progress (PRECOPY_INFO).  initial: bytes of the initial image
 * (stream header and the first copy of every page) not produced yet; it
 * never increases.  dirty: page bytes known to differ from what was sent,
 * plus what is left of the delta record being produced.  To stay cheap
 * enough to call often, each call compares at most a few MiB of memory
 * (resuming where the previous call stopped), so a change shows up in
 * `dirty` within size / 8 MiB calls; reads find every change regardless.
 */
void uvf_memstream_saver_precopy_info(struct uvf_memstream_saver *s, uint64_t *initial,
				      uint64_t *dirty);

/*
 * Bytes the stop-copy phase would produce if final() were called now with
 * a blob of blob_len bytes (after final(): bytes left to read).  Exact for
 * a saver made without precopy.  With precopy it counts every changed page
 * it knows of as a record of its own, so it is an upper bound as long as
 * the memory did not change behind the compares of reads and
 * precopy_info: MIG_DATA_SIZE's ">= the real size for an idle device".
 */
uint64_t uvf_memstream_saver_size(const struct uvf_memstream_saver *s, size_t blob_len);

/* Size of a complete STOP_COPY-only stream: header, every page, blob, END.
 * For MIG_DATA_SIZE when no session is open. */
uint64_t uvf_memstream_full_size(uint64_t mem_size, size_t blob_len);

/* ---- loader ----------------------------------------------------------------- */

/*
 * A loader that will, on success, write into [mem, mem + size).  The
 * staging copy (`size` bytes) is allocated and faulted in now, which takes
 * about as long as zeroing it (tens of ms for 256 MiB).
 * blob_cap: largest blob accepted (<= UVF_MEMSTREAM_BLOB_MAX).
 * -EINVAL bad size or cap, -ENOMEM.
 */
int uvf_memstream_loader_create(void *mem, uint64_t size, uint32_t dev_id, size_t blob_cap,
				struct uvf_memstream_loader **out);
void uvf_memstream_loader_destroy(struct uvf_memstream_loader *l);

/*
 * Consume the next len bytes (any chunking, 0 allowed).  -EINVAL: foreign
 * magic, wrong version, other device id, page or memory size, a record of
 * unknown type or outside the memory, a second blob, bytes after END;
 * -E2BIG: blob over the cap.  Errors are sticky.
 */
int uvf_memstream_loader_write(struct uvf_memstream_loader *l, const void *buf, size_t len);

/*
 * The device's last word on its blob before anything is applied (parse
 * registers, check they make sense); 0 to go on or a negative errno.
 */
typedef int (*uvf_memstream_blob_check_fn)(void *arg, const void *blob, size_t len);

/*
 * Validate and apply.  -ENODATA: the stream is incomplete (no END, a page
 * never sent, no blob); -EBADMSG: checksum mismatch; a sticky write error;
 * or the error of check().  On success the staged pages have been copied
 * into the memory and *blob / *blob_len (either may be NULL) describe the
 * blob, owned by the loader until it is destroyed.  On failure the memory
 * is untouched and the loader keeps its state: more writes may complete an
 * incomplete stream, and a later call tries again.
 */
int uvf_memstream_loader_finish(struct uvf_memstream_loader *l, uvf_memstream_blob_check_fn check,
				void *arg, const void **blob, size_t *blob_len);

/* ---- checksum ---------------------------------------------------------------- */

/* The stream checksum: XXH3-64 (libxxhash), streaming; exposed for tests
 * and for devices that want the same checksum elsewhere. */
struct uvf_mshash {
	void *state;		/* XXH3_state_t, 64-byte aligned by libxxhash */
};
int uvf_mshash_init(struct uvf_mshash *h);
void uvf_mshash_update(struct uvf_mshash *h, const void *data, size_t len);
uint64_t uvf_mshash_digest(const struct uvf_mshash *h);
void uvf_mshash_free(struct uvf_mshash *h);

#endif /* UVF_MIGRATION_MEMSTREAM_H */
