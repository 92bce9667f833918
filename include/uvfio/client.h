/* SPDX-License-Identifier: MIT */
/*
 * uvfio/client.h - the VMM side of vfio-user.
 *
 * Concepts: a `struct uvf_client` is one connection to one device socket.
 * It is thread-safe: several threads (a VMM's vCPU threads, its migration
 * thread) may issue calls at once; replies are matched to calls by
 * (command, msg_id), so they may arrive in any order.  Whichever calling
 * thread is waiting reads the socket for everyone (no helper thread on the
 * fast path), and also answers the server's DMA_READ/DMA_WRITE requests
 * from memory registered with uvf_client_dma_map_mem().
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; a server error reply comes back as its errno, negated.
 * -ENOTCONN: the connection is gone; reconnect.
 */
#ifndef UVFIO_CLIENT_H
#define UVFIO_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uvfio/vfio.h>

struct uvf_client;

struct uvf_client_opts {
	/* uvfio extensions to ask for (uvfio/vfio-user.h) */
	bool precopy_info;
	bool precopy_enomsg;
	bool remap_irq;
	int timeout_ms;		/* per call; 0 = 30 s */
};

int uvf_client_connect(const char *path, const struct uvf_client_opts *opts,
		       struct uvf_client **out);
/* The same over an already-connected stream socket (the client owns it
 * from then on, also on failure). */
int uvf_client_connect_fd(int fd, const struct uvf_client_opts *opts, struct uvf_client **out);
void uvf_client_close(struct uvf_client *c);

/* What the server granted in VERSION. */
struct uvf_client_server_caps {
	uint16_t major, minor;
	uint32_t max_msg_fds, max_data_xfer_size, max_dma_maps;
	uint64_t pgsizes;
	bool write_multiple, precopy_info, precopy_enomsg, remap_irq;
};
void uvf_client_server_caps(const struct uvf_client *c, struct uvf_client_server_caps *out);

struct uvf_client_device_info {
	uint32_t flags, num_regions, num_irqs;
};
int uvf_client_device_info(struct uvf_client *c, struct uvf_client_device_info *out);

#define UVF_CLIENT_MAX_SPARSE 16

struct uvf_client_region {
	uint32_t index, flags;
	uint64_t size, offset;
	uint32_t nr_sparse;
	struct { uint64_t offset, size; } sparse[UVF_CLIENT_MAX_SPARSE];
	bool has_type, msix_mappable;
	uint32_t type, subtype;
	int fd;			/* mmap fd when MMAP (owned: uvf_client_region_release) */
};
/* Region info with its capability chain (retries with a bigger buffer). */
int uvf_client_region_info(struct uvf_client *c, unsigned index, struct uvf_client_region *out);
void uvf_client_region_release(struct uvf_client_region *r);
/* Find a region by its TYPE capability; returns its index or -ENOENT. */
int uvf_client_find_region(struct uvf_client *c, uint32_t type, uint32_t subtype);

int uvf_client_irq_info(struct uvf_client *c, unsigned index, uint32_t *flags, uint32_t *count);

/* Region I/O of any length (split at the server's max_data_xfer_size). */
int uvf_client_region_read(struct uvf_client *c, unsigned index, uint64_t off, void *buf,
			   size_t len);
int uvf_client_region_write(struct uvf_client *c, unsigned index, uint64_t off,
			    const void *buf, size_t len);
/* Map the mmap-able part of a region; ptr and len describe the whole region
 * mapping (unmap with munmap). -ENOTSUP if the region is not mmap-able. */
int uvf_client_region_mmap(struct uvf_client *c, unsigned index, void **ptr, size_t *len);

/* DMA: register guest memory with the server.  With fd >= 0 the server
 * maps it; with fd < 0 the server reaches it through DMA_READ/DMA_WRITE
 * messages, answered from `host` (which must stay valid until unmap). */
int uvf_client_dma_map(struct uvf_client *c, uint64_t iova, uint64_t size, uint32_t prot,
		       int fd, uint64_t fd_offset, void *host);
int uvf_client_dma_unmap(struct uvf_client *c, uint64_t iova, uint64_t size);
int uvf_client_dma_unmap_all(struct uvf_client *c);

/* memfd-backed guest memory, convenient for tests and tools. */
struct uvf_client_mem {
	void *ptr;
	size_t size;
	int fd;
};
int uvf_client_mem_alloc(size_t size, struct uvf_client_mem *out);
void uvf_client_mem_free(struct uvf_client_mem *m);

/* SET_IRQS.  data: count bools for DATA_BOOL, count fds for DATA_EVENTFD
 * (nfds 0 de-assigns), NULL otherwise. */
int uvf_client_set_irqs(struct uvf_client *c, uint32_t index, uint32_t flags, uint32_t start,
			uint32_t count, const void *data, unsigned nfds);
/* Create an eventfd and make it the trigger of (index, vector). */
int uvf_client_irq_eventfd(struct uvf_client *c, uint32_t index, uint32_t vector, int *efd);

int uvf_client_reset(struct uvf_client *c);

