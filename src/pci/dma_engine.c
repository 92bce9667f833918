/* SPDX-License-Identifier: MIT */
/*
 * The pci-dma copy engine (register contract: <uvfio/pci-dma.h>).
 *
 * The engine runs on the loop thread, from a zero-delay timer ("kick"),
 * so a doorbell's REGION_WRITE is answered before any copying starts and
 * a long transfer is cut into steps between which the loop serves other
 * messages.  A job is one descriptor: the single-descriptor registers or
 * one ring entry, and goes through phases: FETCH (ring entries only) ->
 * COPY (in chunks) -> WRITEBACK (ring status word, then HEAD advances).
 *
 * Guest memory is reached directly when the client's DMA map came with an
 * fd (memmove between host mappings; written pages are marked in the DMA
 * dirty log) and through DMA_READ/DMA_WRITE messages otherwise.  A message
 * step completes later; while it is outstanding ("in flight") the engine
 * starts nothing else, and an abort only bumps an epoch so the late
 * completion is recognised as stale.  That in-flight step is what a
 * migration P2P or stop arc drains before it completes.
 *
 * Every address is checked before use: device ranges against the memory
 * size (whole descriptor, before the first byte), guest ranges by the core
 * per chunk (map bounds, permission).  A failure halts the engine with an
 * error code; nothing is ever touched outside device memory or a map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uvfio/vfio-user.h>

#include "migration/fsm.h"
#include "core/le.h"
#include "pci/pci_dma.h"

#define SYNC_CHUNK	(1u << 20)	/* bytes per direct step */
#define MSG_CHUNK	4096u		/* bytes per message step (never crosses a page) */
#define RUN_BUDGET	(8u << 20)	/* bytes per kick before yielding to the loop */
#define STEP_COST	256u		/* budget charged per step, so tiny jobs yield too */
#define STEP_ASYNC	1		/* step() result: a message step is outstanding */

static void run(struct uvf_loop *loop, void *arg);

int uvf_pdma_engine_init(struct uvf_pdma *p)
{
	p->run.bounce = malloc(MSG_CHUNK);
	return p->run.bounce ? 0 : -ENOMEM;
}

void uvf_pdma_engine_destroy(struct uvf_pdma *p)
{
	if (p->run.kick_timer)
		uvf_loop_del_timer(uvf_device_loop(p->dev), p->run.kick_timer);
	p->run.kick_timer = 0;
	free(p->run.bounce);
	p->run.bounce = NULL;
}

static bool has_work(const struct uvf_pdma *p)
{
	const struct uvf_pdma_regs *r = &p->r;

	return r->job != UVF_PDMA_JOB_NONE || (r->sd_status & UVF_PDMA_DS_BUSY) ||
	       r->ring_head != r->ring_tail;
}

void uvf_pdma_engine_update_status(struct uvf_pdma *p)
{
	if (has_work(p))
		p->r.status |= UVF_PDMA_STATUS_BUSY;
	else
		p->r.status &= ~UVF_PDMA_STATUS_BUSY;
}

static bool ready(const struct uvf_pdma *p)
{
	return !p->run.quiesced && !p->run.inflight && (p->r.ctrl & UVF_PDMA_CTRL_ENABLE) &&
	       !(p->r.status & UVF_PDMA_STATUS_HALTED);
}

static bool can_run(const struct uvf_pdma *p)
{
	enum uvf_mig_state st = uvf_device_mig_state(p->dev);

	/* The direct path reaches guest memory without the core's migration
	 * check, so the engine checks the state itself as well.  (A start
	 * hook kicks while the state is still the old one: the kick runs
	 * later, when it is the new one.) */
	return ready(p) && uvf_mig_state_is_running(st);
}

void uvf_pdma_engine_kick(struct uvf_pdma *p)
{
	if (p->run.kick_timer || !ready(p) || !has_work(p))
		return;
	if (uvf_loop_add_timer(uvf_device_loop(p->dev), 0, run, p, &p->run.kick_timer)) {
		p->run.kick_timer = 0;
		uvf_log(UVF_LOG_ERROR, p->dev, "cannot schedule the DMA engine: out of memory");
	}
}

