/* SPDX-License-Identifier: MIT */
/*
 * uvfio/css.h - a simulated s390 channel subsystem (CSS) with device models.
 *
 * Concepts
 * --------
 * A `struct uvf_css` is one channel-subsystem image: a set of subchannels, a
 * queue of channel-report words (CRWs) and one storage address space.  The
 * storage is what a real channel would reach through its memory bus: the user
 * registers ranges of its own memory at chosen addresses with
 * uvf_css_mem_map(); channel programs (CCWs, IDALs, data) are fetched and
 * stored only through that map, so an address outside every range is a
 * program check, never a wild access.
 *
 * A `struct uvf_css_sch` is one subchannel with a device behind it.  The
 * device is a model implementing `struct uvf_css_devops` (this library ships
 * the FBA disk, uvf_css_fba_*).  The I/O instructions (SSCH, RSCH, HSCH, CSCH,
 * XSCH, TSCH, STSCH, MSCH) and STCRW behave as channel-io.md §1.8-1.10 says,
 * with the architected condition codes.
 *
 * Threads and locks
 * -----------------
 * Every subchannel has one worker thread that executes its start, halt and
 * clear functions; a delayed or hung device therefore never stalls another
 * subchannel.  Instructions may be called from any thread; each is atomic
 * with respect to the others and to the worker (one mutex per subchannel).
 * The library never calls its user from a worker: when a subchannel becomes
 * status pending the worker only writes 1 to the subchannel's doorbell
 * eventfd; the user fetches the status with TSCH when it chooses ("lazy
 * TSCH", channel-io.md §4.7).  While status is pending, further status
 * (e.g. the final status after a PCI) is held by the worker until TSCH has
 * cleared the pending one; then it is made pending and the doorbell rings
 * again.  Lock order, outermost first:
 *   the user's own lock (e.g. the ccw layer's vsch.lock)
 *   -> css table lock -> subchannel lock -> {CRW lock, memory-map lock}.
 * The CRW and memory-map locks are leaves.  A user may hold its own lock
 * across any call here.  Device-model ops run on the worker without any
 * library lock held.
 *
 * Byte order
 * ----------
 * The architected blocks below are packed structs of bytes holding
 * big-endian data, exactly as a guest stores them; read and write them with
 * uvf_css_get_be*() / uvf_css_put_be*().  Inside the library all state is in
 * host order and is converted once, at the instruction edge.
 *
 * Return values
 * -------------
 * Instructions return the condition code (0..3) or a negative errno for what
 * the architecture reports as a program interruption instead of a condition
 * code: -EINVAL for an operand exception (reserved ORB/SCHIB bits, the ORB
 * transport-mode bit B, the MIDAW bit D, ORB CPA bit 0 set, XMWME or LM = 3
 * in MSCH).  A misaligned CPA is, as in the architecture, a deferred channel
 * program check (status), not an exception.  Other calls return 0, a
 * count, or a negative errno.
 */
#ifndef UVFIO_CSS_H
#define UVFIO_CSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- big-endian accessors ----------------------------------------------- */

static inline uint16_t uvf_css_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t uvf_css_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t uvf_css_get_be64(const uint8_t *p)
{
	return (uint64_t)uvf_css_get_be32(p) << 32 | uvf_css_get_be32(p + 4);
}

static inline void uvf_css_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void uvf_css_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void uvf_css_put_be64(uint8_t *p, uint64_t v)
{
	uvf_css_put_be32(p, (uint32_t)(v >> 32));
	uvf_css_put_be32(p + 4, (uint32_t)v);
}

/* ---- ORB (operation-request block), 32 bytes; words 3-7 only with X ----- */

struct uvf_css_orb {
	uint8_t intparm[4];
	uint8_t ctl[2];		/* UVF_CSS_ORB_* halfword masks */
	uint8_t lpm;
	uint8_t ctl2;		/* UVF_CSS_ORB2_* byte masks */
	uint8_t cpa[4];
	uint8_t ext[20];	/* ORB extension; ignored */
} __attribute__((packed));

