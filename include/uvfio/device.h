/* SPDX-License-Identifier: MIT */
/*
 * uvfio/device.h - the VFIO device model a device backend implements.
 *
 * Concepts
 * --------
 * A device is a set of regions, IRQ indexes, a DMA address space (the
 * client's maps) and optionally a migration state machine, all owned by
 * the loop thread.  A backend fills in an ops table and registers its
 * regions and IRQs; the core validates every client request (index,
 * bounds, permission, flags, migration state) before a backend callback
 * runs, and a backend never sees the socket or a wire message.
 *
 * Lifecycle: uvf_device_create() -> uvf_device_set_region()/set_irq()/
 * set_migration() -> uvf_server_add_device() -> clients come and go (each
 * disconnect drops DMA maps and eventfds and resets the device) ->
 * uvf_device_destroy().
 *
 * Asynchronous completion: a backend callback documented as "may complete
 * later" may return -EINPROGRESS and must then call the matching *_done()
 * function exactly once, on the loop thread.  The client's request stays
 * parked meanwhile; the server keeps serving other messages.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure, and must be called on the loop thread unless it says otherwise.
 */
#ifndef UVFIO_DEVICE_H
#define UVFIO_DEVICE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uvfio/loop.h>
#include <uvfio/vfio.h>

struct uvf_device;

/* ---- logging --------------------------------------------------------------- */

enum uvf_log_level { UVF_LOG_ERROR, UVF_LOG_WARN, UVF_LOG_INFO, UVF_LOG_DEBUG };

/* Log a line to stderr as "uvfio: <level>: <device>: message".  Say what
 * failed, on which message, and what the caller can do. */
