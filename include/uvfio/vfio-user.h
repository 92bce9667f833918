/* SPDX-License-Identifier: MIT */
/*
 * uvfio/vfio-user.h - the vfio-user wire format as uvfio speaks it.
 *
 * The protocol: a client (a VMM, uvfioctl, a test) connects to a UNIX
 * stream socket of the daemon, one socket per device, and exchanges
 * messages.  Every message is a 16-byte header followed by a payload.
 * All integers are in the host's byte order.  The numbers and layouts are
 * those of QEMU's docs/interop/vfio-user.rst; where uvfio extends the
 * protocol it says so below ("uvfio extension"), and every extension is off
 * unless the client asked for it in VERSION.
 *
 * Layouts are given as offset constants; code reads and writes them with
 * the get/put helpers of src/proto, never by casting a buffer.
 *
 * Message flow
 * ------------
 *  - The client sends VERSION first; anything else before it is refused
 *    with EINVAL (uvfio) and the connection stays open.
 *  - Commands are processed in arrival order.  A handler may complete
 *    later (a "deferred reply", e.g. a migration state change waiting for
 *    the VMM); the server keeps reading meanwhile, serves commands that do
 *    not depend on the parked one (region/IRQ info, region I/O, DMA map),
 *    and holds back those that do (DEVICE_FEATURE, MIG_DATA_*, RESET) until
 *    it completes.  Replies therefore may come out of order: match them by
 *    (command, msg_id).
 *  - File descriptors travel as SCM_RIGHTS with the sendmsg() that carries
 *    the first byte of the message.  Send at most one message per
 *    sendmsg() that carries fds.  The server attributes fds received by one
 *    recvmsg() to the message containing the last byte that call returned,
 *    which is the message the fds were sent with under that rule.
 *  - The server may send DMA_READ/DMA_WRITE commands to the client (for
 *    DMA maps registered without an fd).  It never makes the reply to a
 *    client command wait for them.
 *  - Errors: a reply with UVF_VU_F_ERROR set and a positive errno in
 *    error_no, header only.  A header that cannot be trusted (size smaller
 *    than 16 or larger than the negotiated maximum, bad type bits) closes
 *    the connection: a byte stream cannot be resynchronised.
 */
#ifndef UVFIO_VFIO_USER_H
#define UVFIO_VFIO_USER_H

#include <stdint.h>

/* ---- header ------------------------------------------------------------ */

#define UVF_VU_HDR_SIZE		16
#define UVF_VU_HDR_MSG_ID	0	/* u16 */
#define UVF_VU_HDR_COMMAND	2	/* u16 */
#define UVF_VU_HDR_MSG_SIZE	4	/* u32, whole message incl. header */
#define UVF_VU_HDR_FLAGS	8	/* u32 */
#define UVF_VU_HDR_ERROR_NO	12	/* u32 */

#define UVF_VU_F_TYPE_MASK	0x0fu
#define UVF_VU_F_TYPE_COMMAND	0x0u
#define UVF_VU_F_TYPE_REPLY	0x1u
#define UVF_VU_F_NO_REPLY	0x10u
#define UVF_VU_F_ERROR		0x20u

/* ---- commands ---------------------------------------------------------- */

enum uvf_vu_cmd {
	UVF_VU_CMD_VERSION = 1,
	UVF_VU_CMD_DMA_MAP = 2,
	UVF_VU_CMD_DMA_UNMAP = 3,
	UVF_VU_CMD_DEVICE_GET_INFO = 4,
	UVF_VU_CMD_DEVICE_GET_REGION_INFO = 5,
	UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	UVF_VU_CMD_DEVICE_GET_IRQ_INFO = 7,
	UVF_VU_CMD_DEVICE_SET_IRQS = 8,
	UVF_VU_CMD_REGION_READ = 9,
	UVF_VU_CMD_REGION_WRITE = 10,
	UVF_VU_CMD_DMA_READ = 11,		/* server -> client */
	UVF_VU_CMD_DMA_WRITE = 12,		/* server -> client */
	UVF_VU_CMD_DEVICE_RESET = 13,
	UVF_VU_CMD_DIRTY_PAGES = 14,		/* retired: always EINVAL */
	UVF_VU_CMD_REGION_WRITE_MULTI = 15,
	UVF_VU_CMD_DEVICE_FEATURE = 16,
	UVF_VU_CMD_MIG_DATA_READ = 17,
	UVF_VU_CMD_MIG_DATA_WRITE = 18,
	/* uvfio extension (negotiated as "precopy_info", see below) */
	UVF_VU_CMD_MIG_PRECOPY_INFO = 0x100,
};

