/* SPDX-License-Identifier: MIT */
/*
 * css/worker.c - the subchannel worker: performs the clear, halt and start
 * functions the instructions requested, and makes their status pending.
 *
 * Why one worker per subchannel: a subchannel's functions are strictly
 * sequential (one start at a time, halt/clear preempt it), which is exactly
 * one thread's control flow; independent subchannels progress independently,
 * as on hardware, so a delayed, hung or slow-syncing device never holds up
 * another one, and no scheduler or queue between subchannels is needed.
 * Subchannels are few (one per simulated device), so the thread cost is
 * small.
 *
 * Holding status: a status is only made pending when no status is pending
 * (uvf_css_sch_wait_slot()).  Until TSCH frees the slot the worker sleeps
 * with the status in its locals; HSCH may withdraw intermediate status and
 * then merges into the final status the worker holds; CSCH withdraws all
 * and the held status is dropped.  Priority of work: clear, then halt, then
 * start, then unsolicited status (which needs an idle subchannel).
 */
#include "css/internal.h"

#include <string.h>

bool uvf_css_sch_aborting(const struct uvf_css_sch *sch)
{
	return sch->stop || sch->not_oper ||
	       (sch->scsw.ctrl & UVF_CSS_AC_CLEAR_PEND);
}

bool uvf_css_sch_wait_slot(struct uvf_css_sch *sch)
{
	while (sch->scsw.ctrl & UVF_CSS_SC_PENDING) {
		if (uvf_css_sch_aborting(sch))
			return false;
		uvf_css_sch_wait(sch, &sch->wake);
	}
	return !uvf_css_sch_aborting(sch);
}

uint8_t uvf_css_sch_pick_path(const struct uvf_css_sch *sch, uint8_t mask)
{
	uint8_t paths = sch->pmcw.pim & sch->pmcw.pam & sch->pmcw.pom & mask;
	uint8_t bit;

	for (bit = 0x80; bit; bit >>= 1)
		if (paths & bit)
			return bit;
	return 0;
}

static void do_clear(struct uvf_css_sch *sch)
{
	sch->busy = true;
	while (sch->clear_hang && !sch->stop && !sch->not_oper)
		uvf_css_sch_wait(sch, &sch->wake);
	if (sch->stop || sch->not_oper)
		goto out;

	/* Path masks are reset before the clear signal (channel-io.md §1.9). */
	sch->pmcw.pom = 0xFF;
	sch->pmcw.pnom = 0;
	sch->pmcw.lpum = 0;
	sch->scsw.flags &= ~UVF_CSS_SCSW_F_N;

	uvf_css_sch_unlock(sch);
	sch->ops->clear(sch->dev);
	pthread_mutex_lock(&sch->lock);
	if (sch->stop || sch->not_oper)
		goto out;

	/* A CSCH that came while the device was clearing is performed by
	 * this completion too: it takes the newest clear_seq. */
	sch->pmcw.lpum = uvf_css_sch_pick_path(sch, sch->pmcw.lpm);
	sch->scsw = (struct uvf_css_scsw_host){ .ctrl = UVF_CSS_FC_CLEAR };
	uvf_css_sch_set_esw(sch);
	uvf_css_sch_make_pending(sch, UVF_CSS_FN_CLEAR, sch->clear_seq, true);
out:
	sch->busy = false;
	pthread_cond_broadcast(&sch->changed);
}

/* The halt function.  res is the state of the start it terminates, or
 * NULL when no start was being executed (idle, or merely start pending). */
static void do_halt(struct uvf_css_sch *sch,
		    const struct uvf_css_cp_result *res)
{
	struct uvf_css_scsw_host *s = &sch->scsw;
	uint16_t ac;
	bool ran;

	sch->busy = true;
	/* A device that never answers never completes a halt. */
	while (sch->hang && !uvf_css_sch_aborting(sch))
		uvf_css_sch_wait(sch, &sch->wake);
	if (uvf_css_sch_aborting(sch))
		goto out;

	uvf_css_sch_unlock(sch);
	sch->ops->halt(sch->dev);
	pthread_mutex_lock(&sch->lock);
	if (!uvf_css_sch_wait_slot(sch) || !(s->ctrl & UVF_CSS_AC_HALT_PEND))
		goto out;	/* cleared meanwhile, or ended by TSCH */

	ac = s->ctrl & UVF_CSS_AC_MASK;
	ran = ac & (UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE |
		    UVF_CSS_AC_SUSPENDED);
	/* QEMU's rule: device end unless the start was merely pending or
	 * suspended; CPA and count only if it had run.  A start that had run
	 * ends with primary and secondary status (Hercules). */
	s->dstat = 0;
	if ((ac & (UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE)) ||
	    !(ac & (UVF_CSS_AC_START_PEND | UVF_CSS_AC_SUSPENDED)))
		s->dstat = UVF_CSS_DS_DE;
	s->cstat = sch->pci_owed ? UVF_CSS_CS_PCI : 0;
	sch->pci_owed = false;
	if (ran && res) {
		s->cpa = res->cpa;
		s->count = res->count;
	}
	s->ctrl &= ~(UVF_CSS_AC_HALT_PEND | UVF_CSS_AC_SCH_ACTIVE |
		     UVF_CSS_AC_DEV_ACTIVE | UVF_CSS_SC_MASK);
	if (ran)
		s->ctrl |= UVF_CSS_SC_PRIMARY | UVF_CSS_SC_SECONDARY;
	uvf_css_sch_set_esw(sch);
	uvf_css_sch_make_pending(sch, UVF_CSS_FN_HALT, sch->halt_seq, true);
out:
	sch->busy = false;
	pthread_cond_broadcast(&sch->changed);
}

