/* SPDX-License-Identifier: MIT */
/*
 * css/instr.c - the subchannel I/O instructions (channel-io.md §1.9).
 *
 * Each instruction runs wholly under the subchannel lock: it checks the
 * condition codes in the architected priority (3, then 1, then 2), and only
 * when it returns cc 0 does it change the subchannel.  The functions
 * themselves (start, halt, clear) are performed later by the worker; an
 * instruction only records the request in the SCSW, takes a sequence number
 * for the tag, and wakes the worker.
 */
#include "css/internal.h"

#include <errno.h>
#include <string.h>

/* SCSW flags that mirror the ORB at SSCH (same bit positions). */
#define ORB_TO_SCSW_FLAGS \
	(UVF_CSS_ORB_KEY | UVF_CSS_ORB_S | UVF_CSS_ORB_F | UVF_CSS_ORB_P | \
	 UVF_CSS_ORB_I | UVF_CSS_ORB_A | UVF_CSS_ORB_U)

#define AC_PENDING_BITS \
	(UVF_CSS_AC_RESUME_PEND | UVF_CSS_AC_START_PEND | \
	 UVF_CSS_AC_HALT_PEND | UVF_CSS_AC_CLEAR_PEND | UVF_CSS_AC_SUSPENDED)

/* Tell the worker (and anyone waiting on the SCSW) that it changed. */
static void kick(struct uvf_css_sch *sch)
{
	sch->kick_due = true;	/* the worker is woken once the lock is dropped */
	pthread_cond_broadcast(&sch->changed);
}

static bool orb_valid(const struct uvf_css_orb_host *orb)
{
	/* Operand exceptions (QEMU ioinst_orb_valid): transport mode, MIDAW,
	 * reserved byte-7 bits, and a CPA with bit 0 set. */
	return !(orb->ctl & UVF_CSS_ORB_B) &&
	       !(orb->ctl2 & (UVF_CSS_ORB2_D | UVF_CSS_ORB2_RSVD)) &&
	       !(orb->cpa & 0x80000000u);
}

int uvf_css_ssch(struct uvf_css_sch *sch, const struct uvf_css_orb *orb_be)
{
	struct uvf_css_orb_host orb;
	int cc;

	uvf_css_orb_from_be(&orb, orb_be);
	if (!orb_valid(&orb))
		return -EINVAL;

	pthread_mutex_lock(&sch->lock);
	if (!uvf_css_sch_operational(sch)) {
		cc = 3;
	} else if (sch->scsw.ctrl & UVF_CSS_SC_PENDING) {
		cc = 1;
	} else if (sch->scsw.ctrl & UVF_CSS_FC_MASK) {
		cc = 2;
	} else {
		sch->orb = orb;
		sch->pmcw.intparm = orb.intparm;
		sch->pmcw.lpm = orb.lpm;
		sch->pmcw.pnom = 0;
		sch->scsw = (struct uvf_css_scsw_host){
			.flags = orb.ctl & ORB_TO_SCSW_FLAGS,
			.ctrl = UVF_CSS_FC_START | UVF_CSS_AC_START_PEND,
		};
		sch->pci_owed = false;
		sch->start_seq = ++sch->fn_seq;
		kick(sch);
		cc = 0;
	}
	uvf_css_sch_unlock(sch);
	return cc;
}

int uvf_css_rsch(struct uvf_css_sch *sch)
{
	uint16_t ctrl;
	int cc;

	pthread_mutex_lock(&sch->lock);
	ctrl = sch->scsw.ctrl;
	if (!uvf_css_sch_operational(sch)) {
		cc = 3;
	} else if (ctrl & UVF_CSS_SC_PENDING) {
		cc = 1;
	} else if ((ctrl & UVF_CSS_FC_MASK) != UVF_CSS_FC_START ||
		   !(ctrl & UVF_CSS_AC_SUSPENDED) ||
		   (ctrl & UVF_CSS_AC_RESUME_PEND) ||
		   !(sch->orb.ctl & UVF_CSS_ORB_S)) {
		cc = 2;
	} else {
		sch->scsw.ctrl |= UVF_CSS_AC_RESUME_PEND;
		kick(sch);
		cc = 0;
	}
	uvf_css_sch_unlock(sch);
	return cc;
}

