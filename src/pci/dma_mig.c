/* SPDX-License-Identifier: MIT */
/*
 * pci-dma migration (VFIO v2 with P2P and PRE_COPY).
 *
 * Stream: migration/memstream.h over BAR2's memory (device id "PDMA"),
 * with the register file as the blob.  Pre-copy sends every page and then
 * only pages that changed since they were sent; stop-copy sends the rest
 * and the registers, captured once the engine has drained.
 *
 * Arcs:
 *   p2p (RUNNING->RUNNING_P2P, PRE_COPY->PRE_COPY_P2P, STOP->RUNNING_P2P):
 *     the engine starts nothing new; a message-DMA step in flight is
 *     drained before the arc completes (-EINPROGRESS until then).
 *   stop: the same drain; out of pre-copy the stream's tail is decided.
 *   start: the engine runs again; interrupts owed are delivered once the
 *     device is running (the hook runs while the state is still STOP).
 *   save_begin into PRE_COPY(_P2P): BAR2 loses MMAP, the remap IRQ asks
 *     the VMM to unmap; the arc completes on its acknowledgement (or fails
 *     with ETIMEDOUT, layout restored).  EPERM without the IRQ enabled.
 *   save_end, and a reset: BAR2's MMAP comes back (remap signalled, not
 *     waited for).
 *   resume_end: validate the stream and the blob, then apply both;
 *     externally controlled state (config space, MSI-X table, IRQ wiring)
 *     is not in the stream and is left as the VMM set it.
 */
#include <errno.h>
#include <string.h>

#include "core/le.h"
#include "migration/fsm.h"
#include "migration/memstream.h"
#include "pci/pci_dma.h"

#define BLOB_MAGIC	0x424d4450u	/* "PDMB" */
#define BLOB_VERSION	1u

/* ---- the register blob --------------------------------------------------------- */

struct cursor {
	uint8_t *w;
	const uint8_t *r;
	size_t at;
};

static void put(struct cursor *c, uint64_t v, unsigned n)
{
	uvf_le_put(c->w + c->at, v, n);
	c->at += n;
}

static uint64_t get(struct cursor *c, unsigned n)
{
	uint64_t v = uvf_le_get(c->r + c->at, n);

	c->at += n;
	return v;
}

/*
 * Layout (little-endian): u32 magic "PDMB", u32 version, u64 memory size,
 * then the fields of struct uvf_pdma_regs in declaration order (u32 or u64 as
 * declared; the descriptor as src, dst, len, flags).  UVF_PDMA_BLOB_SIZE bytes.
 */
#define FIELDS(X)							\
	X(ctrl, 4) X(status, 4) X(err_code, 4) X(scratch, 4)		\
	X(err_addr, 8) X(bytes, 8) X(int_status, 4) X(int_mask, 4)	\
	X(sd_src, 8) X(sd_dst, 8) X(sd_len, 4) X(sd_flags, 4)		\
	X(sd_status, 4) X(ring_base, 8) X(ring_size, 4) X(ring_head, 4)	\
	X(ring_tail, 4) X(ring_done, 4) X(job, 4) X(phase, 4)		\
	X(cur.src, 8) X(cur.dst, 8) X(cur.len, 4) X(cur.flags, 4)	\
	X(progress, 8) X(pba, 4)

size_t uvf_pdma_blob_encode(const struct uvf_pdma_regs *r, uint64_t mem_size, uint8_t *out)
{
	struct cursor c = { .w = out };

	put(&c, BLOB_MAGIC, 4);
	put(&c, BLOB_VERSION, 4);
	put(&c, mem_size, 8);
#define X(f, n) put(&c, r->f, n);
	FIELDS(X)
#undef X
	return c.at;
}

static void blob_decode(const uint8_t *in, struct uvf_pdma_regs *r)
{
	struct cursor c = { .r = in, .at = 16 };

#define X(f, n) r->f = (__typeof__(r->f))get(&c, n);
	FIELDS(X)
#undef X
}

/* The blob is untrusted input: everything the engine relies on without
 * re-checking must be sane, above all device-memory ranges of a job that
 * is past its up-front checks. */