#define UVF_CSS_ORB_KEY		0xF000
#define UVF_CSS_ORB_S		0x0800	/* suspend control */
#define UVF_CSS_ORB_C		0x0400	/* streaming mode (ignored) */
#define UVF_CSS_ORB_M		0x0200	/* modification control (ignored) */
#define UVF_CSS_ORB_Y		0x0100	/* synchronization control (ignored) */
#define UVF_CSS_ORB_F		0x0080	/* format-1 CCWs */
#define UVF_CSS_ORB_P		0x0040	/* prefetch allowed */
#define UVF_CSS_ORB_I		0x0020	/* initial-status interruption */
#define UVF_CSS_ORB_A		0x0010	/* address-limit checking (ignored) */
#define UVF_CSS_ORB_U		0x0008	/* suppress suspended interruption */
#define UVF_CSS_ORB_B		0x0004	/* transport mode: operand exception */
#define UVF_CSS_ORB_H		0x0002	/* format-2 IDAWs */
#define UVF_CSS_ORB_T		0x0001	/* 2K format-2 IDAWs */
#define UVF_CSS_ORB2_L		0x80	/* incorrect-length suppression (ignored) */
#define UVF_CSS_ORB2_D		0x40	/* MIDAW: operand exception */
#define UVF_CSS_ORB2_RSVD	0x3E	/* operand exception */
#define UVF_CSS_ORB2_X		0x01	/* 32-byte ORB */

/* ---- CCWs, format 0 and 1 (8 bytes, doubleword aligned) ----------------- */

struct uvf_css_ccw1 {
	uint8_t cmd;
	uint8_t flags;
	uint8_t count[2];
	uint8_t cda[4];		/* 31-bit */
} __attribute__((packed));

struct uvf_css_ccw0 {
	uint8_t cmd;
	uint8_t cda[3];		/* 24-bit */
	uint8_t flags;
	uint8_t ignored;
	uint8_t count[2];
} __attribute__((packed));

/* The 8 bytes of a CCW as a channel program in storage holds them. */
static inline void uvf_css_ccw1_put(uint8_t p[8], uint8_t cmd, uint8_t flags, uint16_t count,
				    uint32_t cda)
{
	p[0] = cmd;
	p[1] = flags;
	uvf_css_put_be16(p + 2, count);
	uvf_css_put_be32(p + 4, cda);
}

static inline void uvf_css_ccw0_put(uint8_t p[8], uint8_t cmd, uint8_t flags, uint16_t count,
				    uint32_t cda)
{
	p[0] = cmd;
	p[1] = (uint8_t)(cda >> 16);
	p[2] = (uint8_t)(cda >> 8);
	p[3] = (uint8_t)cda;
	p[4] = flags;
	p[5] = 0;
	uvf_css_put_be16(p + 6, count);
}

/* A CCW of either format, decoded (host order). */
struct uvf_css_ccw_host {
	uint8_t cmd;
	uint8_t flags;
	uint16_t count;
	uint32_t cda;
};

/* Decode 8 fetched bytes the way the channel does; format-0 TICs come
 * out as 0x08 with flags and count 0 (they are ignored). */
void uvf_css_ccw_decode(struct uvf_css_ccw_host *h, const uint8_t raw[8], bool fmt1);

#define UVF_CSS_CCW_CD		0x80	/* chain data */
#define UVF_CSS_CCW_CC		0x40	/* chain command */
#define UVF_CSS_CCW_SLI		0x20	/* suppress incorrect length */
#define UVF_CSS_CCW_SKP		0x10	/* skip: no data stored */
#define UVF_CSS_CCW_PCI		0x08	/* program-controlled interruption */
#define UVF_CSS_CCW_IDA		0x04	/* data address designates an IDAL */
#define UVF_CSS_CCW_S		0x02	/* suspend */
#define UVF_CSS_CCW_MIDA	0x01	/* modified IDA: program check here */

#define UVF_CSS_CMD_TIC		0x08
#define UVF_CSS_CMD_NOOP	0x03
#define UVF_CSS_CMD_SENSE	0x04
#define UVF_CSS_CMD_SENSE_ID	0xE4

/* Command classes by the low bits of the command code (channel-io.md §1.5). */
static inline bool uvf_css_cmd_is_write(uint8_t c) { return (c & 0x03) == 0x01; }
static inline bool uvf_css_cmd_is_read(uint8_t c) { return (c & 0x03) == 0x02; }
static inline bool uvf_css_cmd_is_control(uint8_t c) { return (c & 0x03) == 0x03; }
static inline bool uvf_css_cmd_is_sense(uint8_t c) { return (c & 0x0F) == 0x04; }
static inline bool uvf_css_cmd_is_tic(uint8_t c) { return (c & 0x0F) == 0x08; }
static inline bool uvf_css_cmd_is_read_backward(uint8_t c) { return (c & 0x0F) == 0x0C; }
static inline bool uvf_css_cmd_is_invalid(uint8_t c) { return (c & 0x0F) == 0x00; }

