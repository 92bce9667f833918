/* SPDX-License-Identifier: MIT */
/*
 * uvfio/vfio.h - the VFIO ABI that uvfio speaks.
 *
 * Numbers and layouts are those of Linux include/uapi/linux/vfio.h and
 * vfio_ccw.h (public ABI facts); this header is written for uvfio so the
 * build never depends on the age of the system's kernel headers.  All VFIO
 * structures are in the host's byte order.  The s390 blocks carried inside
 * the ccw regions (ORB, SCSW, IRB, SCHIB, CRW) are big-endian architected
 * data: their layouts live in uvfio/css.h.
 *
 * Names keep the kernel's spelling with a UVF_ prefix so that a reader who
 * knows the kernel header can grep across.
 */
#ifndef UVFIO_VFIO_H
#define UVFIO_VFIO_H

#include <stdint.h>

/* ---- VFIO_DEVICE_GET_INFO ---------------------------------------------- */

#define UVF_VFIO_DEVICE_FLAGS_RESET	(1u << 0)
#define UVF_VFIO_DEVICE_FLAGS_PCI	(1u << 1)
#define UVF_VFIO_DEVICE_FLAGS_PLATFORM	(1u << 2)
#define UVF_VFIO_DEVICE_FLAGS_AMBA	(1u << 3)
#define UVF_VFIO_DEVICE_FLAGS_CCW	(1u << 4)
#define UVF_VFIO_DEVICE_FLAGS_AP	(1u << 5)
#define UVF_VFIO_DEVICE_FLAGS_FSL_MC	(1u << 6)
#define UVF_VFIO_DEVICE_FLAGS_CAPS	(1u << 7)
#define UVF_VFIO_DEVICE_FLAGS_CDX	(1u << 8)

/* ---- VFIO_DEVICE_GET_REGION_INFO --------------------------------------- */

struct uvf_vfio_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset;	/* from the start of this struct, 0 = none */
	uint64_t size;
	uint64_t offset;
};
#define UVF_VFIO_REGION_INFO_SIZE	32

#define UVF_VFIO_REGION_INFO_FLAG_READ	(1u << 0)
#define UVF_VFIO_REGION_INFO_FLAG_WRITE	(1u << 1)
#define UVF_VFIO_REGION_INFO_FLAG_MMAP	(1u << 2)
#define UVF_VFIO_REGION_INFO_FLAG_CAPS	(1u << 3)

/* Capability chain header; `next` is an offset from the start of the
 * region-info struct, 0 ends the chain. */
struct uvf_vfio_info_cap_header {
	uint16_t id;
	uint16_t version;
	uint32_t next;
};
#define UVF_VFIO_INFO_CAP_HEADER_SIZE	8

#define UVF_VFIO_REGION_INFO_CAP_SPARSE_MMAP	1	/* version 1 */
#define UVF_VFIO_REGION_INFO_CAP_TYPE		2	/* version 1 */
#define UVF_VFIO_REGION_INFO_CAP_MSIX_MAPPABLE	3

/* SPARSE_MMAP body: u32 nr_areas; u32 reserved; nr_areas x area. */
struct uvf_vfio_region_sparse_mmap_area {
	uint64_t offset;	/* relative to the region */
	uint64_t size;
};
#define UVF_VFIO_SPARSE_MMAP_HDR_SIZE	16	/* cap header + nr_areas + reserved */
#define UVF_VFIO_SPARSE_MMAP_AREA_SIZE	16

/* TYPE body: u32 type; u32 subtype. */
#define UVF_VFIO_CAP_TYPE_SIZE			16
#define UVF_VFIO_REGION_TYPE_PCI_VENDOR_TYPE	(1u << 31)
#define UVF_VFIO_REGION_TYPE_PCI_VENDOR_MASK	0xffffu
#define UVF_VFIO_REGION_TYPE_GFX		1
#define UVF_VFIO_REGION_TYPE_CCW		2
#define UVF_VFIO_REGION_TYPE_MIGRATION_DEPRECATED 3