/* ---- VERSION (1) -------------------------------------------------------- */
/*
 * Payload: u16 major; u16 minor; then NUL-terminated JSON (always present
 * in uvfio's replies, at least "{}").  uvfio implements 0.0 .. 0.2 and
 * answers min(client minor, 2).  Capabilities ("capabilities" object):
 *
 *   max_msg_fds        fds the sender can receive in one message
 *   max_data_xfer_size largest REGION_READ/WRITE, DMA_READ/WRITE and
 *                      MIG_DATA_READ/WRITE data count the sender accepts
 *                      (uvfio: 1 MiB by default, never below)
 *   max_dma_maps       simultaneous DMA maps (server)
 *   pgsizes            OR of DMA page sizes (server: 4096)
 *   write_multiple     REGION_WRITE_MULTI understood
 *   "uvfio"            object holding the uvfio extensions, each a boolean
 *                      that the client sets to true to ask for it; the server
 *                      answers with the subset it grants:
 *     precopy_info     UVF_VU_CMD_MIG_PRECOPY_INFO is available
 *     precopy_enomsg   in PRE_COPY(_P2P) a MIG_DATA_READ at the temporary
 *                      end of data fails with ENOMSG instead of a short
 *                      (size 0) reply, so "nothing now" and "end of stream"
 *                      cannot be confused (kernel semantics)
 *     remap_irq        the device's region-remap IRQ is described to the
 *                      client (see "Region-remap IRQ" below); without it the
 *                      device never refuses PRE_COPY for want of the IRQ: it
 *                      offers STOP_COPY-only migration to such a client
 */
#define UVF_VU_VERSION_MAJOR	0
#define UVF_VU_VERSION_MINOR	2
#define UVF_VU_VERSION_FIXED	4	/* major + minor */

#define UVF_VU_DEFAULT_MAX_DATA_XFER	(1u << 20)
#define UVF_VU_MAX_MSG_FDS		16
#define UVF_VU_DEFAULT_MAX_DMA_MAPS	65535

/* ---- DMA_MAP (2) ---------------------------------------------------------- */
/* u32 argsz(=32); u32 flags; u64 offset; u64 address; u64 size; 0 or 1 fd. */
#define UVF_VU_DMA_MAP_SIZE		32
#define UVF_VU_DMA_MAP_F_READ		(1u << 0)
#define UVF_VU_DMA_MAP_F_WRITE		(1u << 1)

/* ---- DMA_UNMAP (3) -------------------------------------------------------- */
/* u32 argsz; u32 flags; u64 address; u64 size.  Reply echoes the 24 bytes. */
#define UVF_VU_DMA_UNMAP_SIZE		24
#define UVF_VU_DMA_UNMAP_F_GET_DIRTY_BITMAP (1u << 0)	/* retired: EINVAL */
#define UVF_VU_DMA_UNMAP_F_ALL		(1u << 1)

/* ---- DEVICE_GET_INFO (4) ------------------------------------------------- */
/* u32 argsz; u32 flags; u32 num_regions; u32 num_irqs (16 bytes). */
#define UVF_VU_DEVICE_INFO_SIZE		16

/* ---- DEVICE_GET_REGION_INFO (5) ----------------------------------------- */
/* struct uvf_vfio_region_info (32 bytes) + capability chain when it fits in
 * the request's argsz; the reply carries the region's fd when the region is
 * mmap-able and the caps fit. */

