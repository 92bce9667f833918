/* SPDX-License-Identifier: MIT */
/*
 * css/chanprog.c - channel-program execution: CCW fetch and validation,
 * command and data chaining, TIC, IDAWs, suspend/resume, PCI, incorrect
 * length, status modifier (channel-io.md §1.5, §1.6).
 *
 * CCWs are fetched one at a time when they become current, which is what
 * the ORB P bit permits but does not require, so self-modifying programs
 * work with or without it.  The interpreter runs on the worker without the
 * subchannel lock; it takes the lock at each command boundary (the
 * checkpoint, where halt, clear, pause and delay are honoured) and to
 * present intermediate status.  Storage is reached only through mem.c, so
 * every address is checked against the map before any byte moves:
 *   outside storage     -> program check
 *   range forbids it    -> protection check
 * (storage keys are not simulated; the ORB key is only reflected in the
 * SCSW).  A data chain is one command for the device: uvf_css_xfer walks
 * the CCWs and IDAWs while the device streams.
 */
#include "css/internal.h"

#include <errno.h>
#include <string.h>

/* Consecutive TICs and commands without data transfer before the channel
 * declares a program check: QEMU's 255-CCW cap, catching TIC loops. */
#define MAX_DATALESS	255

struct cp {
	struct uvf_css_sch *sch;
	struct uvf_css_mem *mem;
	struct uvf_css_orb_host orb;
	uint64_t seq;			/* start_seq of this start */
	bool fmt1;
	bool csense;
	unsigned idaw_size;		/* 4 or 8 */
	uint32_t idaw_block;		/* 2048 or 4096 */
	uint32_t limit;			/* CCW address space: 2^24 or 2^31 */
	uint32_t addr;			/* address of the current CCW */
	struct uvf_css_ccw_host ccw;	/* the current CCW */
	uint8_t cmd;			/* command of the current chain */
	unsigned dataless;
	unsigned index;			/* commands executed so far */
	bool executed;			/* last_* are valid */
	uint32_t last_addr;		/* last CCW of the last command */
	uint16_t last_residual;
};

struct uvf_css_xfer {
	struct cp *cp;
	bool to_storage;
	bool backward;
	bool skip;
	uint32_t done;		/* bytes of the current CCW's count used */
	unsigned idaw_idx;	/* IDAWs of the current CCW fetched */
	uint64_t seg_addr;	/* next byte (highest one when backward) */
	uint32_t seg_left;
	bool want_more;		/* device asked for more than was left */
	bool moved;
	int err;		/* UVF_CSS_CS_PROG / _PROT */
};

/* ---- fetch -------------------------------------------------------------- */

static int fetch_ccw(struct cp *cp, uint32_t addr)
{
	uint8_t raw[8];
	int ret;

	cp->addr = addr;
	if ((addr & 7) || addr >= cp->limit)
		return UVF_CSS_CS_PROG;
	ret = uvf_css_mem_read(cp->mem, addr, raw, sizeof(raw));
	if (ret)
		return ret;
	uvf_css_ccw_decode(&cp->ccw, raw, cp->fmt1);
	return 0;
}

static bool data_range_ok(const struct cp *cp, const struct uvf_css_ccw_host *c)
{
	if (c->flags & UVF_CSS_CCW_IDA) {
		/* The IDAL: word / doubleword aligned, in the CCW space. */
		return !(c->cda & (cp->idaw_size - 1)) && c->cda < cp->limit;
	}
	if (!c->count)
		return true;
	if (uvf_css_cmd_is_read_backward(cp->cmd))
		return c->cda < cp->limit && c->cda + 1u >= c->count;
	return (uint64_t)c->cda + c->count <= cp->limit;
}

/*
 * Fetch the CCW at addr, following TICs, and check it.  dchain: the CCW is
 * fetched for data chaining (its command code is ignored).  Returns 0 or the
 * channel status of the check; cp->addr is then the failing CCW.
 */