/* ---- ending a job ---------------------------------------------------------- */

static uint64_t slot_iova(const struct uvf_pdma *p, uint32_t index)
{
	return p->r.ring_base + (uint64_t)(index & (p->r.ring_size - 1)) * UVF_PDMA_DESC_SIZE;
}

static uint8_t *ring_slot_host(struct uvf_pdma *p, uint32_t index, uint32_t prot, uint32_t len,
			       uint32_t off)
{
	uint64_t iova = slot_iova(p, index) + off;
	void *host;

	if (!uvf_pci_config_bus_master_enabled(&p->cfg) ||
	    uvf_dma_translate(p->dev, iova, len, prot, &host))
		return NULL;
	return host;
}

static void end_job(struct uvf_pdma *p)
{
	p->r.job = UVF_PDMA_JOB_NONE;
	p->r.phase = UVF_PDMA_PH_NONE;
	p->r.progress = 0;
	memset(&p->r.cur, 0, sizeof(p->r.cur));
}

/*
 * Stop on an error: record it where the driver looks (ERR_*, the
 * descriptor's status), raise INT_ERROR, and leave HEAD on the failed
 * ring entry.  A ring entry's status is written back only when the ring
 * is directly reachable: the error may be that it is not.
 */
static void halt(struct uvf_pdma *p, uint32_t code, uint64_t addr)
{
	uint32_t ds = UVF_PDMA_DS_ERROR | code << 8;

	p->r.status |= UVF_PDMA_STATUS_HALTED;
	p->r.err_code = code;
	p->r.err_addr = addr;
	if (p->r.job == UVF_PDMA_JOB_SINGLE) {
		p->r.sd_status = ds;
	} else if (p->r.job == UVF_PDMA_JOB_RING && p->r.phase != UVF_PDMA_PH_FETCH) {
		uint8_t *st = ring_slot_host(p, p->r.ring_head, UVF_VU_DMA_MAP_F_WRITE, 4,
					     UVF_PDMA_DESC_STATUS);

		if (st) {
			uvf_le_put32(st, ds);
			uvf_dma_mark_dirty(p->dev, slot_iova(p, p->r.ring_head) +
					   UVF_PDMA_DESC_STATUS, 4);
		}
	}
	if (code == UVF_PDMA_ERR_GUEST_FAULT || code == UVF_PDMA_ERR_GUEST_PERM)
		uvf_pci_config_raise_status(&p->cfg, UVF_PCI_STATUS_REC_MASTER_ABORT);
	uvf_log(UVF_LOG_DEBUG, p->dev, "DMA engine halted: error %u at 0x%llx", code,
		(unsigned long long)addr);
	end_job(p);
	uvf_pdma_engine_update_status(p);
	uvf_pdma_irq_raise(p, UVF_PDMA_INT_ERROR);
}

static uint32_t err_code(int err)
{
	switch (err) {
	case -EFAULT:
		return UVF_PDMA_ERR_GUEST_FAULT;
	case -EACCES:
		return UVF_PDMA_ERR_GUEST_PERM;
	case -EPERM:
		return UVF_PDMA_ERR_NO_MASTER;
	case -ENOTCONN:
		return UVF_PDMA_ERR_ABORTED;
	default:
		return UVF_PDMA_ERR_IO;
	}
}

static void complete(struct uvf_pdma *p)
{
	bool irq = p->r.cur.flags & UVF_PDMA_FLAG_IRQ;

	if (p->r.job == UVF_PDMA_JOB_SINGLE) {
		p->r.sd_status = UVF_PDMA_DS_DONE;
	} else {
		p->r.ring_head++;
		p->r.ring_done++;
	}
	end_job(p);
	uvf_pdma_engine_update_status(p);
	if (irq)
		uvf_pdma_irq_raise(p, UVF_PDMA_INT_DONE);
}

/* ---- reaching memory ---------------------------------------------------------- */

/*
 * How to reach `*len` bytes at `addr` of one side of a copy: device memory
 * (range checked when the job started), a guest map with an fd (direct,
 * *len cut at the map's end), or else message DMA (*len cut at the page
 * end; whether the address is mapped at all is the message call's answer).
 */