#define UVF_VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD	1
#define UVF_VFIO_REGION_SUBTYPE_CCW_SCHIB	2
#define UVF_VFIO_REGION_SUBTYPE_CCW_CRW		3

/* Fixed PCI region indexes. */
enum {
	UVF_VFIO_PCI_BAR0_REGION_INDEX = 0,
	UVF_VFIO_PCI_BAR1_REGION_INDEX,
	UVF_VFIO_PCI_BAR2_REGION_INDEX,
	UVF_VFIO_PCI_BAR3_REGION_INDEX,
	UVF_VFIO_PCI_BAR4_REGION_INDEX,
	UVF_VFIO_PCI_BAR5_REGION_INDEX,
	UVF_VFIO_PCI_ROM_REGION_INDEX,
	UVF_VFIO_PCI_CONFIG_REGION_INDEX,
	UVF_VFIO_PCI_VGA_REGION_INDEX,
	UVF_VFIO_PCI_NUM_REGIONS
};

/* PCI IRQ indexes. */
enum {
	UVF_VFIO_PCI_INTX_IRQ_INDEX = 0,
	UVF_VFIO_PCI_MSI_IRQ_INDEX,
	UVF_VFIO_PCI_MSIX_IRQ_INDEX,
	UVF_VFIO_PCI_ERR_IRQ_INDEX,
	UVF_VFIO_PCI_REQ_IRQ_INDEX,
	UVF_VFIO_PCI_NUM_IRQS
};

/* ---- VFIO_DEVICE_GET_IRQ_INFO / SET_IRQS -------------------------------- */

struct uvf_vfio_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
};
#define UVF_VFIO_IRQ_INFO_SIZE		16

#define UVF_VFIO_IRQ_INFO_EVENTFD	(1u << 0)
#define UVF_VFIO_IRQ_INFO_MASKABLE	(1u << 1)
#define UVF_VFIO_IRQ_INFO_AUTOMASKED	(1u << 2)
#define UVF_VFIO_IRQ_INFO_NORESIZE	(1u << 3)

struct uvf_vfio_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	/* uint8_t data[] */
};
#define UVF_VFIO_IRQ_SET_SIZE		20

#define UVF_VFIO_IRQ_SET_DATA_NONE	(1u << 0)
#define UVF_VFIO_IRQ_SET_DATA_BOOL	(1u << 1)
#define UVF_VFIO_IRQ_SET_DATA_EVENTFD	(1u << 2)
#define UVF_VFIO_IRQ_SET_ACTION_MASK	(1u << 3)
#define UVF_VFIO_IRQ_SET_ACTION_UNMASK	(1u << 4)
#define UVF_VFIO_IRQ_SET_ACTION_TRIGGER	(1u << 5)
#define UVF_VFIO_IRQ_SET_DATA_TYPE_MASK	0x07u
#define UVF_VFIO_IRQ_SET_ACTION_TYPE_MASK 0x38u

/* ---- VFIO_DEVICE_FEATURE ---------------------------------------------- */

struct uvf_vfio_device_feature {
	uint32_t argsz;
	uint32_t flags;
	/* uint8_t data[] */
};
#define UVF_VFIO_DEVICE_FEATURE_SIZE	8

#define UVF_VFIO_DEVICE_FEATURE_MASK	0xffffu
#define UVF_VFIO_DEVICE_FEATURE_GET	(1u << 16)
#define UVF_VFIO_DEVICE_FEATURE_SET	(1u << 17)
#define UVF_VFIO_DEVICE_FEATURE_PROBE	(1u << 18)

#define UVF_VFIO_DEVICE_FEATURE_PCI_VF_TOKEN		0
#define UVF_VFIO_DEVICE_FEATURE_MIGRATION		1
#define UVF_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE	2
#define UVF_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY		3
#define UVF_VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define UVF_VFIO_DEVICE_FEATURE_LOW_POWER_EXIT		5
#define UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_START	6
#define UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP	7
#define UVF_VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT	8
#define UVF_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE		9
#define UVF_VFIO_DEVICE_FEATURE_BUS_MASTER		10

