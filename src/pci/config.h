/* SPDX-License-Identifier: MIT */
/*
 * pci/config.h - emulated PCI configuration space of one function.
 *
 * Concepts.  A device embeds a struct uvf_pci_config, describes itself once
 * (identity, BARs, capabilities) and then serves VFIO region 7
 * (UVF_VFIO_PCI_CONFIG_REGION_INDEX) by handing every REGION_READ/WRITE to
 * uvf_pci_config_read()/_write().  The VMM (QEMU's vfio-user-pci) reads the
 * identity, sizes the BARs by writing all-ones, walks the capability list
 * from 0x34 and emulates the MSI-X table itself from the MSI-X capability;
 * the device only learns the outcome through accessors and a change
 * callback.  Nothing here does I/O, allocates or keeps global state, so a
 * device may embed as many as it likes; one object is used by one thread.
 *
 * Model.  The first 256 bytes are 64 dwords held in host order, each with a
 * write mask (bits a write stores) and a write-1-to-clear mask; every other
 * bit is read-only.  Reads serve the dwords as little-endian bytes and writes
 * apply the masks byte by byte, so any access of any length at any offset is
 * byte-exact: a 4-byte write equals the four 1-byte writes it contains.
 * Reserved and unimplemented bits are read-only 0.  Beyond that only two
 * registers act on the value written: PMCSR ignores a request for D1/D2
 * (unsupported states: "the data is discarded", PCI PM 1.2, PMCSR), and the
 * PCIe Initiate-FLR bit reads 0 and only reports the request.
 *
 * With a PCI Express capability the space is 4096 bytes, else 256.  The
 * extended space 0x100..0xfff reads 0 and ignores writes: a zero dword at
 * 0x100 is the header the PCIe spec prescribes for "no extended
 * capabilities" (ID 0, version 0, next 0), which Linux and QEMU both accept.
 *
 * Registers (RW = stored, W1C = write 1 to clear, else read-only):
 *   ids, revision, class, subsystem, header type 0x00, BIST 0: as given / 0.
 *   command: RW memory-space (if a memory BAR exists), I/O-space (if an I/O
 *     BAR exists), bus master, INTx disable; everything else 0 -- the device
 *     never signals parity errors or SERR#, so enabling them would lie.
 *   status: capabilities-list 1 once a capability exists; interrupt status
 *     driven by uvf_pci_config_set_intx_status(); the six error bits
 *     (UVF_PCI_STATUS_ERRORS) W1C, set by uvf_pci_config_raise_status().
 *   cache line size RW; latency timer 0 (PCIe hardwires it); interrupt line
 *     RW; interrupt pin as given.
 *   BARs: the address bits above the size RW, type bits RO, so writing
 *     all-ones reads back ~(size - 1) | type bits as hardware does.  The upper
 *     half of a 64-bit BAR keeps the high address bits (all RW below 4 GiB).
 *     Unused slots, CardBus CIS and the expansion ROM read 0, writes ignored.
 *   PM: PMC version 1.2, no PME, no D1/D2; PMCSR PowerState RW (D0/D3hot
 *     only), No_Soft_Reset 1 (this model keeps its state across D3hot->D0).
 *   MSI-X: Enable and Function Mask RW; table size, table and PBA BIR/offset
 *     RO.  The table and PBA live in the device's BAR, not here.
 *   PCIe v2 endpoint: DevCap max payload 128 B, RBER, FLR if asked;
 *     DevCtl RW error-reporting enables, relaxed ordering, no snoop and max
 *     read request (max payload RO 0: a 128 B-only function may hardwire it);
 *     DevSta error bits W1C; Gen1 x1 link: LnkCtl ASPM control, RCB, common
 *     clock and extended synch RW; LnkCtl2 target link speed RW; the rest RO.
 *   Capability IDs and next pointers are RO.
 *
 * Lifecycle: uvf_pci_config_init(); add BARs, then capabilities (MSI-X
 * checks its BARs, so they come first); optionally set the change callback;
 * then serve accesses.  Every builder call validates its arguments and
 * leaves the object untouched on failure.
 */