static int reach(struct uvf_pdma *p, bool device, uint64_t addr, uint32_t prot, uint32_t *len,
		 uint8_t **host)
{
	struct uvf_dma_map_info mi;
	uint64_t avail;

	if (device) {
		*host = p->mem + addr;
		return 0;
	}
	if (!uvf_pci_config_bus_master_enabled(&p->cfg))
		return -EPERM;
	if (!uvf_dma_map_find(p->dev, addr, &mi)) {
		if ((mi.prot & prot) != prot)
			return -EACCES;
		avail = mi.iova + mi.size - addr;
		if (*len > avail)
			*len = (uint32_t)avail;
		*host = (uint8_t *)mi.host + (addr - mi.iova);
		return 0;
	}
	avail = MSG_CHUNK - (addr & (MSG_CHUNK - 1));
	if (*len > avail)
		*len = (uint32_t)avail;
	*host = NULL;
	return 0;
}

static bool src_is_dev(uint32_t flags)
{
	uint32_t d = flags & UVF_PDMA_FLAG_DIR_MASK;

	return d == UVF_PDMA_DIR_D2G || d == UVF_PDMA_DIR_D2D;
}

static bool dst_is_dev(uint32_t flags)
{
	uint32_t d = flags & UVF_PDMA_FLAG_DIR_MASK;

	return d == UVF_PDMA_DIR_G2D || d == UVF_PDMA_DIR_D2D;
}

static bool dev_range_ok(const struct uvf_pdma *p, uint64_t addr, uint32_t len)
{
	return addr <= p->mem_size && len <= p->mem_size - addr;
}

/* A job's descriptor is known: check what can be checked up front. */
static int check_desc(struct uvf_pdma *p)
{
	const struct uvf_pdma_desc *d = &p->r.cur;

	/* The descriptor is known from here on (a halt reports on it). */
	p->r.phase = UVF_PDMA_PH_COPY;
	if (d->flags & ~UVF_PDMA_FLAGS_VALID) {
		halt(p, UVF_PDMA_ERR_DESC,
		     p->r.job == UVF_PDMA_JOB_RING ? slot_iova(p, p->r.ring_head) : 0);
		return -EINVAL;
	}
	if (src_is_dev(d->flags) && !dev_range_ok(p, d->src, d->len)) {
		halt(p, UVF_PDMA_ERR_DEV_RANGE, d->src);
		return -EINVAL;
	}
	if (dst_is_dev(d->flags) && !dev_range_ok(p, d->dst, d->len)) {
		halt(p, UVF_PDMA_ERR_DEV_RANGE, d->dst);
		return -EINVAL;
	}
	return 0;
}

/* ---- message-DMA completions --------------------------------------------------- */

/* A message step ended: if a quiesce waits for it, it is drained now;
 * otherwise carry on. */
static void step_done(struct uvf_pdma *p)
{
	void (*drained)(struct uvf_device *) = p->run.drained;

	if (p->run.quiesced && !p->run.inflight && drained) {
		p->run.drained = NULL;
		drained(p->dev);
		return;
	}
	uvf_pdma_engine_kick(p);
}

/* Returns true if the completion belongs to the current job. */
static bool settle(struct uvf_pdma *p, struct uvf_device *dev)
{
	(void)dev;
	p->run.inflight = false;
	return p->run.inflight_epoch == p->run.epoch;
}

static int start_msg(struct uvf_pdma *p, bool write, uint64_t iova, const void *buf, uint32_t len,
		     uvf_dma_done_fn fn)
{
	int r = write ? uvf_dma_write_async(p->dev, iova, buf, len, fn, p)
		      : uvf_dma_read_async(p->dev, iova, len, fn, p);

	if (r)
		return r;
	p->run.inflight = true;
	p->run.inflight_epoch = p->run.epoch;
	p->run.pending_len = len;
	return 0;
}