/* MIGRATION (1): u64 flags. */
#define UVF_VFIO_MIGRATION_STOP_COPY	(1ull << 0)
#define UVF_VFIO_MIGRATION_P2P		(1ull << 1)
#define UVF_VFIO_MIGRATION_PRE_COPY	(1ull << 2)

/* MIG_DEVICE_STATE (2): { u32 device_state; s32 data_fd; } */
enum uvf_mig_state {
	UVF_MIG_STATE_ERROR = 0,
	UVF_MIG_STATE_STOP = 1,
	UVF_MIG_STATE_RUNNING = 2,
	UVF_MIG_STATE_STOP_COPY = 3,
	UVF_MIG_STATE_RESUMING = 4,
	UVF_MIG_STATE_RUNNING_P2P = 5,
	UVF_MIG_STATE_PRE_COPY = 6,
	UVF_MIG_STATE_PRE_COPY_P2P = 7,
	UVF_MIG_STATE_NR = 8
};
#define UVF_VFIO_MIG_STATE_SIZE		8

/* PRECOPY_INFO: { u32 argsz; u32 flags; u64 initial_bytes; u64 dirty_bytes; } */
#define UVF_VFIO_PRECOPY_INFO_SIZE	24

/* DMA logging (6/7/8); vfio-user inlines the ranges and the bitmap. */
#define UVF_VFIO_DMA_LOGGING_CONTROL_SIZE 16	/* page_size, num_ranges, rsvd */
#define UVF_VFIO_DMA_LOGGING_RANGE_SIZE	16	/* iova, length */
#define UVF_VFIO_DMA_LOGGING_REPORT_SIZE 24	/* iova, length, page_size */
#define UVF_VFIO_DMA_LOGGING_MAX_RANGES	256	/* kernel: PAGE_SIZE / 16 */

/* MIG_DATA_SIZE (9): u64 stop_copy_length. */

/* ---- vfio-ccw (vfio_ccw.h) -------------------------------------------- */

#define UVF_VFIO_CCW_CONFIG_REGION_INDEX 0
#define UVF_VFIO_CCW_NUM_REGIONS	1

enum {
	UVF_VFIO_CCW_IO_IRQ_INDEX = 0,
	UVF_VFIO_CCW_CRW_IRQ_INDEX,
	UVF_VFIO_CCW_REQ_IRQ_INDEX,
	UVF_VFIO_CCW_NUM_IRQS
};

#define UVF_CCW_ORB_AREA_SIZE		12
#define UVF_CCW_SCSW_AREA_SIZE		12
#define UVF_CCW_IRB_AREA_SIZE		96
#define UVF_CCW_SCHIB_AREA_SIZE		52

/* struct ccw_io_region (packed, 124 bytes) */
#define UVF_CCW_IO_ORB_OFF		0
#define UVF_CCW_IO_SCSW_OFF		12
#define UVF_CCW_IO_IRB_OFF		24
#define UVF_CCW_IO_RET_OFF		120
#define UVF_CCW_IO_REGION_SIZE		124

/* struct ccw_cmd_region (8 bytes): u32 command; u32 ret_code */
#define UVF_VFIO_CCW_ASYNC_CMD_HSCH	(1u << 0)
#define UVF_VFIO_CCW_ASYNC_CMD_CSCH	(1u << 1)
#define UVF_CCW_CMD_REGION_SIZE		8

/* struct ccw_schib_region: 52-byte SCHIB */
#define UVF_CCW_SCHIB_REGION_SIZE	52

/* struct ccw_crw_region (8 bytes): u32 crw; u32 pad */
#define UVF_CCW_CRW_REGION_SIZE		8

#endif /* UVFIO_VFIO_H */