int uvf_css_hsch(struct uvf_css_sch *sch)
{
	uint16_t ctrl, sc;
	int cc;

	pthread_mutex_lock(&sch->lock);
	ctrl = sch->scsw.ctrl;
	sc = ctrl & UVF_CSS_SC_MASK;
	if (!uvf_css_sch_operational(sch)) {
		cc = 3;
	} else if (sc == UVF_CSS_SC_PENDING ||
		   (sc & (UVF_CSS_SC_PRIMARY | UVF_CSS_SC_SECONDARY |
			  UVF_CSS_SC_ALERT))) {
		cc = 1;
	} else if (ctrl & (UVF_CSS_FC_HALT | UVF_CSS_FC_CLEAR)) {
		cc = 2;
	} else {
		/* Intermediate-only status of a start that is still going
		 * (active, or suspended: our extension of QEMU's rule, so a
		 * halt never has to wait for a TSCH) is withdrawn; a PCI in
		 * it is owed to the halt's status rather than lost. */
		if (sc == (UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING) &&
		    (ctrl & (UVF_CSS_AC_SCH_ACTIVE | UVF_CSS_AC_DEV_ACTIVE |
			     UVF_CSS_AC_SUSPENDED))) {
			if (sch->scsw.cstat & UVF_CSS_CS_PCI)
				sch->pci_owed = true;
			sch->scsw.ctrl &= ~UVF_CSS_SC_MASK;
			sch->scsw.flags &= ~UVF_CSS_SCSW_F_Z;
			memset(&sch->ext, 0, sizeof(sch->ext));
		}
		sch->scsw.ctrl |= UVF_CSS_FC_HALT | UVF_CSS_AC_HALT_PEND;
		sch->halt_seq = ++sch->fn_seq;
		kick(sch);
		cc = 0;
	}
	uvf_css_sch_unlock(sch);
	return cc;
}

int uvf_css_csch(struct uvf_css_sch *sch)
{
	int cc;

	pthread_mutex_lock(&sch->lock);
	if (!uvf_css_sch_operational(sch)) {
		cc = 3;
	} else {
		/* Withdraw everything: pending status, start, halt. */
		sch->scsw = (struct uvf_css_scsw_host){
			.ctrl = UVF_CSS_FC_CLEAR | UVF_CSS_AC_CLEAR_PEND,
		};
		memset(&sch->ext, 0, sizeof(sch->ext));
		memset(&sch->tag, 0, sizeof(sch->tag));
		sch->pci_owed = false;
		sch->clear_seq = ++sch->fn_seq;
		kick(sch);
		cc = 0;
	}
	uvf_css_sch_unlock(sch);
	return cc;
}

int uvf_css_xsch(struct uvf_css_sch *sch)
{
	uint16_t ctrl;
	int cc;

	pthread_mutex_lock(&sch->lock);
	ctrl = sch->scsw.ctrl;
	if (!uvf_css_sch_operational(sch)) {
		cc = 3;
	} else if (ctrl & UVF_CSS_SC_PENDING) {
		cc = 1;
	} else if ((ctrl & UVF_CSS_FC_MASK) != UVF_CSS_FC_START ||
		   !(ctrl & (UVF_CSS_AC_RESUME_PEND | UVF_CSS_AC_START_PEND |
			     UVF_CSS_AC_SUSPENDED)) ||
		   (ctrl & UVF_CSS_AC_SCH_ACTIVE)) {
		cc = 2;
	} else {
		/* The worker notices the start is gone (FC, start_seq) and
		 * abandons it without status. */
		sch->scsw.ctrl &= ~(UVF_CSS_FC_START | UVF_CSS_AC_RESUME_PEND |
				    UVF_CSS_AC_START_PEND |
				    UVF_CSS_AC_SUSPENDED);
		sch->scsw.dstat = 0;
		sch->scsw.cstat = 0;
		sch->pci_owed = false;
		kick(sch);
		cc = 0;
	}
	uvf_css_sch_unlock(sch);
	return cc;
}

/* TSCH's clearing rules (channel-io.md §1.9, QEMU css_do_tsch). */
static void tsch_clear(struct uvf_css_sch *sch)
{
	struct uvf_css_scsw_host *s = &sch->scsw;
	uint16_t sc = s->ctrl & UVF_CSS_SC_MASK;
	uint16_t fc = s->ctrl & UVF_CSS_FC_MASK;
	uint16_t ac = s->ctrl & UVF_CSS_AC_MASK;
	bool inter_only = sc == (UVF_CSS_SC_INTERMEDIATE | UVF_CSS_SC_PENDING);

	s->ctrl &= ~UVF_CSS_SC_MASK;
	if (!inter_only ||
	    ((fc & UVF_CSS_FC_HALT) && (ac & UVF_CSS_AC_SUSPENDED)))
		s->ctrl &= ~UVF_CSS_FC_MASK;
	if (!inter_only) {
		s->flags &= ~UVF_CSS_SCSW_F_N;
		s->ctrl &= ~AC_PENDING_BITS;
	} else if ((ac & UVF_CSS_AC_SUSPENDED) && (fc & UVF_CSS_FC_START)) {
		s->flags &= ~UVF_CSS_SCSW_F_N;
		if (fc & UVF_CSS_FC_HALT)
			s->ctrl &= ~AC_PENDING_BITS;
		else
			s->ctrl &= ~UVF_CSS_AC_RESUME_PEND;
	}
	s->flags &= ~UVF_CSS_SCSW_F_Z;
	memset(&sch->ext, 0, sizeof(sch->ext));
	memset(&sch->tag, 0, sizeof(sch->tag));
}