static void copy_write_done(struct uvf_device *dev, void *arg, int err, const void *data,
			    size_t len)
{
	struct uvf_pdma *p = arg;

	(void)data;
	(void)len;
	if (settle(p, dev)) {
		if (err) {
			halt(p, err_code(err), p->r.cur.dst + p->r.progress);
		} else {
			p->r.progress += p->run.pending_len;
			p->r.bytes += p->run.pending_len;
		}
	}
	step_done(p);
}

static void copy_read_done(struct uvf_device *dev, void *arg, int err, const void *data,
			   size_t len)
{
	struct uvf_pdma *p = arg;
	uint64_t dst;
	uint32_t n;
	uint8_t *host;
	int r;

	if (!settle(p, dev)) {
		step_done(p);
		return;
	}
	if (err) {
		halt(p, err_code(err), p->r.cur.src + p->r.progress);
		step_done(p);
		return;
	}
	/* The destination half of the step: the map may have changed while
	 * the read was out, so reach it afresh. */
	n = (uint32_t)len;
	dst = p->r.cur.dst + p->r.progress;
	r = reach(p, dst_is_dev(p->r.cur.flags), dst, UVF_VU_DMA_MAP_F_WRITE, &n, &host);
	if (r) {
		halt(p, err_code(r), dst);
	} else if (host) {
		memmove(host, data, n);
		if (!dst_is_dev(p->r.cur.flags))
			uvf_dma_mark_dirty(p->dev, dst, n);
		p->r.progress += n;
		p->r.bytes += n;
	} else {
		memcpy(p->run.bounce, data, n);
		r = start_msg(p, true, dst, p->run.bounce, n, copy_write_done);
		if (r)
			halt(p, err_code(r), dst);
	}
	step_done(p);
}

static void fetch_done(struct uvf_device *dev, void *arg, int err, const void *data,
		       size_t len)
{
	struct uvf_pdma *p = arg;

	(void)len;
	if (settle(p, dev)) {
		if (err) {
			halt(p, err_code(err), p->r.ring_base);
		} else {
			const uint8_t *d = data;

			p->r.cur = (struct uvf_pdma_desc){
				.src = uvf_le_get64(d + UVF_PDMA_DESC_SRC),
				.dst = uvf_le_get64(d + UVF_PDMA_DESC_DST),
				.len = uvf_le_get32(d + UVF_PDMA_DESC_LEN),
				.flags = uvf_le_get32(d + UVF_PDMA_DESC_FLAGS),
			};
			check_desc(p);
		}
	}
	step_done(p);
}

static void writeback_done(struct uvf_device *dev, void *arg, int err, const void *data,
			   size_t len)
{
	struct uvf_pdma *p = arg;

	(void)data;
	(void)len;
	if (settle(p, dev)) {
		if (err)
			halt(p, err_code(err), p->r.ring_base);
		else
			complete(p);
	}
	step_done(p);
}

/* ---- steps ---------------------------------------------------------------------- */

/* Take the next job: the single descriptor first, then the ring. */
static bool pick(struct uvf_pdma *p)
{
	struct uvf_pdma_regs *r = &p->r;
	uint32_t size = r->ring_size;

	if (r->sd_status & UVF_PDMA_DS_BUSY) {
		r->job = UVF_PDMA_JOB_SINGLE;
		r->cur = (struct uvf_pdma_desc){ .src = r->sd_src, .dst = r->sd_dst,
					     .len = r->sd_len, .flags = r->sd_flags };
		r->progress = 0;
		return !check_desc(p);
	}
	if (r->ring_head == r->ring_tail)
		return false;
	r->job = UVF_PDMA_JOB_RING;
	r->phase = UVF_PDMA_PH_FETCH;
	r->progress = 0;
	if (size == 0 || size > 1u << UVF_PDMA_RING_MAX_LOG2 || (size & (size - 1)) ||
	    (r->ring_base & (UVF_PDMA_DESC_SIZE - 1)) || r->ring_tail - r->ring_head > size) {
		halt(p, UVF_PDMA_ERR_RING, r->ring_base);
		return false;
	}
	return true;
}