/* ---- IDAWs -------------------------------------------------------------- */

struct uvf_css_idaw1 {		/* format 1: 31-bit, 2 KiB blocks */
	uint8_t addr[4];
} __attribute__((packed));

struct uvf_css_idaw2 {		/* format 2: 64-bit, 4 KiB (or 2 KiB with T) */
	uint8_t addr[8];
} __attribute__((packed));

#define UVF_CSS_IDAW1_BLOCK	2048u
#define UVF_CSS_IDAW2_BLOCK	4096u

/* ---- SCSW (12 bytes) ---------------------------------------------------- */

struct uvf_css_scsw {
	uint8_t flags[2];	/* UVF_CSS_SCSW_F_* */
	uint8_t ctrl[2];	/* FC | AC | SC masks */
	uint8_t cpa[4];
	uint8_t dstat;
	uint8_t cstat;
	uint8_t count[2];
} __attribute__((packed));

#define UVF_CSS_SCSW_F_KEY	0xF000
#define UVF_CSS_SCSW_F_S	0x0800
#define UVF_CSS_SCSW_F_L	0x0400	/* ESW format 0 (logout present) */
#define UVF_CSS_SCSW_F_CC	0x0300	/* deferred condition code */
#define UVF_CSS_SCSW_F_F	0x0080
#define UVF_CSS_SCSW_F_P	0x0040
#define UVF_CSS_SCSW_F_I	0x0020
#define UVF_CSS_SCSW_F_A	0x0010
#define UVF_CSS_SCSW_F_U	0x0008
#define UVF_CSS_SCSW_F_Z	0x0004	/* zero cc (initial-status interruption) */
#define UVF_CSS_SCSW_F_E	0x0002	/* ECW holds model data (sense) */
#define UVF_CSS_SCSW_F_N	0x0001	/* path not operational */

#define UVF_CSS_FC_START	0x4000
#define UVF_CSS_FC_HALT		0x2000
#define UVF_CSS_FC_CLEAR	0x1000
#define UVF_CSS_FC_MASK		0x7000
#define UVF_CSS_AC_RESUME_PEND	0x0800
#define UVF_CSS_AC_START_PEND	0x0400
#define UVF_CSS_AC_HALT_PEND	0x0200
#define UVF_CSS_AC_CLEAR_PEND	0x0100
#define UVF_CSS_AC_SCH_ACTIVE	0x0080
#define UVF_CSS_AC_DEV_ACTIVE	0x0040
#define UVF_CSS_AC_SUSPENDED	0x0020
#define UVF_CSS_AC_MASK		0x0FE0
#define UVF_CSS_SC_ALERT	0x0010
#define UVF_CSS_SC_INTERMEDIATE	0x0008
#define UVF_CSS_SC_PRIMARY	0x0004
#define UVF_CSS_SC_SECONDARY	0x0002
#define UVF_CSS_SC_PENDING	0x0001
#define UVF_CSS_SC_MASK		0x001F

/* Device status (dstat). */
#define UVF_CSS_DS_ATTN		0x80
#define UVF_CSS_DS_SM		0x40
#define UVF_CSS_DS_CUE		0x20
#define UVF_CSS_DS_BUSY		0x10
#define UVF_CSS_DS_CE		0x08
#define UVF_CSS_DS_DE		0x04
#define UVF_CSS_DS_UC		0x02
#define UVF_CSS_DS_UE		0x01

/* Subchannel status (cstat). */
#define UVF_CSS_CS_PCI		0x80
#define UVF_CSS_CS_IL		0x40
#define UVF_CSS_CS_PROG		0x20
#define UVF_CSS_CS_PROT		0x10
#define UVF_CSS_CS_CDC		0x08	/* channel-data check */
#define UVF_CSS_CS_CCC		0x04	/* channel-control check */
#define UVF_CSS_CS_ICC		0x02	/* interface-control check */
#define UVF_CSS_CS_CHAIN	0x01	/* chaining check */

static inline uint16_t uvf_css_scsw_flags(const struct uvf_css_scsw *s)
{
	return uvf_css_get_be16(s->flags);
}

static inline uint16_t uvf_css_scsw_ctrl(const struct uvf_css_scsw *s)
{
	return uvf_css_get_be16(s->ctrl);
}

