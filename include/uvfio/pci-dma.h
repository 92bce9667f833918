/* SPDX-License-Identifier: MIT */
/*
 * uvfio/pci-dma.h - the pci-dma device as a driver sees it: PCI identity,
 * regions, IRQ indexes, the BAR0 register file, the descriptor format and
 * the DMA engine's rules.  This is the contract; the implementation is
 * src/pci/dma_*.c.  Every multi-byte value is little-endian, in registers
 * and in guest memory alike.
 *
 * The function
 * ------------
 *   vendor 0x1234, device 0xd0a0, subsystem 0x1234:0x0001, revision 1,
 *   class 0x088000 (system peripheral, other), interrupt pin INTA#.
 *   Capabilities: PM at 0x40, MSI-X at 0x48 (3 vectors), PCI Express v2
 *   endpoint with FLR at 0x60; config space is 4096 bytes (src/pci/config.h
 *   says which bits are writable).
 *
 * VFIO regions (uvfio/vfio.h indexes)
 *   0 BAR0  16 KiB, 32-bit memory: registers below, MSI-X table at 0x2000,
 *           PBA at 0x3000.  READ|WRITE, never mmap-able: the device must see
 *           every register access.
 *   2 BAR2  device memory, `mem` bytes (a power of two, 4 KiB .. 1 GiB),
 *           64-bit prefetchable (takes slot 3).  READ|WRITE|MMAP with a
 *           SPARSE_MMAP capability listing the mmap-able areas; while the
 *           device pre-copies for migration it is served without MMAP
 *           (see "Region remap" below).
 *   7 CONFIG 4096 bytes READ|WRITE.
 *   1, 3..6, 8: size 0.
 *
 * VFIO IRQ indexes (counts and flags as Linux vfio-pci reports them)
 *   0 INTX  1 vector, EVENTFD|MASKABLE|AUTOMASKED (level: asserted while
 *           INT_STATUS & ~INT_MASK != 0, MSI-X is off and the command
 *           register's INTx Disable is clear; re-signalled on unmask while
 *           still asserted)
 *   1 MSI   0 vectors (no MSI capability), EVENTFD|NORESIZE
 *   2 MSIX  3 vectors, EVENTFD|NORESIZE: vector n signals cause bit n
 *   3 ERR   1 vector, EVENTFD|NORESIZE (PCIe function; never signalled)
 *   4 REQ   1 vector, EVENTFD|NORESIZE (never signalled)
 *   5 REMAP 1 vector, EVENTFD: the region-remap IRQ of uvfio/vfio-user.h,
 *           present only for clients that negotiated "remap_irq"; other
 *           clients see 5 IRQ indexes and never meet it.
 * Delivery follows config space: MSI-X when its Enable bit is set (a
 * cause held pending in the PBA while the Function Mask is set, sent when
 * it clears), INTx otherwise.  Per-vector MSI-X masking is the VMM's (it
 * emulates the table); the table in BAR0 is plain storage for a VMM that
 * forwards it.
 *
 * Access rules (BAR0)
 *   Registers are 32 bits wide.  An access whose offset and length are both
 *   multiples of 4 is a run of dword accesses (so an 8-byte access at an
 *   8-aligned offset reaches a 64-bit register's two halves, low first).
 *   Any other access, and any access to an offset that holds no register,
 *   reads all-ones and its write is ignored, as a PCI target answers an
 *   unsupported request.  No register has a read side effect.  BAR0 and
 *   BAR2 decode only while the command register's Memory Space bit is set
 *   and the function is in D0 (otherwise: all-ones, writes ignored).
 *
 * Life cycle
 *   DEVICE_RESET and an FLR (PCIe Device Control) reset the function:
 *   registers, config space, MSI-X table; device memory keeps its contents.
 *   A client that disconnects leaves everything as it was for the next
 *   one, except that work latched or under way is halted with
 *   UVF_PDMA_ERR_ABORTED (its DMA maps are gone).  An FLR while the device
 *   is stopped or quiesced for migration is ignored (logged).
 *
 * Migration (VFIO v2, flags STOP_COPY|P2P|PRE_COPY)
 *   RUNNING_P2P, PRE_COPY_P2P: register accesses work and doorbells are
 *   latched, but the engine starts nothing; the SET into the state returns
 *   after in-flight transfers drained.  STOP, STOP_COPY, RESUMING, ERROR:
 *   BAR0 registers and BAR2 read all-ones and ignore writes; the MSI-X
 *   table and PBA in BAR0 and config space keep working (the VMM owns
 *   them).  The stream carries device memory and the register file below
 *   (engine progress included); config space, the MSI-X table and IRQ
 *   wiring are the VMM's and are not in it.  PRE_COPY is offered only to a
 *   client that negotiated "remap_irq", and needs the remap IRQ enabled
 *   (EPERM otherwise); others get STOP_COPY|P2P.
 *
 * Region remap (uvfio/vfio-user.h "Region-remap IRQ")
 *   Entering PRE_COPY(_P2P) drops MMAP from BAR2 (generation + 1, regions
 *   bit 2); the SET completes when the VMM acknowledges that generation,
 *   and fails with ETIMEDOUT after the device's timeout (uvfiod key
 *   remap_timeout_ms, default 2000), the old state and layout kept.
 *   Leaving the saving states, a reset, or a failed entry brings MMAP back
 *   (generation + 1, nothing waits for that acknowledgement).
 */