#ifndef UVF_PCI_CONFIG_H
#define UVF_PCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pci/regs.h"

#define UVF_PCI_CONFIG_NR_BARS	6

/* uvf_pci_config_add_bar() flags.  No flag: 32-bit non-prefetchable memory. */
#define UVF_PCI_BAR_IO		(1u << 0)	/* I/O space, 4..256 bytes */
#define UVF_PCI_BAR_MEM64	(1u << 1)	/* 64-bit memory, takes slot i+1 */
#define UVF_PCI_BAR_PREFETCH	(1u << 2)	/* prefetchable memory */

/* uvf_pci_config_add_cap_exp() flags. */
#define UVF_PCI_EXP_FLR		(1u << 0)	/* advertise Function Level Reset */

/* Bits of `changed` passed to the change callback. */
#define UVF_PCI_CONFIG_CHANGED_IO		(1u << 0)  /* command I/O space */
#define UVF_PCI_CONFIG_CHANGED_MEMORY		(1u << 1)  /* command memory space */
#define UVF_PCI_CONFIG_CHANGED_BUS_MASTER	(1u << 2)
#define UVF_PCI_CONFIG_CHANGED_INTX_DISABLE	(1u << 3)
#define UVF_PCI_CONFIG_CHANGED_MSIX_ENABLE	(1u << 4)
#define UVF_PCI_CONFIG_CHANGED_MSIX_MASK	(1u << 5)  /* function mask */
#define UVF_PCI_CONFIG_CHANGED_PM_STATE		(1u << 6)
#define UVF_PCI_CONFIG_CHANGED_FLR		(1u << 7)  /* FLR requested */
#define UVF_PCI_CONFIG_CHANGED_BAR(i)		(1u << (8 + (i)))  /* BAR i address */

/* Size of the blob uvf_pci_config_save() produces. */
#define UVF_PCI_CONFIG_STATE_SIZE	528

struct uvf_pci_config;

/*
 * Called after a write changed any of the things listed in `changed`, once
 * per uvf_pci_config_write() with everything that write changed.  The new
 * values are already visible through the accessors.  The callback may call
 * any uvf_pci_config_* function, including uvf_pci_config_reset() (the
 * answer to UVF_PCI_CONFIG_CHANGED_FLR once the device has quiesced).
 */
typedef void (*uvf_pci_config_notify_fn)(struct uvf_pci_config *cfg,
					 uint32_t changed, void *opaque);

/* Identity given to uvf_pci_config_init(). */
struct uvf_pci_ids {
	uint16_t vendor_id;		/* not 0xffff ("no function") */
	uint16_t device_id;
	uint16_t subsystem_vendor_id;
	uint16_t subsystem_id;
	uint8_t revision;
	uint32_t class_code;		/* base << 16 | sub << 8 | prog-if */
	uint8_t interrupt_pin;		/* 0 = none, 1..4 = INTA#..INTD# */
};

/* MSI-X geometry given to uvf_pci_config_add_cap_msix(). */
struct uvf_pci_msix_params {
	unsigned int nr_vectors;	/* 1..2048 */
	unsigned int table_bar;		/* an added memory BAR */
	uint32_t table_offset;		/* 8-byte aligned, table inside the BAR */
	unsigned int pba_bar;		/* an added memory BAR */
	uint32_t pba_offset;		/* 8-byte aligned, PBA inside the BAR */
};