static bool regs_valid(uint64_t mem_size, const struct uvf_pdma_regs *r)
{
	const struct uvf_pdma_desc *d = &r->cur;
	uint32_t dir = d->flags & UVF_PDMA_FLAG_DIR_MASK;
	bool sdev = dir == UVF_PDMA_DIR_D2G || dir == UVF_PDMA_DIR_D2D;
	bool ddev = dir == UVF_PDMA_DIR_G2D || dir == UVF_PDMA_DIR_D2D;
	uint32_t size = r->ring_size;

	if ((r->ctrl & ~UVF_PDMA_CTRL_ENABLE) ||
	    (r->status & ~(UVF_PDMA_STATUS_BUSY | UVF_PDMA_STATUS_HALTED)) ||
	    ((r->int_status | r->int_mask) & ~UVF_PDMA_INT_ALL) ||
	    (r->pba & ~((1u << UVF_PDMA_NR_VECTORS) - 1)) ||
	    (r->sd_status & ~(UVF_PDMA_DS_BUSY | UVF_PDMA_DS_DONE | UVF_PDMA_DS_ERROR | 0xff00u)) ||
	    r->job > UVF_PDMA_JOB_RING || r->phase > UVF_PDMA_PH_WRITEBACK ||
	    (r->job == UVF_PDMA_JOB_NONE) != (r->phase == UVF_PDMA_PH_NONE))
		return false;
	if (r->job == UVF_PDMA_JOB_NONE)
		return true;
	if (r->job == UVF_PDMA_JOB_RING &&
	    (size == 0 || size > 1u << UVF_PDMA_RING_MAX_LOG2 || (size & (size - 1)) ||
	     (r->ring_base & (UVF_PDMA_DESC_SIZE - 1)) || r->ring_tail - r->ring_head > size ||
	     r->ring_tail == r->ring_head))
		return false;
	if (r->job == UVF_PDMA_JOB_SINGLE && (r->phase != UVF_PDMA_PH_COPY ||
					  !(r->sd_status & UVF_PDMA_DS_BUSY)))
		return false;
	if (r->phase == UVF_PDMA_PH_FETCH)
		return r->progress == 0;
	return !(d->flags & ~UVF_PDMA_FLAGS_VALID) && r->progress <= d->len &&
	       (!sdev || (d->src <= mem_size && d->len <= mem_size - d->src)) &&
	       (!ddev || (d->dst <= mem_size && d->len <= mem_size - d->dst));
}

int uvf_pdma_blob_check(uint64_t mem_size, const void *blob, size_t len)
{
	struct cursor c = { .r = blob };
	struct uvf_pdma_regs r;

	if (len != UVF_PDMA_BLOB_SIZE || get(&c, 4) != BLOB_MAGIC || get(&c, 4) != BLOB_VERSION ||
	    get(&c, 8) != mem_size)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	blob_decode(blob, &r);
	return regs_valid(mem_size, &r) ? 0 : -EINVAL;
}

static int check_blob(void *arg, const void *blob, size_t len)
{
	const struct uvf_pdma *p = arg;

	return uvf_pdma_blob_check(p->mem_size, blob, len);
}

/* ---- sessions -------------------------------------------------------------------- */

void uvf_pdma_mig_reset(struct uvf_pdma *p)
{
	uvf_memsession_end(&p->ms);
	if (p->irq_timer)
		uvf_loop_del_timer(uvf_device_loop(p->dev), p->irq_timer);
	p->irq_timer = 0;
}

/* The registers' blob: the device's final state, once the engine is quiet. */
static int encode_blob(struct uvf_pdma *p, uint8_t blob[UVF_PDMA_BLOB_SIZE])
{
	size_t n = uvf_pdma_blob_encode(&p->r, p->mem_size, blob);

	if (n != UVF_PDMA_BLOB_SIZE) {
		uvf_log(UVF_LOG_ERROR, p->dev, "register blob is %zu bytes, not %u", n,
			UVF_PDMA_BLOB_SIZE);
		return -EIO;
	}
	return 0;
}

static int finish_stream(struct uvf_pdma *p)
{
	uint8_t blob[UVF_PDMA_BLOB_SIZE];
	int r = encode_blob(p, blob);

	return r ? r : uvf_memsession_final(&p->ms, blob);
}

/* ---- arcs ------------------------------------------------------------------------ */

static int stop_tail(struct uvf_pdma *p, enum uvf_mig_state from)
{
	int r = uvf_mig_state_is_precopy(from) ? finish_stream(p) : 0;

	/* A failed arc leaves the device in `from`: running states run. */
	if (r && uvf_mig_state_is_running(from))
		uvf_pdma_engine_resume(p);
	return r;
}

static void stop_drained(struct uvf_device *dev)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	uvf_mig_arc_done(dev, stop_tail(p, p->arc_from));
}

static int pdma_stop(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);
	int r;

	(void)to;
	p->arc_from = from;
	r = uvf_pdma_engine_quiesce(p, stop_drained);
	return r ? r : stop_tail(p, from);
}

static void p2p_drained(struct uvf_device *dev)
{
	uvf_mig_arc_done(dev, 0);
}

static void irq_after_start(struct uvf_loop *loop, void *arg)
{
	struct uvf_pdma *p = arg;

	(void)loop;
	p->irq_timer = 0;
	uvf_pdma_irq_update(p, true);
}

/* Leaving STOP: what the device owes (an asserted INTx level, PBA bits
 * held while stopped) goes out once the walk has left the stopped state. */
static void after_stop(struct uvf_pdma *p)
{
	if (!p->irq_timer &&
	    uvf_loop_add_timer(uvf_device_loop(p->dev), 0, irq_after_start, p, &p->irq_timer))
		p->irq_timer = 0;
}

static int pdma_p2p(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	(void)to;
	if (from == UVF_MIG_STATE_STOP)
		after_stop(p);
	return uvf_pdma_engine_quiesce(p, p2p_drained);
}