static long step_fetch(struct uvf_pdma *p)
{
	uint64_t iova = slot_iova(p, p->r.ring_head);
	uint32_t n = UVF_PDMA_DESC_SIZE;
	uint8_t *d;
	int r;

	r = reach(p, false, iova, UVF_VU_DMA_MAP_F_READ, &n, &d);
	if (!r && n < UVF_PDMA_DESC_SIZE)
		r = -EFAULT;	/* a descriptor straddling two maps: not supported */
	if (r) {
		halt(p, err_code(r), iova);
		return -1;
	}
	if (!d) {
		r = start_msg(p, false, iova, NULL, UVF_PDMA_DESC_SIZE, fetch_done);
		if (r) {
			halt(p, err_code(r), iova);
			return -1;
		}
		return STEP_ASYNC;
	}
	p->r.cur = (struct uvf_pdma_desc){
		.src = uvf_le_get64(d + UVF_PDMA_DESC_SRC),
		.dst = uvf_le_get64(d + UVF_PDMA_DESC_DST),
		.len = uvf_le_get32(d + UVF_PDMA_DESC_LEN),
		.flags = uvf_le_get32(d + UVF_PDMA_DESC_FLAGS),
	};
	return check_desc(p) ? -1 : 0;
}

static long step_copy(struct uvf_pdma *p)
{
	const struct uvf_pdma_desc *d = &p->r.cur;
	uint64_t left = d->len - p->r.progress;
	uint64_t src = d->src + p->r.progress, dst = d->dst + p->r.progress;
	uint32_t n = left < SYNC_CHUNK ? (uint32_t)left : SYNC_CHUNK;
	uint8_t *sh, *dh;
	int r;

	if ((r = reach(p, src_is_dev(d->flags), src, UVF_VU_DMA_MAP_F_READ, &n, &sh))) {
		halt(p, err_code(r), src);
		return -1;
	}
	if ((r = reach(p, dst_is_dev(d->flags), dst, UVF_VU_DMA_MAP_F_WRITE, &n, &dh))) {
		halt(p, err_code(r), dst);
		return -1;
	}
	if (sh && dh) {
		memmove(dh, sh, n);
		if (!dst_is_dev(d->flags))
			uvf_dma_mark_dirty(p->dev, dst, n);
		p->r.progress += n;
		p->r.bytes += n;
		return n;
	}
	if (sh) {
		memcpy(p->run.bounce, sh, n);
		r = start_msg(p, true, dst, p->run.bounce, n, copy_write_done);
	} else {
		r = start_msg(p, false, src, NULL, n, copy_read_done);
	}
	if (r) {
		halt(p, err_code(r), sh ? dst : src);
		return -1;
	}
	return STEP_ASYNC;
}

static long step_writeback(struct uvf_pdma *p)
{
	uint64_t iova = slot_iova(p, p->r.ring_head) + UVF_PDMA_DESC_STATUS;
	uint32_t n = 4;
	uint8_t *st, word[4];
	int r;

	uvf_le_put32(word, UVF_PDMA_DS_DONE);
	if ((r = reach(p, false, iova, UVF_VU_DMA_MAP_F_WRITE, &n, &st))) {
		halt(p, err_code(r), iova);
		return -1;
	}
	if (!st) {
		memcpy(p->run.bounce, word, 4);
		if ((r = start_msg(p, true, iova, p->run.bounce, 4, writeback_done))) {
			halt(p, err_code(r), iova);
			return -1;
		}
		return STEP_ASYNC;
	}
	memcpy(st, word, 4);
	uvf_dma_mark_dirty(p->dev, iova, 4);
	complete(p);
	return 0;
}

/* One step of the current job: bytes copied (>= 0), STEP_ASYNC, or -1
 * when the job failed (the engine is halted). */