static inline uint16_t uvf_css_scsw_fc(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_ctrl(s) & UVF_CSS_FC_MASK;
}

static inline uint16_t uvf_css_scsw_ac(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_ctrl(s) & UVF_CSS_AC_MASK;
}

static inline uint16_t uvf_css_scsw_sc(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_ctrl(s) & UVF_CSS_SC_MASK;
}

static inline unsigned uvf_css_scsw_cc(const struct uvf_css_scsw *s)
{
	return (uvf_css_scsw_flags(s) & UVF_CSS_SCSW_F_CC) >> 8;
}

static inline uint32_t uvf_css_scsw_cpa(const struct uvf_css_scsw *s)
{
	return uvf_css_get_be32(s->cpa);
}

static inline uint16_t uvf_css_scsw_count(const struct uvf_css_scsw *s)
{
	return uvf_css_get_be16(s->count);
}

static inline bool uvf_css_scsw_is_status_pending(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_sc(s) & UVF_CSS_SC_PENDING;
}

/* Solicited unless it is "alert + pending" alone with deferred cc 0: the
 * Linux scsw_is_solicited() rule. */
static inline bool uvf_css_scsw_is_solicited(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_cc(s) != 0 ||
	       uvf_css_scsw_sc(s) != (UVF_CSS_SC_PENDING | UVF_CSS_SC_ALERT);
}

/* Intermediate status alone (PCI, suspension, initial status): the
 * function goes on. */
static inline bool uvf_css_scsw_is_intermediate_only(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_sc(s) ==
	       (UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING);
}

/* Final: pending status that ends the function(s): not intermediate-only,
 * and neither the subchannel nor the device still active (vfio-ccw's rule,
 * made safe for suspension, whose status has both inactive). */
static inline bool uvf_css_scsw_is_final(const struct uvf_css_scsw *s)
{
	return uvf_css_scsw_is_status_pending(s) &&
	       !uvf_css_scsw_is_intermediate_only(s) &&
	       !(uvf_css_scsw_ac(s) &
		 (UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE));
}

/* The CPA field is meaningful: a start function with primary status or
 * intermediate status (the kernel's scsw_cmd_is_valid_cpa). */
static inline bool uvf_css_scsw_is_valid_cpa(const struct uvf_css_scsw *s)
{
	uint16_t sc = uvf_css_scsw_sc(s);

	return (sc & UVF_CSS_SC_PENDING) &&
	       (uvf_css_scsw_fc(s) & UVF_CSS_FC_START) &&
	       (sc & (UVF_CSS_SC_PRIMARY | UVF_CSS_SC_INTERMEDIATE));
}

/* ---- ESW / IRB (96 bytes) ----------------------------------------------- */

struct uvf_css_irb {
	struct uvf_css_scsw scsw;
	uint8_t esw[20];	/* word 0: LPUM in byte 1; word 1: ERW */
	uint8_t ecw[32];	/* sense data with concurrent sense */
	uint8_t emw[32];	/* never written (no XMWME) */
} __attribute__((packed));

#define UVF_CSS_ERW_AUTH	0x10000000u
#define UVF_CSS_ERW_PVR		0x08000000u
#define UVF_CSS_ERW_CPT		0x04000000u
#define UVF_CSS_ERW_FSAV	0x02000000u
#define UVF_CSS_ERW_CONS	0x01000000u	/* concurrent sense in ECW */
#define UVF_CSS_ERW_SCAV	0x00800000u
#define UVF_CSS_ERW_FSAF	0x00400000u
#define UVF_CSS_ERW_SCNT_MASK	0x003F0000u
#define UVF_CSS_ERW_SCNT_SHIFT	16

static inline uint32_t uvf_css_irb_erw(const struct uvf_css_irb *irb)
{
	return uvf_css_get_be32(irb->esw + 4);
}

/* ---- PMCW / SCHIB (52 bytes) -------------------------------------------- */

struct uvf_css_pmcw {
	uint8_t intparm[4];
	uint8_t flags[2];	/* UVF_CSS_PMCW_* */
	uint8_t devno[2];
	uint8_t lpm;
	uint8_t pnom;
	uint8_t lpum;
	uint8_t pim;
	uint8_t mbi[2];
	uint8_t pom;
	uint8_t pam;
	uint8_t chpid[8];
	uint8_t chars[4];	/* UVF_CSS_CHARS_* */
} __attribute__((packed));

