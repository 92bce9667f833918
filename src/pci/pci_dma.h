/* SPDX-License-Identifier: MIT */
/*
 * pci/pci_dma.h - internals of the pci-dma device shared by its files:
 * dma_dev.c (regions, config space, life cycle), dma_irq.c (interrupt
 * delivery), dma_engine.c (the copy engine), dma_mig.c (migration).  The
 * register contract is <uvfio/pci-dma.h>.
 *
 * Everything here belongs to the device's loop thread; nothing locks.
 */
#ifndef UVF_PCI_PCI_DMA_H
#define UVF_PCI_PCI_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include <uvfio/device.h>
#include <uvfio/pci-dma.h>

#include "migration/memsession.h"
#include "pci/config.h"
#include "pci/remap.h"


/* A descriptor as the engine holds it (host order). */
struct uvf_pdma_desc {
	uint64_t src, dst;
	uint32_t len, flags;
};

enum uvf_pdma_job { UVF_PDMA_JOB_NONE, UVF_PDMA_JOB_SINGLE, UVF_PDMA_JOB_RING };
enum uvf_pdma_phase {
	UVF_PDMA_PH_NONE, UVF_PDMA_PH_FETCH, UVF_PDMA_PH_COPY, UVF_PDMA_PH_WRITEBACK
};

/*
 * The register file and the engine's progress: exactly what the migration
 * blob carries (dma_mig.c), so a destination continues a transfer where
 * the source stopped it.  Only quiescent values are ever saved: the
 * engine has no step in flight when the device is stopped.
 */
struct uvf_pdma_regs {
	uint32_t ctrl, status, err_code, scratch;
	uint64_t err_addr, bytes;
	uint32_t int_status, int_mask;
	uint64_t sd_src, sd_dst;
	uint32_t sd_len, sd_flags, sd_status;
	uint64_t ring_base;
	uint32_t ring_size, ring_head, ring_tail, ring_done;
	uint32_t job, phase;		/* enum uvf_pdma_job, enum uvf_pdma_phase */
	struct uvf_pdma_desc cur;		/* the job's descriptor once fetched */
	uint64_t progress;		/* bytes of cur copied */
	uint32_t pba;			/* MSI-X pending bits (Function Mask) */
};

/* Engine bookkeeping that is not device state. */
struct uvf_pdma_run {
	bool quiesced;		/* migration: start nothing new */
	bool inflight;		/* a message-DMA step is outstanding */
	uint32_t epoch;		/* bumped by aborts: older completions are stale */
	uint32_t inflight_epoch;
	uint32_t pending_len;	/* bytes of the outstanding step */
	uint64_t kick_timer;	/* 0: none armed */
	uint8_t *bounce;	/* one message-DMA step */
	void (*drained)(struct uvf_device *dev);	/* quiesce waiting for inflight */
};

struct uvf_pdma {
	struct uvf_device *dev;
	struct uvf_pci_config cfg;
	struct uvf_pdma_regs r;
	struct uvf_pdma_run run;
	uint8_t *mem;			/* BAR2 backing, memfd-mapped */
	uint64_t mem_size;
	int mem_fd;
	uint8_t msix_table[UVF_PDMA_NR_VECTORS * 16];
	bool intx_asserted;		/* level last driven on INTx */
	bool mmap_off;			/* BAR2 served without MMAP (pre-copy) */
	bool detaching;			/* reset op runs for a disconnect */
	struct uvf_remap remap;
	/* migration */
	struct uvf_memsession ms;	/* the data session (BAR2 + register blob) */
	enum uvf_mig_state arc_from;	/* of an arc waiting for a drain */
	uint64_t irq_timer;		/* interrupt re-evaluation after a start */
};

static inline struct uvf_pdma *uvf_pdma_of(struct uvf_device *dev)
{
	return uvf_device_priv(dev);
}

/* dma_dev.c */
/* Is the function decoding its BARs (memory space, D0, not stopped)? */
bool uvf_pdma_bars_decode(struct uvf_pdma *p);
/* Serve BAR2 with or without MMAP (the remap IRQ tells the VMM). */
int uvf_pdma_set_mem_layout(struct uvf_pdma *p, bool mmap_on);
/* Reset the register file to its power-on values. */
void uvf_pdma_regs_reset(struct uvf_pdma *p);

/* dma_irq.c */
/* Set cause bits in INT_STATUS and deliver what is unmasked. */
void uvf_pdma_irq_raise(struct uvf_pdma *p, uint32_t causes);
/* Re-evaluate delivery after INT_STATUS/INT_MASK/config changes; with
 * `resend`, signal every active cause again (after a stop). */
void uvf_pdma_irq_update(struct uvf_pdma *p, bool resend);
void uvf_pdma_irq_unmasked(struct uvf_device *dev, unsigned index, unsigned vector);
void uvf_pdma_irq_declare(struct uvf_pdma *p);

/* dma_engine.c */
int uvf_pdma_engine_init(struct uvf_pdma *p);
void uvf_pdma_engine_destroy(struct uvf_pdma *p);
void uvf_pdma_engine_kick(struct uvf_pdma *p);
void uvf_pdma_engine_sd_doorbell(struct uvf_pdma *p);
void uvf_pdma_engine_ring_tail(struct uvf_pdma *p, uint32_t tail);
void uvf_pdma_engine_ctrl(struct uvf_pdma *p, uint32_t val);
/* CTRL.RESET semantics (also part of a function reset). */
void uvf_pdma_engine_reset(struct uvf_pdma *p);
/* Halt a transfer under way with UVF_PDMA_ERR_ABORTED (client gone). */
void uvf_pdma_engine_abort(struct uvf_pdma *p);
/* Start nothing new; 0 when nothing is in flight, else -EINPROGRESS and
 * drained(dev) runs once the outstanding step completed. */
int uvf_pdma_engine_quiesce(struct uvf_pdma *p, void (*drained)(struct uvf_device *dev));
void uvf_pdma_engine_resume(struct uvf_pdma *p);
void uvf_pdma_engine_update_status(struct uvf_pdma *p);

/* dma_mig.c */
/* Size of the register blob in the migration stream. */
#define UVF_PDMA_BLOB_SIZE	152
#define UVF_PDMA_STREAM_ID	0x414d4450u	/* "PDMA": memstream device id */
extern const struct uvf_mig_ops uvf_pdma_mig_ops;
/* The blob: encode (returns its size) and validate an untrusted one (0 or
 * -EINVAL); exposed for tests. */
size_t uvf_pdma_blob_encode(const struct uvf_pdma_regs *r, uint64_t mem_size, uint8_t *out);
int uvf_pdma_blob_check(uint64_t mem_size, const void *blob, size_t len);
/* Forget any saving/resuming stream and pending migration work (reset,
 * destroy). */
void uvf_pdma_mig_reset(struct uvf_pdma *p);

#endif /* UVF_PCI_PCI_DMA_H */