#ifndef UVFIO_PCI_DMA_H
#define UVFIO_PCI_DMA_H

#define UVF_PDMA_VENDOR_ID		0x1234
#define UVF_PDMA_DEVICE_ID		0xd0a0
#define UVF_PDMA_SUBSYS_VENDOR_ID	0x1234
#define UVF_PDMA_SUBSYS_ID		0x0001
#define UVF_PDMA_REVISION		1
#define UVF_PDMA_CLASS			0x088000

#define UVF_PDMA_CAP_PM			0x40
#define UVF_PDMA_CAP_MSIX		0x48
#define UVF_PDMA_CAP_EXP		0x60

#define UVF_PDMA_BAR0_SIZE		0x4000
#define UVF_PDMA_MSIX_TABLE		0x2000	/* in BAR0 */
#define UVF_PDMA_MSIX_PBA		0x3000	/* in BAR0 */
#define UVF_PDMA_NR_VECTORS		3
#define UVF_PDMA_REMAP_IRQ		5	/* IRQ index of the remap IRQ */
#define UVF_PDMA_MEM_MIN		4096ull
#define UVF_PDMA_MEM_MAX		(1ull << 30)
#define UVF_PDMA_MEM_DEFAULT		(1ull << 20)

/* ---- BAR0 registers ------------------------------------------------------ */

/* Identification (read-only). */
#define UVF_PDMA_REG_ID			0x000	/* "PDMA": 0x414d4450 */
#define UVF_PDMA_REG_VERSION		0x004	/* major << 16 | minor: 1.0 */
#define UVF_PDMA_REG_CAPS		0x008	/* UVF_PDMA_CAPS_* */
#define UVF_PDMA_REG_MEM_SIZE_LO	0x010	/* BAR2 bytes */
#define UVF_PDMA_REG_MEM_SIZE_HI	0x014
#define UVF_PDMA_REG_SCRATCH		0x018	/* RW, no effect, migrated */

#define UVF_PDMA_ID_VALUE		0x414d4450u
#define UVF_PDMA_VERSION_VALUE		0x00010000u
#define UVF_PDMA_CAPS_SINGLE		(1u << 0)	/* single-descriptor registers */
#define UVF_PDMA_CAPS_RING		(1u << 1)	/* descriptor ring */
#define UVF_PDMA_CAPS_RING_LOG2(x)	(((x) >> 16) & 0xffu)	/* largest ring: 2^n */