struct uvf_css_schib {
	struct uvf_css_pmcw pmcw;
	struct uvf_css_scsw scsw;
	uint8_t mba[8];
	uint8_t mda[4];
} __attribute__((packed));

#define UVF_CSS_PMCW_QF		0x8000
#define UVF_CSS_PMCW_W		0x4000
#define UVF_CSS_PMCW_ISC	0x3800
#define UVF_CSS_PMCW_ISC_SHIFT	11
#define UVF_CSS_PMCW_RSVD	0x0700	/* operand exception in MSCH */
#define UVF_CSS_PMCW_ENA	0x0080
#define UVF_CSS_PMCW_LM		0x0060
#define UVF_CSS_PMCW_MME	0x0018
#define UVF_CSS_PMCW_MP		0x0004
#define UVF_CSS_PMCW_TF		0x0002
#define UVF_CSS_PMCW_DNV	0x0001

#define UVF_CSS_CHARS_ST	0x00E00000u	/* subchannel type */
#define UVF_CSS_CHARS_MBFC	0x00000004u
#define UVF_CSS_CHARS_XMWME	0x00000002u	/* operand exception in MSCH */
#define UVF_CSS_CHARS_CSENSE	0x00000001u
#define UVF_CSS_CHARS_RSVD	0xFF1FFFF8u	/* operand exception in MSCH */

/* ---- CRW ---------------------------------------------------------------- */

struct uvf_css_crw {
	uint8_t word[4];
} __attribute__((packed));

#define UVF_CSS_CRW_S		0x40000000u
#define UVF_CSS_CRW_R		0x20000000u	/* overflow: CRWs were lost */
#define UVF_CSS_CRW_C		0x10000000u	/* chained */
#define UVF_CSS_CRW_RSC_MASK	0x0F000000u
#define UVF_CSS_CRW_RSC_SHIFT	24
#define UVF_CSS_CRW_A		0x00800000u
#define UVF_CSS_CRW_ERC_MASK	0x003F0000u
#define UVF_CSS_CRW_ERC_SHIFT	16
#define UVF_CSS_CRW_RSID_MASK	0x0000FFFFu

#define UVF_CSS_RSC_MONITOR	2
#define UVF_CSS_RSC_SCH		3
#define UVF_CSS_RSC_CHP		4
#define UVF_CSS_RSC_CONFIG	9
#define UVF_CSS_RSC_CSS		0xB

#define UVF_CSS_ERC_EVENT	0
#define UVF_CSS_ERC_AVAIL	1
#define UVF_CSS_ERC_INIT	2
#define UVF_CSS_ERC_TERROR	3
#define UVF_CSS_ERC_IPI		4	/* installed parameters initialized */
#define UVF_CSS_ERC_TERM	5
#define UVF_CSS_ERC_PERRN	6	/* permanent error, not initialized */
#define UVF_CSS_ERC_PERRI	7	/* permanent error, initialized */
#define UVF_CSS_ERC_IPM		8	/* installed parameters modified */

static inline unsigned uvf_css_crw_rsc(uint32_t crw)
{
	return (crw & UVF_CSS_CRW_RSC_MASK) >> UVF_CSS_CRW_RSC_SHIFT;
}

static inline unsigned uvf_css_crw_erc(uint32_t crw)
{
	return (crw & UVF_CSS_CRW_ERC_MASK) >> UVF_CSS_CRW_ERC_SHIFT;
}

/* ---- sense -------------------------------------------------------------- */

#define UVF_CSS_SENSE_LEN	24	/* basic sense bytes a device keeps */

#define UVF_CSS_SNS0_CMD_REJECT	0x80
#define UVF_CSS_SNS0_INTERV_REQ	0x40
#define UVF_CSS_SNS0_BUS_OUT	0x20
#define UVF_CSS_SNS0_EQUIP_CHK	0x10
#define UVF_CSS_SNS0_DATA_CHK	0x08
#define UVF_CSS_SNS0_OVERRUN	0x04
#define UVF_CSS_SNS1_PERM_ERR	0x80
#define UVF_CSS_SNS1_INV_BLKSZ	0x40
#define UVF_CSS_SNS1_FILE_PROT	0x04
#define UVF_CSS_SNS1_OP_INCOMPL	0x01

/* ---- channel subsystem -------------------------------------------------- */

struct uvf_css;
struct uvf_css_sch;
struct uvf_css_xfer;

#define UVF_CSS_CRW_QUEUE_LEN	64	/* CRWs held before overflow */