void uvf_log(enum uvf_log_level level, const struct uvf_device *dev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void uvf_log_set_level(enum uvf_log_level level);
enum uvf_log_level uvf_log_get_level(void);

/* ---- regions ---------------------------------------------------------------- */

/* Called with index, offset and count already checked against the region
 * (offset + count <= size, permission).  Return 0 or -errno; a device
 * answers wrong-width accesses as its hardware would, not with an error. */
struct uvf_region_ops {
	int (*read)(struct uvf_device *dev, unsigned index, uint64_t off, void *buf,
		    uint32_t count);
	int (*write)(struct uvf_device *dev, unsigned index, uint64_t off, const void *buf,
		     uint32_t count);
};

#define UVF_MAX_SPARSE	8

struct uvf_sparse_area {
	uint64_t offset, size;
};

struct uvf_region {
	uint64_t size;			/* 0: region not implemented */
	uint32_t flags;			/* UVF_VFIO_REGION_INFO_FLAG_READ/WRITE/MMAP */
	const struct uvf_region_ops *ops; /* NULL: plain memory at `mem` */
	void *mem;			/* plain memory backing (reads may be zero-copy) */
	int fd;				/* mmap backing when MMAP; -1 otherwise; the */
	uint64_t fd_offset;		/* device owns it */
	unsigned nr_sparse;		/* mmap-able areas; none with MMAP = whole region */
	struct uvf_sparse_area sparse[UVF_MAX_SPARSE];
	uint32_t type, subtype;		/* TYPE capability when type != 0 */
	bool msix_mappable;		/* MSIX_MAPPABLE capability */
};

/* Register or replace region `index` (< num_regions).  The core copies the
 * description.  Replacing is how a device changes its layout (e.g. drops
 * MMAP while pre-copying). */
int uvf_device_set_region(struct uvf_device *dev, unsigned index, const struct uvf_region *r);
const struct uvf_region *uvf_device_region(const struct uvf_device *dev, unsigned index);

/* ---- IRQs -------------------------------------------------------------------- */

/* Declare IRQ index `index` with `count` vectors and UVF_VFIO_IRQ_INFO_*
 * flags.  MASK/UNMASK requests are accepted only for MASKABLE indexes
 * (ENOTTY otherwise, as the kernel). */
int uvf_device_set_irq(struct uvf_device *dev, unsigned index, uint32_t count, uint32_t flags);

/* Raise vector `vector` of `index`: signal its eventfd.  A masked vector
 * becomes pending and fires on unmask; an AUTOMASKED index masks the vector
 * when it fires.  While the device is stopped for migration the interrupt
 * is dropped (counted, logged at debug).  Returns 0, -ENOENT if no eventfd
 * is assigned (the interrupt is lost, as on hardware with no handler),
 * -EAGAIN if it was left pending, -ESHUTDOWN if dropped while stopped. */
int uvf_irq_trigger(struct uvf_device *dev, unsigned index, unsigned vector);
/* Signal a control-plane vector (REQ, ERR, a device-specific notification
 * such as the region-remap IRQ) like uvf_irq_trigger(), but in every
 * migration state: it reports nothing the device did for the guest, and
 * the VMM must hear it while the device is stopped (e.g. a layout change
 * on STOP_COPY->STOP).  Masking applies; same returns, never -ESHUTDOWN. */
int uvf_irq_notify(struct uvf_device *dev, unsigned index, unsigned vector);
bool uvf_irq_enabled(const struct uvf_device *dev, unsigned index, unsigned vector);
bool uvf_irq_masked(const struct uvf_device *dev, unsigned index, unsigned vector);
/* Interrupts dropped because the device was stopped (tests use it). */
uint64_t uvf_irq_dropped(const struct uvf_device *dev);

/* ---- DMA ----------------------------------------------------------------------- */
/*
 * The client's DMA maps form one IOVA space per device.  Maps that came
 * with an fd are mmap'ed and reached directly; maps without one are reached
 * with DMA_READ/DMA_WRITE messages to the client (asynchronous only, so no
 * reply to the client ever waits for them).  Each access must lie inside
 * one map with the needed permission (-EFAULT / -EACCES otherwise).  While
 * the device is stopped or P2P-quiesced for migration the device may not
 * initiate DMA: these return -EBUSY.  Every write marks the pages dirty in
 * the DMA log when logging is on.
 */
int uvf_dma_read(struct uvf_device *dev, uint64_t iova, void *buf, size_t len);
int uvf_dma_write(struct uvf_device *dev, uint64_t iova, const void *buf, size_t len);
/* Host pointer for [iova, iova+len) inside one fd-backed map with `prot`
 * (UVF_VU_DMA_MAP_F_READ/WRITE).  Valid until the device's dma_unmap op
 * is called for an overlapping range.  A device that writes through it
 * must call uvf_dma_mark_dirty() itself. */
int uvf_dma_translate(struct uvf_device *dev, uint64_t iova, uint64_t len, uint32_t prot,
		      void **host);
/* The fd-backed map that contains iova: its whole extent and host address.
 * -EFAULT if iova lies in no map or in one without an fd.  The host
 * address stays valid until the dma_unmap op runs for that map. */
struct uvf_dma_map_info {
	uint64_t iova, size;
	uint32_t prot;		/* UVF_VU_DMA_MAP_F_READ/WRITE */
	void *host;
};
int uvf_dma_map_find(struct uvf_device *dev, uint64_t iova, struct uvf_dma_map_info *out);

/* Mark [iova, iova+len) dirty in the DMA log (no-op when not logging).
 * Thread-safe. */
void uvf_dma_mark_dirty(struct uvf_device *dev, uint64_t iova, uint64_t len);

typedef void (*uvf_dma_done_fn)(struct uvf_device *dev, void *arg, int err,
				const void *data, size_t len);
/* Message DMA for maps without an fd (also works on fd-backed maps, which
 * complete on the next loop iteration).  fn runs on the loop thread with
 * err 0 and the data (READ), or a negative errno; if the client goes away
 * first it runs with -ENOTCONN. */
int uvf_dma_read_async(struct uvf_device *dev, uint64_t iova, size_t len,
		       uvf_dma_done_fn fn, void *arg);
int uvf_dma_write_async(struct uvf_device *dev, uint64_t iova, const void *buf, size_t len,
			uvf_dma_done_fn fn, void *arg);

/* ---- migration ------------------------------------------------------------------ */
/*
 * The core walks multi-step transitions hop by hop with the kernel's table
 * (src/migration/fsm.c) and calls one hook per arc:
 *
 *   RUNNING->STOP, RUNNING_P2P->STOP          stop
 *   PRE_COPY->STOP_COPY, PRE_COPY_P2P->STOP_COPY  stop (the stream goes on)
 *   STOP->RUNNING, RUNNING_P2P->RUNNING,
 *   PRE_COPY_P2P->PRE_COPY                    start
 *   RUNNING->RUNNING_P2P, STOP->RUNNING_P2P,
 *   PRE_COPY->PRE_COPY_P2P                    p2p   (stop initiating DMA,
 *                                                    drain what is in flight)
 *   RUNNING->PRE_COPY, RUNNING_P2P->PRE_COPY_P2P, STOP->STOP_COPY
 *                                             save_begin
 *   PRE_COPY->RUNNING, PRE_COPY_P2P->RUNNING_P2P, STOP_COPY->STOP
 *                                             save_end
 *   STOP->RESUMING                            resume_begin
 *   RESUMING->STOP                            resume_end (validate, apply)
 *
 * Every hook gets the arc (from, to) and may complete later (-EINPROGRESS,
 * then uvf_mig_arc_done()).  A hook that fails leaves the state at `from`;
 * a hook may instead report that it could not restore any valid state by
 * failing with -EIO, which moves the device to ERROR.  The core owns the
 * data session: it checks that reads happen only in the saving states and
 * writes only in RESUMING, caps the resume image, ends the session when
 * the device leaves those states and on reset, and enforces that a stopped
 * device raises no interrupt and does no DMA.
 */
struct uvf_mig_ops {
	uint64_t flags;			/* UVF_VFIO_MIGRATION_*; STOP_COPY required */
	int (*stop)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	int (*start)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	int (*p2p)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	int (*save_begin)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	int (*save_end)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	int (*resume_begin)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	int (*resume_end)(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to);
	/* Produce up to len bytes of the stream; return the count.  0 means
	 * end of stream in STOP_COPY and "nothing now" in PRE_COPY(_P2P). */
	long (*save_data)(struct uvf_device *dev, void *buf, size_t len);
	/* Used instead of save_data when set (a device needs one of the
	 * two).  The same bytes, but
	 * the last *ref_len of the count may be handed out by reference at
	 * *ref instead of being copied into buf (the first count - *ref_len
	 * are in buf; a count with a reference is all of len); the server
	 * sends them from there without a copy.  They
	 * must stay unchanged until the next call of a migration op: the
	 * server sends the reply before it takes another command, and a
	 * device must not end its session on its own while a reply may be
	 * in flight. */
	long (*save_data_ref)(struct uvf_device *dev, void *buf, size_t len, const void **ref,
			      size_t *ref_len);
	/* Consume the next len bytes of the resume stream (any chunking). */
	int (*resume_data)(struct uvf_device *dev, const void *buf, size_t len);
	/* Estimated STOP_COPY size (MIG_DATA_SIZE); must be >= the real size
	 * for an idle device.  Callable in every state. */
	int (*data_size)(struct uvf_device *dev, uint64_t *bytes);
	/* Pre-copy progress; called only in PRE_COPY(_P2P). */
	int (*precopy_info)(struct uvf_device *dev, uint64_t *initial, uint64_t *dirty);
	/* The data session ends (the device left the saving states or
	 * RESUMING, or a reset - called before the reset op - or a client
	 * left): forget any saving/resuming state. */
	void (*session_end)(struct uvf_device *dev);
};

int uvf_device_set_migration(struct uvf_device *dev, const struct uvf_mig_ops *ops);
/* Narrow the migration flags offered to the current client (a subset of
 * ops->flags with STOP_COPY), e.g. no PRE_COPY for a client that cannot
 * take part in a handshake pre-copy needs.  Reset to ops->flags whenever a
 * client attaches, before the attach op runs. */
int uvf_device_set_mig_flags(struct uvf_device *dev, uint64_t flags);
/* Largest resume stream accepted (default 1 GiB); beyond it writes fail
 * with -EFBIG. */
void uvf_device_set_resume_cap(struct uvf_device *dev, uint64_t bytes);
enum uvf_mig_state uvf_device_mig_state(const struct uvf_device *dev);
/* Completes an arc hook that returned -EINPROGRESS. */
void uvf_mig_arc_done(struct uvf_device *dev, int err);

/* ---- device ------------------------------------------------------------------------ */

struct uvf_device_ops {
	/* DEVICE_RESET, and after a client disconnects (with DMA maps and
	 * eventfds already gone).  May complete later: uvf_device_reset_done(). */
	int (*reset)(struct uvf_device *dev);
	/* A client connected (VERSION done) / went away (before reset). */
	void (*attach)(struct uvf_device *dev);
	void (*detach)(struct uvf_device *dev);
	/* [iova, iova+size) is about to be unmapped: stop using translations
	 * into it before returning. */
	void (*dma_unmap)(struct uvf_device *dev, uint64_t iova, uint64_t size);
	/* SET_IRQS passed the generic checks and is about to change index;
	 * a device may refuse it (e.g. PCI: INTx/MSI/MSI-X are exclusive). */
	int (*irq_set)(struct uvf_device *dev, unsigned index, uint32_t flags, uint32_t start,
		       uint32_t count);
	/* The VMM unmasked a vector (UNMASK action or unmask eventfd). */
	void (*irq_unmasked)(struct uvf_device *dev, unsigned index, unsigned vector);
	/* Device-specific DEVICE_FEATURE (index not known to the core).  op is
	 * UVF_VFIO_DEVICE_FEATURE_GET/SET/PROBE bits.  GET writes at most
	 * out_cap bytes to out and sets *out_len.  -ENOTTY if unknown. */
	int (*feature)(struct uvf_device *dev, uint32_t feature, uint32_t op,
		       const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len);
	void (*destroy)(struct uvf_device *dev);
};

/* name is used in logs ("ccw-dasd 0.0.1234").  flags: UVF_VFIO_DEVICE_FLAGS_*. */
int uvf_device_create(struct uvf_loop *loop, const char *name, uint32_t flags,
		      unsigned num_regions, unsigned num_irqs,
		      const struct uvf_device_ops *ops, void *priv, struct uvf_device **out);
void uvf_device_destroy(struct uvf_device *dev);
void *uvf_device_priv(const struct uvf_device *dev);
const char *uvf_device_name(const struct uvf_device *dev);
struct uvf_loop *uvf_device_loop(const struct uvf_device *dev);
bool uvf_device_connected(const struct uvf_device *dev);
/* uvfio extensions the current client asked for in VERSION (and got). */
#define UVF_EXT_PRECOPY_INFO	(1u << 0)
#define UVF_EXT_PRECOPY_ENOMSG	(1u << 1)
#define UVF_EXT_REMAP_IRQ	(1u << 2)
uint32_t uvf_device_client_ext(const struct uvf_device *dev);
/* Completes a reset op that returned -EINPROGRESS. */
void uvf_device_reset_done(struct uvf_device *dev, int err);

/* ---- server ---------------------------------------------------------------------------- */

struct uvf_server;
int uvf_server_create(struct uvf_loop *loop, struct uvf_server **out);
/* Listen on socket_path for clients of dev (one at a time, any number in
 * sequence). */
int uvf_server_add_device(struct uvf_server *srv, struct uvf_device *dev,
			  const char *socket_path);
/* Close every socket and connection (devices are not destroyed). */
void uvf_server_destroy(struct uvf_server *srv);

#endif