/* ---- DEVICE_GET_IRQ_INFO (7) --------------------------------------------- */
/* struct uvf_vfio_irq_info (16 bytes) both ways. */

/* ---- DEVICE_SET_IRQS (8) -------------------------------------------------- */
/* struct uvf_vfio_irq_set (20 bytes) + count bytes of BOOL data, or count
 * fds (DATA_EVENTFD), or nothing.  DATA_EVENTFD with no fds de-assigns
 * [start, start+count).  Errors as the kernel's vfio-pci. */

/* ---- REGION_READ (9) / REGION_WRITE (10) -------------------------------- */
/* u64 offset; u32 region; u32 count; (+ count data bytes for WRITE and in
 * the READ reply).  The WRITE reply is the 16 bytes alone. */
#define UVF_VU_REGION_RW_SIZE		16

/* ---- DMA_READ (11) / DMA_WRITE (12), server -> client -------------------- */
/* u64 address; u64 count; (+ data for WRITE and in the READ reply).  The
 * DMA_WRITE reply carries the 16 bytes (uvfio accepts 0, 12 or 16). */
#define UVF_VU_DMA_RW_SIZE		16

/* ---- REGION_WRITE_MULTI (15) --------------------------------------------- */
/* u64 wr_cnt; wr_cnt x { u64 offset; u32 region; u32 count (<= 8); u8 data[8] } */
#define UVF_VU_WRITE_MULTI_HDR		8
#define UVF_VU_WRITE_MULTI_REC		24
#define UVF_VU_WRITE_MULTI_MAX		200

/* ---- DEVICE_FEATURE (16) -------------------------------------------------- */
/* struct uvf_vfio_device_feature (8 bytes) + feature data.  argsz is the
 * largest reply payload the client accepts.  Features: MIGRATION (1),
 * MIG_DEVICE_STATE (2), DMA_LOGGING_START/STOP/REPORT (6/7/8),
 * MIG_DATA_SIZE (9, not in the vfio-user spec, kernel semantics), and the
 * uvfio device-specific features below.  Validation as the kernel:
 * argsz < 8, unknown flag bits, GET|SET without PROBE -> EINVAL; a device
 * without migration answers ENOTTY for 1, 2, 9; without logging for 6-8.
 *
 * MIG_DEVICE_STATE SET completes only when the device is in the new state;
 * the reply may therefore be deferred.  data_fd is always 0xFFFFFFFF. */

/* LOGGING_START num_ranges == 0 (vfio-user "log every write") logs the DMA
 * maps that exist when START arrives.  DMA_UNMAP of a logged range while
 * logging is active drops that range's dirty bits: the client unmapped the
 * memory, so there is nothing left to migrate in it (the server logs how
 * many dirty pages were dropped).  REPORT works on any sub-range of the
 * logged ranges, across several DMA maps; bits for unlogged pages are 0. */

/* ---- MIG_DATA_READ (17) / MIG_DATA_WRITE (18) ----------------------------- */
/* u32 argsz; u32 size; (+ size bytes for WRITE and in the READ reply).
 * READ: valid in PRE_COPY, PRE_COPY_P2P, STOP_COPY.  A reply with fewer
 * bytes than asked means: STOP_COPY - end of stream (permanent); PRE_COPY -
 * nothing more right now (or, with "precopy_enomsg", an ENOMSG error reply
 * when there is nothing right now).  WRITE: valid in RESUMING only; a
 * stream larger than the device's resume cap is refused with EFBIG. */
#define UVF_VU_MIG_DATA_SIZE		8

/* ---- MIG_PRECOPY_INFO (0x100, uvfio extension "precopy_info") ------------- */
/* Request: u32 argsz (>= 24); u32 flags (0).  Reply: u32 argsz = 24;
 * u32 flags = 0; u64 initial_bytes; u64 dirty_bytes - the kernel's
 * VFIO_MIG_GET_PRECOPY_INFO.  EINVAL outside PRE_COPY/PRE_COPY_P2P. */