static int fetch_next(struct cp *cp, uint32_t addr, bool dchain)
{
	struct uvf_css_ccw_host *c = &cp->ccw;
	bool after_tic = false;
	int ret;

	for (;;) {
		ret = fetch_ccw(cp, addr);
		if (ret)
			return ret;
		if (uvf_css_cmd_is_tic(c->cmd)) {
			if (c->cmd != UVF_CSS_CMD_TIC || after_tic ||
			    (cp->fmt1 && (c->flags || c->count)) ||
			    (c->cda & 7) || c->cda >= cp->limit ||
			    ++cp->dataless > MAX_DATALESS)
				return UVF_CSS_CS_PROG;
			after_tic = true;
			addr = c->cda;
			continue;
		}
		break;
	}
	if (!dchain) {
		if (uvf_css_cmd_is_invalid(c->cmd))
			return UVF_CSS_CS_PROG;
		cp->cmd = c->cmd;
	}
	if ((c->flags & UVF_CSS_CCW_MIDA) ||
	    (!cp->fmt1 && !c->count) ||
	    (dchain && !c->count) ||
	    ((c->flags & UVF_CSS_CCW_S) &&
	     (dchain || !(cp->orb.ctl & UVF_CSS_ORB_S))) ||
	    !data_range_ok(cp, c))
		return UVF_CSS_CS_PROG;
	return 0;
}

/* ---- intermediate status ------------------------------------------------ */

/* A PCI CCW became current (lock held).  If status is pending, or a halt
 * is about to end the start, the PCI is owed to the next status of this
 * start instead of being lost. */
static void pci(struct cp *cp)
{
	struct uvf_css_sch *sch = cp->sch;
	struct uvf_css_scsw_host *s = &sch->scsw;

	if (uvf_css_sch_aborting(sch) || sch->start_seq != cp->seq)
		return;
	if (s->ctrl & (UVF_CSS_SC_PENDING | UVF_CSS_AC_HALT_PEND)) {
		sch->pci_owed = true;
		return;
	}
	s->ctrl |= UVF_CSS_SC_INTERMEDIATE;
	s->dstat = 0;
	s->cstat = UVF_CSS_CS_PCI;
	s->cpa = cp->addr + 8;
	s->count = cp->ccw.count;
	uvf_css_sch_set_esw(sch);
	uvf_css_sch_make_pending(sch, UVF_CSS_FN_START, cp->seq, false);
}

static void pci_unlocked(struct cp *cp)
{
	pthread_mutex_lock(&cp->sch->lock);
	pci(cp);
	uvf_css_sch_unlock(cp->sch);	/* rings the doorbell for it now */
}

/* ---- data transfer ------------------------------------------------------ */

static int chain_data(struct uvf_css_xfer *x)
{
	struct cp *cp = x->cp;
	int ret = fetch_next(cp, cp->addr + 8, true);

	if (ret) {
		x->err = ret;
		return -1;
	}
	x->done = 0;
	x->idaw_idx = 0;
	x->seg_left = 0;
	x->skip = x->to_storage && (cp->ccw.flags & UVF_CSS_CCW_SKP);
	if (cp->ccw.flags & UVF_CSS_CCW_PCI)
		pci_unlocked(cp);
	return 0;
}

/* Set up the next contiguous storage segment of the chain: 0, 1 when the
 * counts are exhausted, -1 on a check (x->err set). */
static int next_segment(struct uvf_css_xfer *x)
{
	struct cp *cp = x->cp;
	const struct uvf_css_ccw_host *c = &cp->ccw;
	uint32_t left, block = cp->idaw_block, in_block;
	uint8_t raw[8];
	uint64_t a;
	int ret;

	if (x->done == c->count) {
		if (!(c->flags & UVF_CSS_CCW_CD))
			return 1;
		if (chain_data(x))
			return -1;
	}
	left = c->count - x->done;
	if (!(c->flags & UVF_CSS_CCW_IDA)) {
		x->seg_addr = x->backward ? (uint64_t)c->cda - x->done :
					    (uint64_t)c->cda + x->done;
		x->seg_left = left;
		return 0;
	}

	ret = uvf_css_mem_read(cp->mem, c->cda + (uint64_t)x->idaw_idx *
			       cp->idaw_size, raw, cp->idaw_size);
	if (ret)
		goto check;
	if (cp->idaw_size == 4) {
		a = uvf_css_get_be32(raw);
		ret = UVF_CSS_CS_PROG;
		if (a & 0x80000000u)
			goto check;
	} else {
		a = uvf_css_get_be64(raw);
	}
	/* Every IDAW but the first starts a block (or, backward, ends one). */
	in_block = (uint32_t)(a % block);
	ret = UVF_CSS_CS_PROG;
	if (x->idaw_idx && in_block != (x->backward ? block - 1 : 0))
		goto check;
	x->idaw_idx++;
	x->seg_addr = a;
	x->seg_left = x->backward ? in_block + 1 : block - in_block;
	if (x->seg_left > left)
		x->seg_left = left;
	return 0;
check:
	x->err = ret;
	return -1;
}