/* Control and status. */
#define UVF_PDMA_REG_CTRL		0x020	/* RW */
#define UVF_PDMA_REG_STATUS		0x024	/* RO */
#define UVF_PDMA_REG_ERR_CODE		0x028	/* RO: UVF_PDMA_ERR_* of the halt */
#define UVF_PDMA_REG_ERR_ADDR_LO	0x030	/* RO: the address that failed */
#define UVF_PDMA_REG_ERR_ADDR_HI	0x034
#define UVF_PDMA_REG_BYTES_LO		0x038	/* RO: bytes copied, free-running */
#define UVF_PDMA_REG_BYTES_HI		0x03c

/* CTRL.ENABLE: the engine processes work only while set (doorbells rung
 * while clear are latched).  CTRL.RESET (write 1, reads 0): abort the
 * current transfer, clear STATUS, ERR_*, the single-descriptor status, the
 * ring indexes and counters; INT_* and the ring/descriptor address
 * registers are kept. */
#define UVF_PDMA_CTRL_ENABLE		(1u << 0)
#define UVF_PDMA_CTRL_RESET		(1u << 1)

/* STATUS.BUSY: work is latched or under way.  STATUS.HALTED: the engine
 * stopped on an error (ERR_CODE, ERR_ADDR say why and where); it starts
 * nothing until CTRL.RESET. */
#define UVF_PDMA_STATUS_BUSY		(1u << 0)
#define UVF_PDMA_STATUS_HALTED		(1u << 1)

/* Interrupt causes: INT_STATUS (write 1 to clear), INT_MASK (1 = the cause
 * does not interrupt; it still sets INT_STATUS), INT_SET (write 1 to raise
 * a cause, reads 0).  MSI-X vector n signals cause bit n. */
#define UVF_PDMA_REG_INT_STATUS		0x040
#define UVF_PDMA_REG_INT_MASK		0x044
#define UVF_PDMA_REG_INT_SET		0x048
#define UVF_PDMA_INT_DONE		(1u << 0)	/* a descriptor with FLAG_IRQ completed */
#define UVF_PDMA_INT_ERROR		(1u << 1)	/* the engine halted */
#define UVF_PDMA_INT_SOFT		(1u << 2)	/* raised by INT_SET only */
#define UVF_PDMA_INT_ALL		0x7u

/* Single descriptor: program SRC, DST, LEN, FLAGS, then write DOORBELL
 * (any value).  A doorbell while SD_STATUS.BUSY is set is ignored.  The
 * single descriptor goes before ring entries. */
#define UVF_PDMA_REG_SD_SRC_LO		0x080
#define UVF_PDMA_REG_SD_SRC_HI		0x084
#define UVF_PDMA_REG_SD_DST_LO		0x088
#define UVF_PDMA_REG_SD_DST_HI		0x08c
#define UVF_PDMA_REG_SD_LEN		0x090
#define UVF_PDMA_REG_SD_FLAGS		0x094
#define UVF_PDMA_REG_SD_DOORBELL	0x098	/* WO, reads 0 */
#define UVF_PDMA_REG_SD_STATUS		0x09c	/* RO: UVF_PDMA_DS_* */

/* Ring: RING_SIZE entries (a power of two, 1..4096) of 32-byte descriptors
 * at RING_BASE (32-byte aligned) in guest memory.  HEAD and TAIL are
 * free-running 32-bit indexes; entry i lives in slot i % RING_SIZE.  The
 * driver fills entries and writes TAIL (the doorbell); the engine runs
 * entries HEAD..TAIL-1, writes each one's status word back, and advances
 * HEAD.  TAIL - HEAD > RING_SIZE, a bad size or an unaligned base halt the
 * engine with UVF_PDMA_ERR_RING.  Reprogram BASE/SIZE only while idle. */