static bool alert(uint8_t dstat, uint8_t cstat)
{
	return (cstat & ~UVF_CSS_CS_PCI) ||
	       (dstat & (UVF_CSS_DS_ATTN | UVF_CSS_DS_UC | UVF_CSS_DS_UE |
			 UVF_CSS_DS_BUSY));
}

/* Final status of a start; a halt that arrived meanwhile ends with it. */
static void present_final(struct uvf_css_sch *sch,
			  const struct uvf_css_cp_result *res)
{
	struct uvf_css_scsw_host *s = &sch->scsw;
	bool halted;

	if (!uvf_css_sch_wait_slot(sch))
		return;
	halted = s->ctrl & UVF_CSS_AC_HALT_PEND;
	s->ctrl &= ~(UVF_CSS_AC_START_PEND | UVF_CSS_AC_HALT_PEND |
		     UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE |
		     UVF_CSS_SC_MASK);
	uvf_css_sch_set_esw(sch);
	if (res->deferred_cc) {
		/* No path: the start never reached the device. */
		s->flags |= (uint16_t)(res->deferred_cc << 8) | UVF_CSS_SCSW_F_N;
		sch->pmcw.pnom = res->paths_tried;
		s->ctrl |= UVF_CSS_SC_ALERT;
		s->dstat = 0;
		s->cstat = 0;
		s->cpa = 0;
		s->count = 0;
	} else {
		s->dstat = res->dstat;
		s->cstat = res->cstat | (sch->pci_owed ? UVF_CSS_CS_PCI : 0);
		s->cpa = res->cpa;
		s->count = res->count;
		s->ctrl |= UVF_CSS_SC_PRIMARY | UVF_CSS_SC_SECONDARY;
		if (alert(s->dstat, s->cstat))
			s->ctrl |= UVF_CSS_SC_ALERT;
		if (res->scnt) {
			s->flags |= UVF_CSS_SCSW_F_E;
			sch->ext.esw[1] = UVF_CSS_ERW_CONS |
				((uint32_t)res->scnt << UVF_CSS_ERW_SCNT_SHIFT &
				 UVF_CSS_ERW_SCNT_MASK);
			memcpy(sch->ext.ecw, res->ecw, sizeof(sch->ext.ecw));
		}
	}
	sch->pci_owed = false;
	if (halted)
		uvf_css_sch_make_pending(sch, UVF_CSS_FN_HALT, sch->halt_seq,
					 true);
	else
		uvf_css_sch_make_pending(sch, UVF_CSS_FN_START,
					 sch->start_seq, true);
}

static void do_start(struct uvf_css_sch *sch)
{
	struct uvf_css_cp_result res;

	sch->busy = true;
	memset(&res, 0, sizeof(res));
	switch (uvf_css_cp_run(sch, &res)) {
	case UVF_CSS_CP_DONE:
		present_final(sch, &res);
		break;
	case UVF_CSS_CP_HALTED:
		do_halt(sch, &res);
		break;
	case UVF_CSS_CP_ABORTED:
		break;
	}
	sch->busy = false;
	pthread_cond_broadcast(&sch->changed);
}

static bool unsolicited_ready(const struct uvf_css_sch *sch)
{
	return sch->unsol_dstat && uvf_css_sch_operational(sch) &&
	       !(sch->scsw.ctrl & (UVF_CSS_FC_MASK | UVF_CSS_SC_PENDING));
}

static void present_unsolicited(struct uvf_css_sch *sch)
{
	sch->scsw = (struct uvf_css_scsw_host){
		.ctrl = UVF_CSS_SC_ALERT,
		.dstat = sch->unsol_dstat,
	};
	sch->unsol_dstat = 0;
	uvf_css_sch_set_esw(sch);
	uvf_css_sch_make_pending(sch, UVF_CSS_FN_NONE, 0, false);
}

void *uvf_css_worker_main(void *arg)
{
	struct uvf_css_sch *sch = arg;
	uint16_t ctrl;

	pthread_mutex_lock(&sch->lock);
	while (!sch->stop) {
		ctrl = sch->scsw.ctrl;
		if (sch->reset_dev) {
			sch->reset_dev = false;
			uvf_css_sch_unlock(sch);
			sch->ops->clear(sch->dev);
			pthread_mutex_lock(&sch->lock);
		} else if (sch->not_oper) {
			uvf_css_sch_wait(sch, &sch->wake);
		} else if (ctrl & UVF_CSS_AC_CLEAR_PEND) {
			do_clear(sch);
		} else if ((ctrl & UVF_CSS_AC_HALT_PEND) &&
			   !(ctrl & UVF_CSS_SC_PENDING)) {
			do_halt(sch, NULL);
		} else if ((ctrl & UVF_CSS_AC_START_PEND) &&
			   (ctrl & UVF_CSS_FC_MASK) == UVF_CSS_FC_START &&
			   !(ctrl & UVF_CSS_SC_PENDING)) {
			do_start(sch);
		} else if (unsolicited_ready(sch)) {
			present_unsolicited(sch);
		} else {
			sch->idle = true;
			uvf_css_sch_wait(sch, &sch->wake);
			sch->idle = false;
		}
	}
	sch->busy = false;
	pthread_cond_broadcast(&sch->changed);
	uvf_css_sch_unlock(sch);
	return NULL;
}