/* Create / destroy a channel-subsystem image.  Destroy first destroys every
 * subchannel still attached (which joins their workers). */
int uvf_css_create(struct uvf_css **out, uint8_t cssid);
void uvf_css_destroy(struct uvf_css *css);

/* Storage map.  [addr, addr+len) becomes channel storage backed by host
 * memory at `host` (owned by the caller, which must keep it valid until the
 * unmap returns).  prot: UVF_CSS_PROT_READ lets the channel fetch (CCWs,
 * IDAWs, data of write commands), UVF_CSS_PROT_WRITE lets it store (data of
 * read commands).  Ranges must not overlap (-EEXIST); len 0 or a wrapping
 * range is -EINVAL; at most UVF_CSS_MEM_MAX_RANGES (-E2BIG).
 *
 * Unmap removes every range lying wholly inside [addr, addr+len) and returns
 * how many it removed, -EINVAL if a range straddles a boundary.  It waits for
 * any transfer in progress on the map, so once it returns no worker touches
 * the removed memory again; a later access to it is a program check. */
#define UVF_CSS_PROT_READ	1u
#define UVF_CSS_PROT_WRITE	2u
#define UVF_CSS_MEM_MAX_RANGES	1024
int uvf_css_mem_map(struct uvf_css *css, uint64_t addr, void *host,
		    size_t len, unsigned prot);
int uvf_css_mem_unmap(struct uvf_css *css, uint64_t addr, size_t len);

/* ---- device models ------------------------------------------------------ */

/*
 * A device behind a subchannel.  Every op runs on the subchannel's worker
 * thread with no library lock held, so a device needs no locking for state
 * only its ops touch.  `exec` performs one command (a data chain is one
 * command: the device sees one stream) and returns the device status
 * (normally UVF_CSS_DS_CE | UVF_CSS_DS_DE, with UVF_CSS_DS_UC after storing
 * sense).  Data moves with uvf_css_xfer_*(); the channel derives incorrect
 * length from what the device moved compared to the CCW counts, so a device
 * simply offers or asks for the length its command naturally has.
 */
#define UVF_CSS_DEVOPS_VERSION	1

struct uvf_css_devops {
	unsigned version;
	/* A start function begins a new channel program. */
	void (*chain_start)(void *dev);
	uint8_t (*exec)(void *dev, uint8_t cmd, struct uvf_css_xfer *x);
	/* Copy out (at most len bytes) and reset the pending sense; used for
	 * concurrent sense.  Returns the number of bytes stored. */
	size_t (*take_sense)(void *dev, uint8_t *buf, size_t len);
	/* Halt and clear signals: end any command, reset per-chain state;
	 * clear also resets sense. */
	void (*halt)(void *dev);
	void (*clear)(void *dev);
	/* Optional: release the device when its subchannel is destroyed. */
	void (*destroy)(void *dev);
};

/* Device -> storage (read, sense, read-backward commands).  Returns the
 * number of bytes the channel accepted: fewer than len when the CCW counts
 * of the chain ran out (the device should stop: incorrect length follows
 * unless suppressed), or -EIO when the channel hit a program or protection
 * check (the device must end the command at once; the check is reported).
 * With SKP the bytes are counted but not stored. */
long uvf_css_xfer_to_storage(struct uvf_css_xfer *x, const void *buf,
			     size_t len);
/* Storage -> device (write commands); same return convention. */
long uvf_css_xfer_from_storage(struct uvf_css_xfer *x, void *buf, size_t len);

/* ---- subchannels -------------------------------------------------------- */

struct uvf_css_sch_config {
	uint8_t ssid;		/* 0..3 */
	uint16_t schno;
	uint16_t devno;
	uint8_t pim;		/* installed paths; 0 means 0x80 */
	uint8_t chpid[8];	/* chpid of each installed path slot */
	const struct uvf_css_devops *ops;
	void *dev;		/* owned by the subchannel if ops->destroy */
};

/* Create a subchannel (disabled, DNV = 1, all installed paths available)
 * and start its worker.  -EEXIST for a used (ssid, schno) or devno. */
int uvf_css_sch_create(struct uvf_css *css,
		       const struct uvf_css_sch_config *cfg,
		       struct uvf_css_sch **out);
/* Stop the worker (abandoning any function without status) and free the
 * subchannel; calls ops->destroy. */
void uvf_css_sch_destroy(struct uvf_css_sch *sch);