#define UVF_PDMA_REG_RING_BASE_LO	0x100
#define UVF_PDMA_REG_RING_BASE_HI	0x104
#define UVF_PDMA_REG_RING_SIZE		0x108
#define UVF_PDMA_REG_RING_HEAD		0x10c	/* RO */
#define UVF_PDMA_REG_RING_TAIL		0x110	/* RW: the doorbell */
#define UVF_PDMA_REG_RING_DONE		0x114	/* RO: entries completed, free-running */
#define UVF_PDMA_RING_MAX_LOG2		12

#define UVF_PDMA_REGS_END		0x118	/* first offset past the registers */

/* ---- descriptors -------------------------------------------------------- */

/*
 * A descriptor (32 bytes, in the ring or in the SD_* registers):
 *   0  u64 src    guest IOVA or device-memory offset, by DIR
 *   8  u64 dst
 *   16 u32 len    bytes (0 completes at once)
 *   20 u32 flags  UVF_PDMA_FLAG_*; other bits must be 0
 *   24 u32 status written back by the engine: UVF_PDMA_DS_*
 *   28 u32 reserved (ignored)
 * Guest addresses are IOVAs of the client's DMA maps; a range may span
 * adjacent maps.  Device addresses are offsets into BAR2's memory; the
 * whole [addr, addr + len) must fit or nothing is copied.  Overlapping
 * source and destination give unspecified data (never a wild access).
 * A guest access outside every map, or without the map's permission, or
 * with Bus Master disabled, halts the engine; the bytes before the fault
 * are copied.  Writes into guest memory are marked in the DMA dirty log.
 * A halted ring leaves HEAD on the failed entry and, when the ring is
 * reachable, writes DS_ERROR with the code into its status word.
 */
#define UVF_PDMA_DESC_SIZE		32
#define UVF_PDMA_DESC_SRC		0
#define UVF_PDMA_DESC_DST		8
#define UVF_PDMA_DESC_LEN		16
#define UVF_PDMA_DESC_FLAGS		20
#define UVF_PDMA_DESC_STATUS		24

#define UVF_PDMA_FLAG_DIR_MASK		0x3u
#define UVF_PDMA_DIR_G2G		0x0u	/* guest -> guest */
#define UVF_PDMA_DIR_G2D		0x1u	/* guest -> device memory */
#define UVF_PDMA_DIR_D2G		0x2u	/* device memory -> guest */
#define UVF_PDMA_DIR_D2D		0x3u	/* device memory -> device memory */
#define UVF_PDMA_FLAG_IRQ		(1u << 8)	/* raise INT_DONE when complete */
#define UVF_PDMA_FLAGS_VALID		(UVF_PDMA_FLAG_DIR_MASK | UVF_PDMA_FLAG_IRQ)

/* Descriptor status (ring write-back and SD_STATUS). */
#define UVF_PDMA_DS_BUSY		(1u << 0)	/* SD_STATUS only */
#define UVF_PDMA_DS_DONE		(1u << 1)
#define UVF_PDMA_DS_ERROR		(1u << 2)
#define UVF_PDMA_DS_CODE(s)		(((s) >> 8) & 0xffu)

/* Error codes (ERR_CODE, DS_CODE). */
#define UVF_PDMA_ERR_NONE		0
#define UVF_PDMA_ERR_DESC		1	/* reserved flag bits set */
#define UVF_PDMA_ERR_DEV_RANGE		2	/* device range outside BAR2 memory */
#define UVF_PDMA_ERR_GUEST_FAULT	3	/* guest address in no DMA map */
#define UVF_PDMA_ERR_GUEST_PERM		4	/* map without the needed permission */
#define UVF_PDMA_ERR_NO_MASTER		5	/* Bus Master Enable is clear */
#define UVF_PDMA_ERR_RING		6	/* bad ring base/size or TAIL overrun */
#define UVF_PDMA_ERR_ABORTED		7	/* client gone or reset mid-transfer */
#define UVF_PDMA_ERR_IO			8	/* the client failed a DMA message */

#endif /* UVFIO_PCI_DMA_H */