/* Embed in the device; the fields are private to config.c. */
struct uvf_pci_config {
	uint32_t regs[64];		/* current dwords 0x00..0xff, host order */
	uint32_t wmask[64];		/* bits a write stores */
	uint32_t w1cmask[64];		/* bits a write of 1 clears */
	uint32_t reset[64];		/* value after init/reset */
	uint64_t bar_size[UVF_PCI_CONFIG_NR_BARS];	/* 0 = none/upper half */
	uint32_t bar_flags[UVF_PCI_CONFIG_NR_BARS];
	uint8_t bar_used;		/* slots taken, upper halves included */
	uint64_t cap_dwords;		/* dwords taken by capabilities */
	uint8_t last_cap;		/* 0 = no capability yet */
	uint8_t pm_off, msix_off, exp_off;	/* 0 = absent */
	uint32_t exp_flags;
	uvf_pci_config_notify_fn notify;
	void *notify_opaque;
};

/* ---- Building ------------------------------------------------------------ */

/*
 * Reset *cfg to a header with `ids`, no BARs, no capabilities, no callback.
 * Returns 0, or -EINVAL for vendor 0xffff, a class code above 24 bits or an
 * interrupt pin above 4 (*cfg is then untouched).
 */
int uvf_pci_config_init(struct uvf_pci_config *cfg,
			const struct uvf_pci_ids *ids);

/*
 * Add BAR `index` (0..5) of `size` bytes with UVF_PCI_BAR_* `flags`.
 * Memory BARs: size a power of two >= 16, at most 2 GiB unless MEM64 (then
 * at most 2^63).  I/O BARs: a power of two 4..256 (PCI 3.0 §6.2.5.1), not
 * prefetchable or 64-bit.  A 64-bit BAR also takes slot index + 1.
 * Returns 0, or -EINVAL for a bad index, size or flag, a 64-bit BAR in slot 5,
 * or a slot already taken.
 */
int uvf_pci_config_add_bar(struct uvf_pci_config *cfg, unsigned int index,
			   uint64_t size, uint32_t flags);

/*
 * Capabilities.  `offset` is where the capability goes: 4-byte aligned, in
 * 0x40..0xff with the whole capability below 0x100 (PM 8 bytes, MSI-X 12,
 * PCIe 0x3c), overlapping no other capability.  Capabilities are chained in
 * the order they are added (0x34 points at the first).  Each kind may be
 * added once.  Returns 0 or -EINVAL.
 */
int uvf_pci_config_add_cap_pm(struct uvf_pci_config *cfg, unsigned int offset);

/* Also -EINVAL unless: table and PBA BARs are added memory BARs (the lower
 * slot of a 64-bit one), offsets 8-byte aligned, table (16 bytes/vector) and
 * PBA (8 bytes per 64 vectors) inside their BARs and not overlapping. */
int uvf_pci_config_add_cap_msix(struct uvf_pci_config *cfg, unsigned int offset,
				const struct uvf_pci_msix_params *p);

/* PCIe v2 endpoint capability; `flags`: UVF_PCI_EXP_FLR.  Makes the space
 * 4096 bytes. */
int uvf_pci_config_add_cap_exp(struct uvf_pci_config *cfg, unsigned int offset,
			       uint32_t flags);

/* Set (or with fn NULL clear) the change callback. */
void uvf_pci_config_set_notify(struct uvf_pci_config *cfg,
			       uvf_pci_config_notify_fn fn, void *opaque);

/* ---- Serving the region -------------------------------------------------- */

/* 256, or 4096 with a PCIe capability: the size of region 7. */
uint32_t uvf_pci_config_size(const struct uvf_pci_config *cfg);

/*
 * Copy `len` bytes at `off` into buf.  Any len >= 1 and any alignment.
 * Returns 0, or -EINVAL when len is 0 or off + len exceeds the space
 * (buf untouched).  Reads have no side effects.
 */
int uvf_pci_config_read(const struct uvf_pci_config *cfg, uint64_t off,
			void *buf, size_t len);

/*
 * Write `len` bytes at `off` through the masks, then call the change
 * callback if anything it reports changed.  Same length/range rules and
 * errors as uvf_pci_config_read(); nothing is written on error.
 */
int uvf_pci_config_write(struct uvf_pci_config *cfg, uint64_t off,
			 const void *buf, size_t len);