int uvf_css_tsch_tagged(struct uvf_css_sch *sch, struct uvf_css_irb *irb,
			struct uvf_css_tag *tag)
{
	struct uvf_css_tag t = { 0 };
	int cc;

	pthread_mutex_lock(&sch->lock);
	if (!uvf_css_sch_operational(sch)) {
		cc = 3;
	} else {
		uvf_css_irb_to_be(irb, &sch->scsw, &sch->ext);
		if (sch->scsw.ctrl & UVF_CSS_SC_PENDING) {
			/* What an idle worker waits for with the slot taken. */
			bool work = (sch->scsw.ctrl & (UVF_CSS_AC_START_PEND |
						       UVF_CSS_AC_HALT_PEND)) ||
				    sch->unsol_dstat;

			t = sch->tag;
			tsch_clear(sch);
			/* A busy worker may hold status for this free slot;
			 * an idle one has nothing to do unless work waited for
			 * the slot (the conditions of uvf_css_worker_main()). */
			if (work || !sch->idle)
				kick(sch);
			else
				pthread_cond_broadcast(&sch->changed);
			cc = 0;
		} else {
			cc = 1;
		}
	}
	uvf_css_sch_unlock(sch);
	if (tag)
		*tag = t;
	return cc;
}

int uvf_css_tsch(struct uvf_css_sch *sch, struct uvf_css_irb *irb)
{
	return uvf_css_tsch_tagged(sch, irb, NULL);
}

int uvf_css_stsch(struct uvf_css_sch *sch, struct uvf_css_schib *schib)
{
	struct uvf_css_schib_host h;

	pthread_mutex_lock(&sch->lock);
	h.pmcw = sch->pmcw;
	h.scsw = sch->scsw;
	h.mba = sch->mba;
	h.mda = sch->mda;
	uvf_css_sch_unlock(sch);
	uvf_css_schib_to_be(schib, &h);
	return 0;
}

#define MSCH_FLAGS \
	(UVF_CSS_PMCW_ISC | UVF_CSS_PMCW_ENA | UVF_CSS_PMCW_LM | \
	 UVF_CSS_PMCW_MME | UVF_CSS_PMCW_MP)
#define MSCH_CHARS (UVF_CSS_CHARS_MBFC | UVF_CSS_CHARS_CSENSE)

int uvf_css_msch(struct uvf_css_sch *sch, const struct uvf_css_schib *schib)
{
	struct uvf_css_schib_host h;
	int cc;

	uvf_css_schib_from_be(&h, schib);
	if ((h.pmcw.flags & UVF_CSS_PMCW_RSVD) ||
	    (h.pmcw.flags & UVF_CSS_PMCW_LM) == UVF_CSS_PMCW_LM ||
	    (h.pmcw.chars & (UVF_CSS_CHARS_RSVD | UVF_CSS_CHARS_XMWME)))
		return -EINVAL;

	pthread_mutex_lock(&sch->lock);
	if (!(sch->pmcw.flags & UVF_CSS_PMCW_DNV)) {
		cc = 0;		/* no device: cc 0 with no effect */
	} else if (sch->scsw.ctrl & UVF_CSS_SC_PENDING) {
		cc = 1;
	} else if (sch->scsw.ctrl & UVF_CSS_FC_MASK) {
		cc = 2;
	} else {
		/* Only the program-modifiable fields (QEMU's list). */
		sch->pmcw.intparm = h.pmcw.intparm;
		sch->pmcw.flags = (uint16_t)((sch->pmcw.flags & ~MSCH_FLAGS) |
					     (h.pmcw.flags & MSCH_FLAGS));
		sch->pmcw.lpm = h.pmcw.lpm;
		sch->pmcw.mbi = h.pmcw.mbi;
		sch->pmcw.pom = h.pmcw.pom;
		sch->pmcw.chars = (sch->pmcw.chars & ~MSCH_CHARS) |
				  (h.pmcw.chars & MSCH_CHARS);
		sch->mba = h.mba;
		/* Enabling may release held unsolicited status. */
		kick(sch);
		cc = 0;
	}
	uvf_css_sch_unlock(sch);
	return cc;
}