/* DEVICE_FEATURE.  in/in_len: feature data sent; out: reply feature data
 * (after the 8-byte header), out_cap its room (argsz = 8 + out_cap). */
int uvf_client_feature(struct uvf_client *c, uint32_t flags, const void *in, size_t in_len,
		       void *out, size_t out_cap, size_t *out_len);

/* Migration helpers over DEVICE_FEATURE and MIG_DATA_*. */
int uvf_client_mig_flags(struct uvf_client *c, uint64_t *flags);
int uvf_client_mig_get_state(struct uvf_client *c, enum uvf_mig_state *state);
int uvf_client_mig_set_state(struct uvf_client *c, enum uvf_mig_state state);
int uvf_client_mig_data_size(struct uvf_client *c, uint64_t *bytes);
/* Read up to len bytes of the stream; returns the count (short = end of
 * stream in STOP_COPY, nothing now in PRE_COPY; -ENOMSG with
 * precopy_enomsg). */
long uvf_client_mig_read(struct uvf_client *c, void *buf, size_t len);
int uvf_client_mig_write(struct uvf_client *c, const void *buf, size_t len);
/* Read the stream with up to depth (1..8) MIG_DATA_READs of chunk bytes in
 * flight, so the device produces the next chunk while this one travels;
 * each chunk goes to fn in stream order.  Stops asking after a short
 * reply (or ENOMSG) and hands over what the requests already in flight
 * bring.  Returns the bytes read, or -errno (fn's non-zero return too). */
long long uvf_client_mig_read_stream(struct uvf_client *c, size_t chunk, unsigned depth,
				     int (*fn)(void *arg, const void *data, size_t len),
				     void *arg);
int uvf_client_precopy_info(struct uvf_client *c, uint64_t *initial, uint64_t *dirty);

/* DMA dirty logging (features 6/7/8). */
struct uvf_client_range {
	uint64_t iova, length;
};
int uvf_client_log_start(struct uvf_client *c, uint64_t page_size,
			 const struct uvf_client_range *ranges, uint32_t n, uint64_t *page_out);
int uvf_client_log_stop(struct uvf_client *c);
int uvf_client_log_report(struct uvf_client *c, uint64_t iova, uint64_t length,
			  uint64_t page_size, uint64_t *bitmap, size_t bitmap_bytes);

/* ---- migration driver ----------------------------------------------------- */
/*
 * Moves a device's state from `src` to `dst` (two connections, usually to
 * two daemons): dst RUNNING->RESUMING; with opts->precopy and a source that
 * offers PRE_COPY, src ->PRE_COPY and the stream is copied while the source
 * keeps running, round after round, until the convergence rule holds
 * (initial bytes drained and the dirty bytes at or below converge_bytes,
 * or dirty bytes stopped shrinking for 3 rounds, or max_rounds); then
 * src ->STOP_COPY (downtime starts), the rest is copied, dst ->RUNNING
 * (the destination validates here; downtime ends), src ->STOP.  On any
 * failure the source is put back to RUNNING and the destination reset.
 *
 * Dirty pages of guest memory: with log_ranges, DMA logging runs on the
 * source from the start, and after every round (and at the end) the
 * bitmap of each range is handed to on_dirty, which copies those pages.
 */
struct uvf_migrate_progress {
	int phase;			/* 0 pre-copy, 1 stop-copy, 2 resuming done */
	uint64_t bytes;			/* moved so far */
	uint64_t initial, dirty;	/* last PRECOPY_INFO (0 if unknown) */
	uint64_t estimate;		/* MIG_DATA_SIZE at the start */
	unsigned rounds;
};

struct uvf_migrate_opts {
	bool precopy;
	unsigned max_rounds;		/* 0: 30 */
	uint64_t converge_bytes;	/* 0: 1 MiB */
	size_t chunk;			/* 0: the server's max_data_xfer_size */
	void (*progress)(void *arg, const struct uvf_migrate_progress *p);
	const struct uvf_client_range *log_ranges;
	unsigned nr_log_ranges;
	uint64_t log_page_size;		/* 0: 4096 */
	void (*on_dirty)(void *arg, const struct uvf_client_range *range, uint64_t page_size,
			 const uint64_t *bitmap);
	void *arg;
};

struct uvf_migrate_stats {
	uint64_t precopy_bytes, stopcopy_bytes;
	unsigned rounds;
	uint64_t downtime_us, total_us;
	uint64_t dirty_pages;		/* guest pages reported dirty */
};

int uvf_client_migrate(struct uvf_client *src, struct uvf_client *dst,
		       const struct uvf_migrate_opts *opts, struct uvf_migrate_stats *stats);

/* ---- vfio-ccw helper ---------------------------------------------------------- */
/*
 * Drives a ccw device the way a VMM does: guest memory (memfd, DMA-mapped
 * at UVF_CLIENT_CCW_IOVA), eventfds on the I/O and CRW IRQs, the I/O and
 * async regions.  Channel programs are built in guest memory by the caller
 * (or by uvf_client_ccw_fba_rw for FBA disks).
 */