/* Store n device bytes at descending addresses ending at x->seg_addr. */
static int store_backward(struct uvf_css_xfer *x, const uint8_t *src,
			  uint32_t n)
{
	uint8_t tmp[256];
	uint32_t i, chunk;
	int ret;

	while (n) {
		chunk = n < sizeof(tmp) ? n : sizeof(tmp);
		for (i = 0; i < chunk; i++)
			tmp[chunk - 1 - i] = src[i];
		ret = uvf_css_mem_write(x->cp->mem, x->seg_addr - chunk + 1,
					tmp, chunk);
		if (ret)
			return ret;
		x->seg_addr -= chunk;
		x->seg_left -= chunk;
		x->done += chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}

static long move(struct uvf_css_xfer *x, uint8_t *dbuf, const uint8_t *sbuf,
		 size_t len)
{
	size_t total = 0;
	uint32_t n;
	int ret;

	if (x->err)
		return -EIO;
	while (total < len) {
		if (!x->seg_left) {
			ret = next_segment(x);
			if (ret > 0) {
				x->want_more = true;
				break;
			}
			if (ret < 0)
				return -EIO;
		}
		n = len - total < x->seg_left ? (uint32_t)(len - total) :
						x->seg_left;
		if (x->skip) {
			ret = 0;
		} else if (x->backward) {
			ret = store_backward(x, sbuf + total, n);
			if (ret)
				goto check;
			total += n;
			continue;
		} else if (sbuf) {
			ret = uvf_css_mem_write(x->cp->mem, x->seg_addr,
						sbuf + total, n);
		} else {
			ret = uvf_css_mem_read(x->cp->mem, x->seg_addr,
					       dbuf + total, n);
		}
		if (ret)
			goto check;
		x->seg_addr += n;
		x->seg_left -= n;
		x->done += n;
		total += n;
	}
	if (total)
		x->moved = true;
	return (long)total;
check:
	x->err = ret;
	return -EIO;
}

long uvf_css_xfer_to_storage(struct uvf_css_xfer *x, const void *buf,
			     size_t len)
{
	if (!x->to_storage)
		return -EINVAL;
	return move(x, NULL, buf, len);
}

long uvf_css_xfer_from_storage(struct uvf_css_xfer *x, void *buf, size_t len)
{
	if (x->to_storage)
		return -EINVAL;
	return move(x, buf, NULL, len);
}

/* ---- checkpoints -------------------------------------------------------- */

enum step { GO, HALT, ABORT };

static bool start_gone(const struct cp *cp)
{
	const struct uvf_css_sch *sch = cp->sch;

	return uvf_css_sch_aborting(sch) || sch->start_seq != cp->seq ||
	       !(sch->scsw.ctrl & UVF_CSS_FC_START);
}

/* Before each command (lock held): the only place a running program
 * notices halt and clear, waits while paused or hung, and sleeps the
 * per-command delay (interruptibly). */
static enum step checkpoint(struct cp *cp)
{
	struct uvf_css_sch *sch = cp->sch;
	struct timespec deadline;
	bool timed = false;
	enum step step = GO;

	for (;;) {
		if (start_gone(cp)) {
			step = ABORT;
			break;
		}
		if (sch->hang) {
			uvf_css_sch_wait(sch, &sch->wake);
			continue;
		}
		if (sch->scsw.ctrl & UVF_CSS_AC_HALT_PEND) {
			step = HALT;
			break;
		}
		if (sch->pause_at >= 0 && (unsigned)sch->pause_at == cp->index) {
			if (!sch->paused) {
				sch->paused = true;
				pthread_cond_broadcast(&sch->changed);
			}
			uvf_css_sch_wait(sch, &sch->wake);
			continue;
		}
		sch->paused = false;
		if (sch->delay_us && !timed) {
			uvf_css_deadline(&deadline, sch->delay_us);
			timed = true;
		}
		if (timed && uvf_css_sch_timedwait(sch, &sch->wake,
						    &deadline) != ETIMEDOUT)
			continue;
		break;
	}
	sch->paused = false;
	return step;
}

/* The S flag of the current CCW with ORB S = 1 (lock held): suspend, and
 * wait for RSCH (GO: refetch the CCW), halt or withdrawal. */
static enum step suspend(struct cp *cp)
{
	struct uvf_css_sch *sch = cp->sch;
	struct uvf_css_scsw_host *s = &sch->scsw;

	s->ctrl &= ~(UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE);
	s->ctrl |= UVF_CSS_AC_SUSPENDED;
	pthread_cond_broadcast(&sch->changed);
	if (!(cp->orb.ctl & UVF_CSS_ORB_U)) {
		if (!uvf_css_sch_wait_slot(sch) || start_gone(cp))
			return ABORT;
		if (!(s->ctrl & UVF_CSS_AC_HALT_PEND)) {
			s->ctrl |= UVF_CSS_SC_INTERMEDIATE;
			s->dstat = 0;
			s->cstat = sch->pci_owed ? UVF_CSS_CS_PCI : 0;
			sch->pci_owed = false;
			s->cpa = cp->addr + 8;
			s->count = cp->ccw.count;
			uvf_css_sch_set_esw(sch);
			uvf_css_sch_make_pending(sch, UVF_CSS_FN_START, cp->seq,
						 false);
		}
	}
	for (;;) {
		if (start_gone(cp))
			return ABORT;
		if (s->ctrl & UVF_CSS_AC_HALT_PEND)
			return HALT;
		if (s->ctrl & UVF_CSS_AC_RESUME_PEND) {
			s->ctrl &= ~(UVF_CSS_AC_RESUME_PEND |
				     UVF_CSS_AC_SUSPENDED);
			s->ctrl |= UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE;
			pthread_cond_broadcast(&sch->changed);
			return GO;
		}
		uvf_css_sch_wait(sch, &sch->wake);
	}
}

/* ---- commands ----------------------------------------------------------- */

static void end_at(struct cp *cp, struct uvf_css_cp_result *res,
		   uint8_t dstat, uint8_t cstat, uint16_t residual)
{
	res->dstat = dstat;
	res->cstat = cstat;
	res->cpa = cp->addr + 8;
	res->count = residual;
}

/* Execute the current command (lock not held).  true: chain on at
 * *next; false: the program ended, res holds its status. */
static bool execute(struct cp *cp, struct uvf_css_cp_result *res,
		    uint32_t *next)
{
	struct uvf_css_sch *sch = cp->sch;
	struct uvf_css_xfer x = { .cp = cp };
	uint8_t dstat, cstat = 0;
	uint16_t residual;
	bool il;

	x.to_storage = uvf_css_cmd_is_read(cp->cmd) ||
		       uvf_css_cmd_is_sense(cp->cmd) ||
		       uvf_css_cmd_is_read_backward(cp->cmd);
	x.backward = uvf_css_cmd_is_read_backward(cp->cmd);
	x.skip = x.to_storage && (cp->ccw.flags & UVF_CSS_CCW_SKP);

	dstat = sch->ops->exec(sch->dev, cp->cmd, &x);

	/* The device ended exactly at the end of a CCW with CD: the channel
	 * would already have chained to the next one, whose count is then
	 * left over. */
	if (!x.err && !x.want_more && x.done == cp->ccw.count &&
	    (cp->ccw.flags & UVF_CSS_CCW_CD))
		chain_data(&x);
	if (x.err) {
		cstat = (uint8_t)x.err;
		residual = (uint16_t)(cp->ccw.count - x.done);
	} else {
		residual = (uint16_t)(cp->ccw.count - x.done);
		il = residual || x.want_more;
		/* SLI is ignored in a CCW with CD; a unit check takes
		 * precedence over the length indication. */
		if (il && !(dstat & UVF_CSS_DS_UC) &&
		    !((cp->ccw.flags & UVF_CSS_CCW_SLI) &&
		      !(cp->ccw.flags & UVF_CSS_CCW_CD)))
			cstat = UVF_CSS_CS_IL;
	}

	cp->dataless = x.moved ? 0 : cp->dataless + 1;
	if (!cstat && cp->dataless > MAX_DATALESS)
		cstat = UVF_CSS_CS_PROG;
	cp->executed = true;
	cp->last_addr = cp->addr;
	cp->last_residual = residual;

	if (cstat || (dstat & ~UVF_CSS_DS_SM) !=
		     (UVF_CSS_DS_CE | UVF_CSS_DS_DE) ||
	    !(cp->ccw.flags & UVF_CSS_CCW_CC) ||
	    (cp->ccw.flags & UVF_CSS_CCW_CD)) {
		end_at(cp, res, dstat, cstat, residual);
		if ((dstat & UVF_CSS_DS_UC) && cp->csense)
			res->scnt = (uint8_t)sch->ops->take_sense(sch->dev,
						res->ecw, sizeof(res->ecw));
		return false;
	}
	/* Command chaining; status modifier skips one CCW. */
	*next = cp->addr + ((dstat & UVF_CSS_DS_SM) ? 16 : 8);
	return true;
}

static void cp_init(struct cp *cp, struct uvf_css_sch *sch)
{
	memset(cp, 0, sizeof(*cp));
	cp->sch = sch;
	cp->mem = &sch->css->mem;
	cp->orb = sch->orb;
	cp->seq = sch->start_seq;
	cp->fmt1 = cp->orb.ctl & UVF_CSS_ORB_F;
	cp->csense = sch->pmcw.chars & UVF_CSS_CHARS_CSENSE;
	cp->limit = cp->fmt1 ? 0x80000000u : 0x01000000u;
	if (cp->orb.ctl & UVF_CSS_ORB_H) {
		cp->idaw_size = 8;
		cp->idaw_block = (cp->orb.ctl & UVF_CSS_ORB_T) ?
				 UVF_CSS_IDAW1_BLOCK : UVF_CSS_IDAW2_BLOCK;
	} else {
		cp->idaw_size = 4;
		cp->idaw_block = UVF_CSS_IDAW1_BLOCK;
	}
}

static void halted_at(const struct cp *cp, struct uvf_css_cp_result *res)
{
	/* CPA: last executed CCW + 8 (the ORB CPA if none ran yet). */
	res->cpa = cp->executed ? cp->last_addr + 8 : cp->orb.cpa;
	res->count = cp->executed ? cp->last_residual : 0;
}

enum uvf_css_cp_end uvf_css_cp_run(struct uvf_css_sch *sch,
				   struct uvf_css_cp_result *res)
{
	struct uvf_css_scsw_host *s = &sch->scsw;
	uint32_t next;
	struct cp cp;
	enum step step;
	int ret;

	cp_init(&cp, sch);
	sch->pmcw.lpum = uvf_css_sch_pick_path(sch, cp.orb.lpm);
	if (!sch->pmcw.lpum) {
		res->deferred_cc = 3;
		res->paths_tried = cp.orb.lpm & sch->pmcw.pim;
		return UVF_CSS_CP_DONE;
	}
	s->ctrl &= ~UVF_CSS_AC_START_PEND;
	s->ctrl |= UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE;
	if (cp.orb.ctl & UVF_CSS_ORB_I) {
		/* Initial-status interruption: intermediate, zero cc. */
		s->ctrl |= UVF_CSS_SC_INTERMEDIATE;
		s->flags |= UVF_CSS_SCSW_F_Z;
		s->cpa = cp.orb.cpa;
		uvf_css_sch_make_pending(sch, UVF_CSS_FN_START, cp.seq, false);
	}
	pthread_cond_broadcast(&sch->changed);
	uvf_css_sch_unlock(sch);
	sch->ops->chain_start(sch->dev);
	pthread_mutex_lock(&sch->lock);

	next = cp.orb.cpa;
	for (;;) {
		step = checkpoint(&cp);
		if (step == ABORT)
			return UVF_CSS_CP_ABORTED;
		if (step == HALT) {
			halted_at(&cp, res);
			return UVF_CSS_CP_HALTED;
		}
		uvf_css_sch_unlock(sch);

		ret = fetch_next(&cp, next, false);
		if (ret) {
			end_at(&cp, res, 0, (uint8_t)ret, 0);
			pthread_mutex_lock(&sch->lock);
			return UVF_CSS_CP_DONE;
		}
		if (cp.ccw.flags & UVF_CSS_CCW_S) {
			pthread_mutex_lock(&sch->lock);
			step = suspend(&cp);
			if (step == ABORT)
				return UVF_CSS_CP_ABORTED;
			if (step == HALT) {
				res->cpa = cp.addr + 8;
				res->count = cp.ccw.count;
				return UVF_CSS_CP_HALTED;
			}
			/* Resumed: refetch the CCW, the program may have
			 * reset S meanwhile; if not it suspends again. */
			next = cp.addr;
			continue;
		}
		if (cp.ccw.flags & UVF_CSS_CCW_PCI)
			pci_unlocked(&cp);

		cp.index++;
		if (!execute(&cp, res, &next)) {
			pthread_mutex_lock(&sch->lock);
			return UVF_CSS_CP_DONE;
		}
		pthread_mutex_lock(&sch->lock);
	}
}