static int pdma_start(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	(void)to;
	if (from == UVF_MIG_STATE_STOP)
		after_stop(p);
	/* Kicks through a timer: the engine runs once the state is updated. */
	uvf_pdma_engine_resume(p);
	return 0;
}

/* The remap handshake of the arc into pre-copy ended. */
static void precopy_acked(struct uvf_device *dev, int err)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	/* The VMM has given up its mapping: from here on every write to the
	 * memory goes through the device, and the stream starts. */
	if (!err)
		err = uvf_memsession_save(&p->ms, true, NULL);
	if (err && uvf_pdma_set_mem_layout(p, true) == 0)
		uvf_remap_change(&p->remap, 1u << UVF_VFIO_PCI_BAR2_REGION_INDEX, NULL);
	uvf_mig_arc_done(dev, err);
}

static int pdma_save_begin(struct uvf_device *dev, enum uvf_mig_state from,
			   enum uvf_mig_state to)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);
	int r;

	(void)from;
	if (!uvf_mig_state_is_precopy(to)) {
		/* STOP->STOP_COPY: the device is stopped, the image is final. */
		uint8_t blob[UVF_PDMA_BLOB_SIZE];

		r = encode_blob(p, blob);
		return r ? r : uvf_memsession_save(&p->ms, false, blob);
	}
	if (!uvf_remap_enabled(&p->remap)) {
		uvf_log(UVF_LOG_WARN, dev,
			"PRE_COPY refused (EPERM): the region-remap IRQ (index %u) has no "
			"eventfd, so the device cannot ask the VMM to unmap BAR2; enable it "
			"with SET_IRQS, or migrate with STOP_COPY only", UVF_PDMA_REMAP_IRQ);
		return -EPERM;
	}
	if ((r = uvf_pdma_set_mem_layout(p, false)))
		return r;
	r = uvf_remap_change(&p->remap, 1u << UVF_VFIO_PCI_BAR2_REGION_INDEX, precopy_acked);
	if (r) {
		uvf_pdma_set_mem_layout(p, true);
		return r;
	}
	return -EINPROGRESS;
}

static int pdma_save_end(struct uvf_device *dev, enum uvf_mig_state from,
			 enum uvf_mig_state to)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);

	(void)from;
	(void)to;
	/* The stream goes in session_end; the mapping comes back now. */
	if (p->mmap_off && uvf_pdma_set_mem_layout(p, true) == 0)
		uvf_remap_change(&p->remap, 1u << UVF_VFIO_PCI_BAR2_REGION_INDEX, NULL);
	return 0;
}

static int pdma_resume_begin(struct uvf_device *dev, enum uvf_mig_state from,
			     enum uvf_mig_state to)
{
	(void)from;
	(void)to;
	return uvf_memsession_resume(&uvf_pdma_of(dev)->ms);
}

static int pdma_resume_end(struct uvf_device *dev, enum uvf_mig_state from,
			   enum uvf_mig_state to)
{
	struct uvf_pdma *p = uvf_pdma_of(dev);
	const void *blob;
	int r;

	(void)from;
	(void)to;
	if ((r = uvf_memsession_apply(&p->ms, check_blob, p, &blob)))
		return r;
	/* The engine is quiesced (the device is stopped); a transfer the
	 * source left half done continues from here when it runs. */
	memset(&p->r, 0, sizeof(p->r));
	blob_decode(blob, &p->r);
	p->run.epoch++;
	uvf_pdma_engine_update_status(p);
	uvf_pdma_irq_update(p, false);	/* config status bit; signals wait for the start */
	return 0;
}

static long pdma_save_data(struct uvf_device *dev, void *buf, size_t len, const void **ref,
			   size_t *ref_len)
{
	return uvf_memsession_read(&uvf_pdma_of(dev)->ms, buf, len, ref, ref_len);
}

static int pdma_resume_data(struct uvf_device *dev, const void *buf, size_t len)
{
	return uvf_memsession_write(&uvf_pdma_of(dev)->ms, buf, len);
}

static int pdma_data_size(struct uvf_device *dev, uint64_t *bytes)
{
	*bytes = uvf_memsession_size(&uvf_pdma_of(dev)->ms);
	return 0;
}

static int pdma_precopy_info(struct uvf_device *dev, uint64_t *initial, uint64_t *dirty)
{
	return uvf_memsession_precopy_info(&uvf_pdma_of(dev)->ms, initial, dirty);
}

static void pdma_session_end(struct uvf_device *dev)
{
	uvf_memsession_end(&uvf_pdma_of(dev)->ms);
}

const struct uvf_mig_ops uvf_pdma_mig_ops = {
	.flags = UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P |
		 UVF_VFIO_MIGRATION_PRE_COPY,
	.stop = pdma_stop,
	.start = pdma_start,
	.p2p = pdma_p2p,
	.save_begin = pdma_save_begin,
	.save_end = pdma_save_end,
	.resume_begin = pdma_resume_begin,
	.resume_end = pdma_resume_end,
	.save_data_ref = pdma_save_data,
	.resume_data = pdma_resume_data,
	.data_size = pdma_data_size,
	.precopy_info = pdma_precopy_info,
	.session_end = pdma_session_end,
};