#define UVF_VU_PRECOPY_INFO_SIZE	24

/* ---- uvfio device-specific features ---------------------------------------- */
/*
 * Region-remap IRQ (uvfio extension "remap_irq")
 * ----------------------------------------------
 * Problem: while a device is in PRE_COPY it must see every write to its
 * memory, so a region it served with mmap must stop being mapped by the VMM
 * and accessed through REGION_READ/WRITE instead; afterwards the mapping may
 * come back.  vfio has no standard way to tell the VMM that region layout
 * changed, so uvfio defines one; a VMM that does not ask for "remap_irq"
 * never sees any of this (and gets STOP_COPY-only migration from devices
 * that need it).
 *
 * Discovery: DEVICE_FEATURE GET UVF_FEATURE_REMAP_INFO returns
 *   u32 irq_index;   the IRQ index (>= 5, beyond the PCI ones) to enable
 *   u32 irq_type;    UVF_IRQ_TYPE_REMAP (1)
 *   u32 irq_subtype; UVF_IRQ_SUBTYPE_REMAP_REGIONS (0)
 *   u32 enabled;     1 if the VMM has an eventfd on that IRQ
 *   u64 generation;  current layout generation (starts at 0)
 *   u64 acked;       last generation the VMM acknowledged
 *   u64 regions;     bitmap of region indexes changed by the generations
 *                    after `acked` up to `generation` (so a VMM that saw
 *                    only the newest of several signals re-queries all)
 * The IRQ index also appears in DEVICE_GET_IRQ_INFO (count 1, EVENTFD) for
 * clients that negotiated remap_irq; num_irqs does not include it otherwise.
 *
 * Handshake:
 *  1. The VMM enables the IRQ with SET_IRQS (DATA_EVENTFD, ACTION_TRIGGER).
 *  2. When the device must change layouts (entering PRE_COPY: its mmap-able
 *     regions lose their MMAP flag/sparse areas; leaving the saving states:
 *     they come back) it increments `generation`, records the changed
 *     regions, and signals the eventfd.  The eventfd count carries no
 *     meaning beyond "look again": signals may coalesce.
 *  3. The VMM GETs REMAP_INFO, re-queries GET_REGION_INFO for the regions
 *     in `regions`, drops or re-creates its mappings, then SETs
 *     UVF_FEATURE_REMAP_ACK with { u64 generation } naming the generation
 *     it handled.  An ack of a generation other than the current one, or
 *     one already acknowledged, is ignored (success reply, no effect), so
 *     lost or duplicated signals and acks cannot confuse either side.
 *  4. A MIG_DEVICE_STATE SET that needs a new layout (into PRE_COPY) is
 *     parked: its reply is deferred until the ack of the generation it
 *     started arrives (the server keeps serving REMAP_INFO, region info,
 *     region I/O meanwhile).  If no ack comes within the device's timeout
 *     (default 2 s), the SET fails with ETIMEDOUT and the old state is kept
 *     (the layout is restored).
 *  5. A client that negotiated remap_irq but has no eventfd on the IRQ is
 *     refused PRE_COPY with EPERM: the device cannot ask it to unmap.
 *  The ack and REMAP_INFO are never held behind a parked SET.  Both answer
 *  ENOTTY to a client that did not negotiate remap_irq, EINVAL for another
 *  op (INFO is GET only, ACK SET only), for an INFO argsz below 8 + 40 and
 *  for ACK data shorter than 8 bytes.  A signal while the device is
 *  stopped (the layout coming back on STOP_COPY->STOP) is delivered: it is
 *  not a device interrupt.
 */
#define UVF_FEATURE_REMAP_INFO		0x8001	/* GET */
#define UVF_FEATURE_REMAP_ACK		0x8002	/* SET: u64 generation */
#define UVF_FEATURE_REMAP_INFO_SIZE	40
#define UVF_IRQ_TYPE_REMAP		1
#define UVF_IRQ_SUBTYPE_REMAP_REGIONS	0

#endif /* UVFIO_VFIO_USER_H */