/* Offset of capability `id` (UVF_PCI_CAP_ID_*), or -ENOENT. */
int uvf_pci_config_find_cap(const struct uvf_pci_config *cfg, uint8_t id);

/* ---- Device side ---------------------------------------------------------- */

/* Command-register bits as the VMM last wrote them.  They are register
 * state only: a device in D3hot should also check uvf_pci_config_pm_state(). */
bool uvf_pci_config_io_enabled(const struct uvf_pci_config *cfg);
bool uvf_pci_config_memory_enabled(const struct uvf_pci_config *cfg);
bool uvf_pci_config_bus_master_enabled(const struct uvf_pci_config *cfg);
bool uvf_pci_config_intx_disabled(const struct uvf_pci_config *cfg);

/* MSI-X control bits; false without an MSI-X capability. */
bool uvf_pci_config_msix_enabled(const struct uvf_pci_config *cfg);
bool uvf_pci_config_msix_function_masked(const struct uvf_pci_config *cfg);

/* UVF_PCI_D0 or UVF_PCI_D3HOT; D0 without a PM capability. */
unsigned int uvf_pci_config_pm_state(const struct uvf_pci_config *cfg);

/*
 * Address programmed into BAR `index`, type bits stripped (both halves for
 * a 64-bit BAR).  0 for an absent BAR or the upper slot of a 64-bit one:
 * such a slot decodes nothing.  During sizing this is ~(size - 1), as on
 * hardware; the VMM sizes with decoding disabled.
 */
uint64_t uvf_pci_config_bar_address(const struct uvf_pci_config *cfg,
				    unsigned int index);

/* Drive the status register's interrupt bit (the INTx pending state).  It
 * reflects the device's state whatever INTx Disable says (PCI 3.0 §6.2.3). */
void uvf_pci_config_set_intx_status(struct uvf_pci_config *cfg, bool pending);

/* Record errors in the status register (bits of UVF_PCI_STATUS_ERRORS,
 * e.g. REC_MASTER_ABORT after a DMA to an unmapped address); software clears
 * them by writing 1.  Returns 0, or -EINVAL for other bits. */
int uvf_pci_config_raise_status(struct uvf_pci_config *cfg, uint16_t bits);

/*
 * Return every register to its value after building (command 0, BARs
 * unprogrammed, MSI-X disabled, D0, ...), as a conventional or function
 * level reset does.  Layout and callback are kept; no callback is made.
 */
void uvf_pci_config_reset(struct uvf_pci_config *cfg);

/* ---- Migration ------------------------------------------------------------ */

/*
 * The VMM saves and restores config space itself (by reading it and
 * writing it back), so most devices need none of this; a device that keeps
 * derived state, e.g. where its BARs are, may put the emulated registers in
 * its own stream.
 *
 * Blob (little-endian, UVF_PCI_CONFIG_STATE_SIZE bytes):
 *   0 magic "UVPC"   4 version 1   8 length 528
 *   12 the 256-byte register image   268 the 256-byte write mask
 *   524 CRC-32 (IEEE) of bytes 0..523
 *
 * uvf_pci_config_save() returns the blob size, or -ENOSPC if len is smaller.
 *
 * uvf_pci_config_restore() accepts only a blob of exactly that length with
 * the right magic, version, length and CRC, taken from a function built the
 * same way (equal write masks and equal read-only bits: identity, BAR types
 * and sizes, capability layout), with a PM state of D0 or D3hot.  Anything
 * else is -EINVAL and *cfg is untouched.  On success every register,
 * including the device-driven interrupt and error bits, takes the saved
 * value; no callback is made, the caller re-reads what it derives.
 */
ssize_t uvf_pci_config_save(const struct uvf_pci_config *cfg, void *buf,
			    size_t len);
int uvf_pci_config_restore(struct uvf_pci_config *cfg, const void *buf,
			   size_t len);

#endif
