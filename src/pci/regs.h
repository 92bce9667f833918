/* SPDX-License-Identifier: MIT */
/*
 * pci/regs.h - PCI / PCI Express configuration-space register layout.
 *
 * Offsets and bit values are public facts of the PCI Local Bus 3.0, PCI PM
 * 1.2 and PCI Express Base specifications; the names follow Linux's
 * include/uapi/linux/pci_regs.h with a UVF_ prefix so that a reader who knows
 * that header can grep across.  Only what uvfio emulates is listed.
 *
 * Multi-byte registers are little-endian in configuration space.  Offsets
 * inside a capability are relative to the capability's own offset.
 */
#ifndef UVF_PCI_REGS_H
#define UVF_PCI_REGS_H

/* ---- Type-0 header (0x00..0x3f) ------------------------------------------ */

#define UVF_PCI_VENDOR_ID		0x00	/* 16 */
#define UVF_PCI_DEVICE_ID		0x02	/* 16 */
#define UVF_PCI_COMMAND			0x04	/* 16 */
#define UVF_PCI_STATUS			0x06	/* 16 */
#define UVF_PCI_REVISION_ID		0x08	/* 8 */
#define UVF_PCI_CLASS_PROG		0x09	/* 24: prog-if, sub-class, base */
#define UVF_PCI_CACHE_LINE_SIZE		0x0c	/* 8 */
#define UVF_PCI_LATENCY_TIMER		0x0d	/* 8 */
#define UVF_PCI_HEADER_TYPE		0x0e	/* 8 */
#define UVF_PCI_BIST			0x0f	/* 8 */
#define UVF_PCI_BASE_ADDRESS_0		0x10	/* 6 x 32 */
#define UVF_PCI_CARDBUS_CIS		0x28	/* 32 */
#define UVF_PCI_SUBSYSTEM_VENDOR_ID	0x2c	/* 16 */
#define UVF_PCI_SUBSYSTEM_ID		0x2e	/* 16 */
#define UVF_PCI_ROM_ADDRESS		0x30	/* 32 */
#define UVF_PCI_CAPABILITY_LIST		0x34	/* 8 */
#define UVF_PCI_INTERRUPT_LINE		0x3c	/* 8 */
#define UVF_PCI_INTERRUPT_PIN		0x3d	/* 8 */
#define UVF_PCI_MIN_GNT			0x3e	/* 8 */
#define UVF_PCI_MAX_LAT			0x3f	/* 8 */

#define UVF_PCI_STD_HEADER_SIZEOF	0x40
#define UVF_PCI_CFG_SPACE_SIZE		256
#define UVF_PCI_CFG_SPACE_EXP_SIZE	4096

#define UVF_PCI_COMMAND_IO		0x0001
#define UVF_PCI_COMMAND_MEMORY		0x0002
#define UVF_PCI_COMMAND_MASTER		0x0004
#define UVF_PCI_COMMAND_PARITY		0x0040
#define UVF_PCI_COMMAND_SERR		0x0100
#define UVF_PCI_COMMAND_INTX_DISABLE	0x0400

#define UVF_PCI_STATUS_INTERRUPT	0x0008	/* INTx asserted */
#define UVF_PCI_STATUS_CAP_LIST		0x0010
#define UVF_PCI_STATUS_PARITY		0x0100	/* master data parity error */
#define UVF_PCI_STATUS_SIG_TARGET_ABORT	0x0800
#define UVF_PCI_STATUS_REC_TARGET_ABORT	0x1000
#define UVF_PCI_STATUS_REC_MASTER_ABORT	0x2000
#define UVF_PCI_STATUS_SIG_SYSTEM_ERROR	0x4000
#define UVF_PCI_STATUS_DETECTED_PARITY	0x8000
#define UVF_PCI_STATUS_ERRORS		0xf900	/* the write-1-to-clear bits */

#define UVF_PCI_HEADER_TYPE_NORMAL	0x00

#define UVF_PCI_BASE_ADDRESS_SPACE_IO	0x01
#define UVF_PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define UVF_PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define UVF_PCI_BASE_ADDRESS_MEM_FLAGS	0x0fu	/* low bits of a memory BAR */
#define UVF_PCI_BASE_ADDRESS_IO_FLAGS	0x03u	/* low bits of an I/O BAR */

/* ---- Capability list ----------------------------------------------------- */

#define UVF_PCI_CAP_LIST_ID		0	/* 8 */
#define UVF_PCI_CAP_LIST_NEXT		1	/* 8 */

#define UVF_PCI_CAP_ID_PM		0x01
#define UVF_PCI_CAP_ID_MSI		0x05
#define UVF_PCI_CAP_ID_EXP		0x10
#define UVF_PCI_CAP_ID_MSIX		0x11

/* Power management (PCI PM 1.2). */
#define UVF_PCI_PM_PMC			2	/* 16 */
#define UVF_PCI_PM_CTRL			4	/* 16: PMCSR */
#define UVF_PCI_PM_SIZEOF		8
#define UVF_PCI_PM_CAP_VER_1_2		0x0003
#define UVF_PCI_PM_CTRL_STATE_MASK	0x0003
#define UVF_PCI_PM_CTRL_NO_SOFT_RESET	0x0008
#define UVF_PCI_PM_CTRL_PME_ENABLE	0x0100
#define UVF_PCI_PM_CTRL_PME_STATUS	0x8000
#define UVF_PCI_D0			0
#define UVF_PCI_D3HOT			3