/* Lookup; the pointer stays valid until the subchannel is destroyed. */
struct uvf_css_sch *uvf_css_find_sch(struct uvf_css *css, uint8_t ssid,
				     uint16_t schno);
struct uvf_css_sch *uvf_css_find_devno(struct uvf_css *css, uint8_t ssid,
				       uint16_t devno);
/* Decode a subchannel-identification word (GR1).  -EINVAL: operand
 * exception (one-bit 0, or M = 0 with a non-zero cssid); -ENODEV: no such
 * subchannel (cc 3). */
int uvf_css_find_schid(struct uvf_css *css, uint32_t schid,
		       struct uvf_css_sch **out);

/* Doorbells.  The library writes an 8-byte 1 to the eventfd whenever the
 * subchannel becomes status pending (and at once if it already is when the
 * fd is set).  It never closes the fd; -1 detaches.  Callers closing an fd
 * must detach it first. */
int uvf_css_sch_set_doorbell(struct uvf_css_sch *sch, int eventfd);
/* Rung whenever a CRW is queued (and at once if some are queued). */
int uvf_css_set_crw_doorbell(struct uvf_css *css, int eventfd);

/* ---- instructions ------------------------------------------------------- */

/* Which function a status belongs to. */
enum uvf_css_fn {
	UVF_CSS_FN_NONE = 0,	/* unsolicited */
	UVF_CSS_FN_START = 1,
	UVF_CSS_FN_HALT = 2,
	UVF_CSS_FN_CLEAR = 3,
};

/*
 * Every accepted SSCH, HSCH and CSCH takes the next value of a per-subchannel
 * 64-bit sequence (starting at 1).  Every status made pending is stamped with
 * the sequence and kind of the function that produced it and whether it ends
 * that function.  A final halt or clear status also ends the start function
 * it terminated.  Unsolicited status carries seq 0, fn NONE, final false.
 * A TSCH that finds no status pending (cc 1) returns a zero tag.
 */
struct uvf_css_tag {
	uint64_t seq;
	enum uvf_css_fn fn;
	bool final;
};

/* The sequence value the last accepted SSCH/HSCH/CSCH took (0 if none). */
uint64_t uvf_css_sch_last_seq(struct uvf_css_sch *sch);

int uvf_css_ssch(struct uvf_css_sch *sch, const struct uvf_css_orb *orb);
int uvf_css_rsch(struct uvf_css_sch *sch);
int uvf_css_hsch(struct uvf_css_sch *sch);
int uvf_css_csch(struct uvf_css_sch *sch);
int uvf_css_xsch(struct uvf_css_sch *sch);
int uvf_css_tsch(struct uvf_css_sch *sch, struct uvf_css_irb *irb);
int uvf_css_tsch_tagged(struct uvf_css_sch *sch, struct uvf_css_irb *irb,
			struct uvf_css_tag *tag);
int uvf_css_stsch(struct uvf_css_sch *sch, struct uvf_css_schib *schib);
int uvf_css_msch(struct uvf_css_sch *sch, const struct uvf_css_schib *schib);
/* cc 0: a CRW (host order) stored; cc 1: none queued, 0 stored. */
int uvf_css_stcrw(struct uvf_css *css, uint32_t *crw);

/* Store a host-order CRW as the architected big-endian word. */
static inline void uvf_css_crw_put(struct uvf_css_crw *dst, uint32_t crw)
{
	uvf_css_put_be32(dst->word, crw);
}

/* ---- fault injection and test knobs ------------------------------------- */

/* Sleep usec (interruptibly: halt and clear cut it short) before each
 * command of a channel program. */
int uvf_css_sch_set_delay(struct uvf_css_sch *sch, unsigned usec);
/* Stop before the command with this index (0 = first command of a start;
 * TICs and data-chained CCWs do not count) until the knob changes or halt /
 * clear arrives; -1 disables.  uvf_css_sch_wait_paused() waits (bounded)
 * until the worker is stopped there: 0 or -ETIMEDOUT. */
int uvf_css_sch_pause_at(struct uvf_css_sch *sch, int index);
int uvf_css_sch_wait_paused(struct uvf_css_sch *sch, unsigned timeout_ms);
/* Wait (bounded) until (SCSW ctrl & mask) == want: 0 or -ETIMEDOUT. */
int uvf_css_sch_wait_ctrl(struct uvf_css_sch *sch, uint16_t mask,
			  uint16_t want, unsigned timeout_ms);

/* The device stops answering: a running program stalls before its next
 * command and halt never completes; clear still completes unless
 * uvf_css_fault_clear_hang() is also set (then nothing completes). */