#define UVF_CLIENT_CCW_IOVA	0x100000ull

struct uvf_client_ccw {
	struct uvf_client *c;
	struct uvf_client_mem mem;	/* guest memory at UVF_CLIENT_CCW_IOVA */
	int io_efd, crw_efd, req_efd;
	int async_index, schib_index, crw_index;
	uint32_t blksize;		/* FBA geometry read with RDC (0 if unknown) */
	uint32_t blocks;
};

int uvf_client_ccw_open(struct uvf_client *c, size_t guest_mem, struct uvf_client_ccw *out);
void uvf_client_ccw_close(struct uvf_client_ccw *cc);
/* Write the I/O region: ORB (12 bytes, big-endian) + SCSW with FC start.
 * 0, or the request's -errno (-EBUSY: function outstanding or IRB unread). */
int uvf_client_ccw_start(struct uvf_client_ccw *cc, const uint8_t orb[12]);
int uvf_client_ccw_halt(struct uvf_client_ccw *cc);
int uvf_client_ccw_clear(struct uvf_client_ccw *cc);
/* Wait for the I/O eventfd (at most timeout_ms), then read the IRB. */
int uvf_client_ccw_wait_irb(struct uvf_client_ccw *cc, uint8_t irb[96], int timeout_ms);
/* Read the IRB area now (consumes it). */
int uvf_client_ccw_read_irb(struct uvf_client_ccw *cc, uint8_t irb[96]);
/* Run a Linux-style FBA read or write of count blocks from block through
 * buf, waiting for its final status: 0 (CE|DE, nothing else), -EIO with
 * *irb_out (if not NULL) holding the IRB otherwise. */
int uvf_client_ccw_fba_rw(struct uvf_client_ccw *cc, bool write, uint32_t block,
			  uint32_t count, void *buf, uint8_t *irb_out);

/* A raw command (tests, tools): payload in, reply payload out (at most
 * out_cap bytes stored, *out_len = full reply payload length), with fds. */
int uvf_client_call(struct uvf_client *c, uint16_t cmd, uint32_t flags, const void *in,
		    size_t in_len, const int *fds, unsigned nfds, void *out, size_t out_cap,
		    size_t *out_len, int *rfd);

/* ---- region-remap IRQ (uvfio extension "remap_irq") ----------------------------- */
/*
 * A device that changes which of its regions may be mmap'ed (pci-dma does
 * while it pre-copies: it must see every write to its memory) signals its
 * remap IRQ; the VMM re-queries the regions named, drops or re-creates its
 * mappings, and acknowledges the generation it handled (the protocol is in
 * uvfio/vfio-user.h).  The state change that caused it (SET PRE_COPY)
 * completes only after that acknowledgement, so the handshake must run on
 * another thread than the one waiting for the SET: uvf_client_remap_start()
 * runs it on a thread of its own, per connection.  Needs a connection made
 * with opts->remap_irq.
 */
struct uvf_client_remap_info {
	uint32_t irq_index, irq_type, irq_subtype, enabled;
	uint64_t generation, acked;
	uint64_t regions;	/* regions changed since `acked` */
};
/* REMAP_INFO (GET).  -ENOTTY: the device has no remap IRQ, or the
 * connection did not negotiate remap_irq. */
int uvf_client_remap_info(struct uvf_client *c, struct uvf_client_remap_info *out);
/* REMAP_ACK (SET) of `generation`.  The device ignores (and answers with
 * success) an acknowledgement of any but its current, unacknowledged one. */
int uvf_client_remap_ack(struct uvf_client *c, uint64_t generation);

/*
 * Called on the remap thread once per region named by a new generation,
 * with the region's fresh info: without UVF_VFIO_REGION_INFO_FLAG_MMAP the
 * VMM must stop using any mapping of it before returning (and use region
 * I/O instead); with it, it may map info->fd (valid during the call only:
 * mmap or dup it before returning) at info->offset + each sparse area.
 * Return 0, or a negative errno to withhold the acknowledgement (the state
 * change waiting for it then fails with ETIMEDOUT on the device's timer).
 */
typedef int (*uvf_client_remap_fn)(void *arg, const struct uvf_client_region *info);

struct uvf_client_remap;
/* Enable the device's remap IRQ with a fresh eventfd and start the handler
 * thread.  -ENOTSUP: no remap IRQ on this connection (handle nothing). */
int uvf_client_remap_start(struct uvf_client *c, uvf_client_remap_fn fn, void *arg,
			   struct uvf_client_remap **out);
/* Stop the thread (bounded: at most one callback's duration plus 1 s),
 * disable the IRQ if the connection is still up, and free. */
void uvf_client_remap_stop(struct uvf_client_remap *rm);
struct uvf_client_remap_stats {
	uint64_t handled;		/* generations acknowledged */
	uint64_t last_generation;	/* the last one acknowledged */
	int last_error;			/* last failure (callback, call), 0 if none */
};
void uvf_client_remap_stats(struct uvf_client_remap *rm, struct uvf_client_remap_stats *out);

#endif