/* MSI-X. */
#define UVF_PCI_MSIX_FLAGS		2	/* 16: message control */
#define UVF_PCI_MSIX_TABLE		4	/* 32: offset | BIR */
#define UVF_PCI_MSIX_PBA		8	/* 32: offset | BIR */
#define UVF_PCI_MSIX_SIZEOF		12
#define UVF_PCI_MSIX_FLAGS_QSIZE	0x07ff	/* table size - 1 */
#define UVF_PCI_MSIX_FLAGS_MASKALL	0x4000
#define UVF_PCI_MSIX_FLAGS_ENABLE	0x8000
#define UVF_PCI_MSIX_BIR_MASK		0x7u
#define UVF_PCI_MSIX_ENTRY_SIZE		16
#define UVF_PCI_MSIX_MAX_VECTORS	2048

/* PCI Express capability, version 2 layout (all 0x3c bytes present). */
#define UVF_PCI_EXP_FLAGS		0x02	/* 16 */
#define UVF_PCI_EXP_DEVCAP		0x04	/* 32 */
#define UVF_PCI_EXP_DEVCTL		0x08	/* 16 */
#define UVF_PCI_EXP_DEVSTA		0x0a	/* 16 */
#define UVF_PCI_EXP_LNKCAP		0x0c	/* 32 */
#define UVF_PCI_EXP_LNKCTL		0x10	/* 16 */
#define UVF_PCI_EXP_LNKSTA		0x12	/* 16 */
#define UVF_PCI_EXP_DEVCAP2		0x24	/* 32 */
#define UVF_PCI_EXP_DEVCTL2		0x28	/* 16 */
#define UVF_PCI_EXP_LNKCAP2		0x2c	/* 32 */
#define UVF_PCI_EXP_LNKCTL2		0x30	/* 16 */
#define UVF_PCI_EXP_LNKSTA2		0x32	/* 16 */
#define UVF_PCI_EXP_SIZEOF_V2		0x3c

#define UVF_PCI_EXP_FLAGS_VERS		0x000f
#define UVF_PCI_EXP_FLAGS_TYPE		0x00f0
#define UVF_PCI_EXP_TYPE_ENDPOINT	0x0

#define UVF_PCI_EXP_DEVCAP_PAYLOAD	0x00000007
#define UVF_PCI_EXP_DEVCAP_EXT_TAG	0x00000020
#define UVF_PCI_EXP_DEVCAP_RBER		0x00008000
#define UVF_PCI_EXP_DEVCAP_FLR		0x10000000

#define UVF_PCI_EXP_DEVCTL_CERE		0x0001
#define UVF_PCI_EXP_DEVCTL_NFERE	0x0002
#define UVF_PCI_EXP_DEVCTL_FERE		0x0004
#define UVF_PCI_EXP_DEVCTL_URRE		0x0008
#define UVF_PCI_EXP_DEVCTL_RELAX_EN	0x0010
#define UVF_PCI_EXP_DEVCTL_PAYLOAD	0x00e0
#define UVF_PCI_EXP_DEVCTL_EXT_TAG	0x0100
#define UVF_PCI_EXP_DEVCTL_PHANTOM	0x0200
#define UVF_PCI_EXP_DEVCTL_AUX_PME	0x0400
#define UVF_PCI_EXP_DEVCTL_NOSNOOP_EN	0x0800
#define UVF_PCI_EXP_DEVCTL_READRQ	0x7000
#define UVF_PCI_EXP_DEVCTL_READRQ_512B	0x2000
#define UVF_PCI_EXP_DEVCTL_BCR_FLR	0x8000

#define UVF_PCI_EXP_DEVSTA_CED		0x0001
#define UVF_PCI_EXP_DEVSTA_NFED		0x0002
#define UVF_PCI_EXP_DEVSTA_FED		0x0004
#define UVF_PCI_EXP_DEVSTA_URD		0x0008
#define UVF_PCI_EXP_DEVSTA_TRPND	0x0020

#define UVF_PCI_EXP_LNKCAP_SLS_2_5GB	0x00000001
#define UVF_PCI_EXP_LNKCAP_MLW_X1	0x00000010
#define UVF_PCI_EXP_LNKCAP_ASPM_COMP	0x00400000

#define UVF_PCI_EXP_LNKCTL_ASPMC	0x0003
#define UVF_PCI_EXP_LNKCTL_RCB		0x0008
#define UVF_PCI_EXP_LNKCTL_CCC		0x0040
#define UVF_PCI_EXP_LNKCTL_ES		0x0080

#define UVF_PCI_EXP_LNKSTA_CLS_2_5GB	0x0001
#define UVF_PCI_EXP_LNKSTA_NLW_X1	0x0010

#define UVF_PCI_EXP_LNKCAP2_SLS_2_5GB	0x00000002
#define UVF_PCI_EXP_LNKCTL2_TLS		0x000f
#define UVF_PCI_EXP_LNKCTL2_TLS_2_5GT	0x0001

/* ---- Extended configuration space (0x100..0xfff) ------------------------- */

#define UVF_PCI_EXT_CAP_START		0x100

#endif