static long step(struct uvf_pdma *p)
{
	switch ((enum uvf_pdma_phase)p->r.phase) {
	case UVF_PDMA_PH_FETCH:
		return step_fetch(p);
	case UVF_PDMA_PH_COPY:
		if (p->r.progress < p->r.cur.len)
			return step_copy(p);
		if (p->r.job == UVF_PDMA_JOB_RING) {
			p->r.phase = UVF_PDMA_PH_WRITEBACK;
			return 0;
		}
		complete(p);
		return 0;
	case UVF_PDMA_PH_WRITEBACK:
		return step_writeback(p);
	case UVF_PDMA_PH_NONE:
		break;
	}
	/* A job without a phase cannot exist: our bug.  Drop it loudly. */
	uvf_log(UVF_LOG_ERROR, p->dev, "DMA engine: job %u without a phase dropped", p->r.job);
	end_job(p);
	return -1;
}

static void run(struct uvf_loop *loop, void *arg)
{
	struct uvf_pdma *p = arg;
	uint64_t budget = RUN_BUDGET;

	(void)loop;
	p->run.kick_timer = 0;
	while (can_run(p)) {
		long n;

		if (p->r.job == UVF_PDMA_JOB_NONE && !pick(p))
			break;		/* nothing left, or the job failed (halted) */
		n = step(p);
		if (n == STEP_ASYNC)
			return;
		if (!has_work(p))
			break;
		n = n > (long)STEP_COST ? n : (long)STEP_COST;
		if (budget <= (uint64_t)n) {
			uvf_pdma_engine_kick(p);
			return;
		}
		budget -= (uint64_t)n;
	}
	uvf_pdma_engine_update_status(p);
}

/* ---- the driver's side ---------------------------------------------------------- */

void uvf_pdma_engine_sd_doorbell(struct uvf_pdma *p)
{
	if (p->r.sd_status & UVF_PDMA_DS_BUSY)
		return;
	p->r.sd_status = UVF_PDMA_DS_BUSY;
	uvf_pdma_engine_update_status(p);
	uvf_pdma_engine_kick(p);
}

void uvf_pdma_engine_ring_tail(struct uvf_pdma *p, uint32_t tail)
{
	p->r.ring_tail = tail;
	uvf_pdma_engine_update_status(p);
	uvf_pdma_engine_kick(p);
}

/* Drop the current job; a message step still out completes as stale. */
static void drop_job(struct uvf_pdma *p)
{
	if (p->run.inflight)
		p->run.epoch++;
	end_job(p);
}

void uvf_pdma_engine_reset(struct uvf_pdma *p)
{
	struct uvf_pdma_regs *r = &p->r;

	drop_job(p);
	r->status = 0;
	r->err_code = 0;
	r->err_addr = 0;
	r->sd_status = 0;
	r->ring_head = r->ring_tail = r->ring_done = 0;
	r->bytes = 0;
}

void uvf_pdma_engine_ctrl(struct uvf_pdma *p, uint32_t val)
{
	if (val & UVF_PDMA_CTRL_RESET)
		uvf_pdma_engine_reset(p);
	p->r.ctrl = val & UVF_PDMA_CTRL_ENABLE;
	uvf_pdma_engine_update_status(p);
	uvf_pdma_engine_kick(p);
}

void uvf_pdma_engine_abort(struct uvf_pdma *p)
{
	if (!has_work(p))
		return;
	drop_job(p);
	p->r.status |= UVF_PDMA_STATUS_HALTED;
	p->r.err_code = UVF_PDMA_ERR_ABORTED;
	p->r.err_addr = 0;
	if (p->r.sd_status & UVF_PDMA_DS_BUSY)
		p->r.sd_status = UVF_PDMA_DS_ERROR | UVF_PDMA_ERR_ABORTED << 8;
	uvf_pdma_engine_update_status(p);
}

int uvf_pdma_engine_quiesce(struct uvf_pdma *p, void (*drained)(struct uvf_device *dev))
{
	p->run.quiesced = true;
	if (p->run.kick_timer) {
		uvf_loop_del_timer(uvf_device_loop(p->dev), p->run.kick_timer);
		p->run.kick_timer = 0;
	}
	if (!p->run.inflight)
		return 0;
	p->run.drained = drained;
	return -EINPROGRESS;
}

void uvf_pdma_engine_resume(struct uvf_pdma *p)
{
	p->run.quiesced = false;
	p->run.drained = NULL;
	uvf_pdma_engine_kick(p);
}