int uvf_css_fault_hang(struct uvf_css_sch *sch, bool on);
int uvf_css_fault_clear_hang(struct uvf_css_sch *sch, bool on);

/* The device disappears: DNV = 0, no operational path, every instruction
 * but STSCH/MSCH gives cc 3, pending status is lost, a subchannel CRW
 * (RSC 3, ERC 4) is queued.  Returns once the worker has abandoned any
 * function, so the channel touches no storage for this subchannel any more.
 * uvf_css_fault_device_back() reverses it (disabled, idle, new CRW). */
int uvf_css_fault_device_gone(struct uvf_css_sch *sch);
int uvf_css_fault_device_back(struct uvf_css_sch *sch);

/* A channel path goes away / comes back: the path slot of every subchannel
 * using chpid leaves / rejoins PAM (later starts with no usable path end
 * with deferred cc 3) and a channel-path CRW (RSC 4) is queued with ERC 6
 * (permanent error, not initialized) / ERC 2 (initialized). */
int uvf_css_fault_path(struct uvf_css *css, uint8_t chpid, bool online);

/* The device presents unsolicited status (e.g. UVF_CSS_DS_ATTN) as soon as
 * the subchannel is enabled, idle and not status pending. */
int uvf_css_fault_unsolicited(struct uvf_css_sch *sch, uint8_t dstat);

/* Queue an arbitrary CRW (host order). */
int uvf_css_queue_crw(struct uvf_css *css, uint32_t crw);

/* ---- FBA disk ----------------------------------------------------------- */

/*
 * A 9336-10 FBA DASD (fba-disk.md) backed by an image file, created if
 * missing and sized blocks x blksize.  Writes are written and fdatasync'ed
 * before the command's status is returned, so they are durable before the
 * final status is presented.
 *
 * Conventions chosen where fba-disk.md leaves a choice:
 *  - Locate range outside the extent and a write operation the Define
 *    Extent mask forbids: unit check, sense byte 0 = 0x80 (command reject)
 *    *and* byte 1 = 0x04 (file protected) as the qualifier.  Every other
 *    parameter or ordering error: command reject alone; a Define Extent
 *    block size differing from the device's adds byte 1 = 0x40.
 *  - Host I/O error: equipment check (0x10, byte 1 0x80); injected fault
 *    (uvf_css_fba_fail_io): data check (0x08, byte 1 0x80 if persistent).
 *  - Incorrect length is not indicated together with unit check.
 *  - A Read directly after Read IPL reads block 1 (one located block).
 */
struct uvf_css_fba;

#define UVF_CSS_FBA_READ_IPL	0x02
#define UVF_CSS_FBA_WRITE	0x41
#define UVF_CSS_FBA_READ	0x42
#define UVF_CSS_FBA_LOCATE	0x43
#define UVF_CSS_FBA_DEFINE_EXT	0x63
#define UVF_CSS_FBA_RDC		0x64

/* Locate operation codes (low nibble of byte 0). */
#define UVF_CSS_FBA_OP_WRITE		0x1
#define UVF_CSS_FBA_OP_READ_REPL	0x2
#define UVF_CSS_FBA_OP_FORMAT		0x4
#define UVF_CSS_FBA_OP_WRITE_VERIFY	0x5
#define UVF_CSS_FBA_OP_READ		0x6

struct uvf_css_fba_config {
	const char *path;
	uint32_t blocks;
	uint16_t blksize;	/* 512, 1024, 2048 or 4096 */
	bool no_data_chaining;	/* RDC mode byte 0x00 instead of 0x30 */
};

int uvf_css_fba_open(const struct uvf_css_fba_config *cfg,
		     struct uvf_css_fba **out);
/* Closes the image; only for a disk not attached to a subchannel (an
 * attached disk is closed by uvf_css_sch_destroy()). */
void uvf_css_fba_close(struct uvf_css_fba *fba);
extern const struct uvf_css_devops uvf_css_fba_ops;

/* Fail the nth (1-based) backend I/O from now on (one read or write of an
 * extent, or one flush, counts one); persist: every later one fails too.
 * nth 0 disables.  Safe while the disk is in use. */
int uvf_css_fba_fail_io(struct uvf_css_fba *fba, unsigned nth, bool persist);
/* Backend I/Os done so far (for fault loops). */
unsigned long uvf_css_fba_io_count(struct uvf_css_fba *fba);

#endif
