/*
 * model/ccw/kernel_deferred.pml - the upstream Linux vfio-ccw design
 * (channel-io.md §4.2-4.5) over the same subchannel and VMM as
 * race_free.pml (common.pmh).  This model is EXPECTED TO FAIL: Spin must
 * find the HALT/CLEAR collision of §4.4 (Eric Farman, 2020-2021):
 *
 *   IDLE; the VMM issues CSCH; the clear completes and the host IRQ
 *   handler does TSCH at once (the subchannel is idle again) and queues
 *   io_work; the VMM issues a new START, SSCH gets cc 0 -> CP_PENDING;
 *   io_work then runs for the clear's IRB, sees a final solicited status
 *   in CP_PENDING and frees the NEW program while the channel uses it.
 *
 * check.sh passes when pan reports the error and the replayed trail
 * fails the assertion !(clear_status_taken_as_end_of_later_start).
 *
 * Processes and what they stand for (§4.3):
 *   irq    host I/O interrupt + fsm_irq: TSCH right away (under the
 *          subchannel lock), copy the IRB into the single private->irb,
 *          queue_work (a no-op when already queued);
 *   work   vfio_ccw_sch_io_todo: final = neither subchannel nor device
 *          active; solicited and final and state == CP_PENDING -> cp_free,
 *          state = IDLE; copy the IRB to irb_area, signal the eventfd.
 *          Whole body atomic: io_mutex is held over it since the 2026
 *          series, which serializes it against the request path but does
 *          not reorder it (§4.5 row 4);
 *   user   the write() path of the I/O and async regions (fsm_io_request,
 *          fsm_async_request), atomic under io_mutex + the subchannel
 *          spinlock, so CP_PROCESSING is never seen by anyone else;
 *   worker, env, vmm  as in common.pmh (no device gone, no hang, no
 *          unsolicited status, no CLOSE/OPEN: not needed for the race;
 *          the upstream close/quiesce path is out of scope).
 * The 2021 v6 fixes are in: cp_init refuses an initialized program
 * (-EBUSY); errors return to IDLE inside the request; the work sets IDLE
 * only if it freed the program.
 *
 * Bounds: MAXOPS VMM requests (default 3: CLEAR, START and one spare; the
 * collision needs two).
 *
 * -DCHECK_LOSS checks IRB loss instead of the collision (one property at a
 * time, so the first error Spin finds is the one asked for): private->irb
 * must never be overwritten before the work copied it (§4.5 row 5: PCI
 * then final before the work runs loses the PCI).
 */

#ifndef MAXOPS
#define MAXOPS		3
#endif

#define VMM_IRB_WAITING	(0)	/* the VMM stops after its budget */

/* upstream enum vfio_ccw_state (the ones the race needs) */
#define K_IDLE		2
#define K_CP_PROCESSING	3
#define K_CP_PENDING	4

byte kstate = K_IDLE;
byte cp;		/* private->cp: id when initialized, 0 otherwise */
byte cp_seq;		/* seq of its SSCH (ghost) */
bool work_queued;
/* private->irb, written by fsm_irq, read by the work */
byte irb_fn, irb_seq, irb_sid;
bool irb_inter, irb_fresh;
byte area_sid;		/* irb_area */

/* named conditions: Spin prints the name when an assertion fails */
bool clear_status_taken_as_end_of_later_start;
bool earlier_status_taken_as_end_of_later_start;
bool live_program_freed;
bool irb_lost;

#include "common.pmh"

/* host IRQ handler + fsm_irq */
active proctype irq()
{
	byte cc, t_fn, t_seq, t_sid;
	bool t_inter;

end_irq:
	do
	:: atomic {
		OPERATIONAL && (ctrl & SC_PEND) ->
		tsch(cc, t_fn, t_seq, t_sid, t_inter);
		assert(cc == 0);
#ifdef CHECK_LOSS
		irb_lost = irb_fresh;
		assert(!irb_lost);
#endif
		irb_fn = t_fn;
		irb_seq = t_seq;
		irb_sid = t_sid;
		irb_inter = t_inter;
		irb_fresh = 1;
		work_queued = 1;
		printf("IRQ: host TSCH took status #%d (fn %d seq %d), io_work queued, state %d\n",
		       t_sid, t_fn, t_seq, kstate);
		cc = 0; t_fn = 0; t_seq = 0; t_sid = 0; t_inter = 0
	   }
	od
}

/* io_work: decides what the IRB completes from the FSM state */
active proctype work()
{
end_work:
	do
	:: atomic {
		work_queued ->
		work_queued = 0;
		irb_fresh = 0;
		printf("WORK: IRB status #%d (fn %d seq %d) in state %d, cp %d (seq %d)\n",
		       irb_sid, irb_fn, irb_seq, kstate, cp, cp_seq);
		if
		:: irb_fn != FN_NONE && !irb_inter && kstate == K_CP_PENDING ->
			/* solicited, final, CP_PENDING: cp_free */
			clear_status_taken_as_end_of_later_start =
				(irb_fn == FN_CLEAR && cp != 0 &&
				 irb_seq < cp_seq);
			earlier_status_taken_as_end_of_later_start =
				(cp != 0 && irb_seq < cp_seq);
			live_program_freed = (cp != 0 && chan_cp == cp);
#ifndef CHECK_LOSS
			assert(!clear_status_taken_as_end_of_later_start);
			assert(!earlier_status_taken_as_end_of_later_start);
			assert(!live_program_freed);
#endif
			printf("WORK: frees program %d\n", cp);
			cp = 0;
			cp_seq = 0;
			kstate = K_IDLE
		:: else -> skip
		fi;
		area_sid = irb_sid
	   }
	od
}

/* the write() paths of the I/O and async regions */
active proctype user()
{
	byte ev, cc, seq;

end_user:
	do
	:: atomic {
		mbox != EV_NONE ->
		ev = mbox;
		mbox = EV_NONE;
		printf("USER: request %d in state %d\n", ev, kstate);
		if
		:: ev == EV_IO_REQ && kstate == K_IDLE ->
			/* fsm_io_request */
			kstate = K_CP_PROCESSING;
			if
			:: cp != 0 -> kstate = K_IDLE	/* cp_init: -EBUSY */
			:: cp == 0 ->
				if
				:: chan_cp != 1 -> cp = 1
				:: chan_cp == 1 -> cp = 2
				fi;
				ssch(cp, cc, seq);
				if
				:: cc == 0 ->
					cp_seq = seq;
					kstate = K_CP_PENDING
				:: cc != 0 ->
					cp = 0;		/* cp_free, -EBUSY/-ENODEV */
					kstate = K_IDLE
				fi
			fi
		:: ev == EV_IO_REQ && kstate == K_CP_PENDING -> skip	/* -EBUSY */
		:: ev == EV_HALT_REQ &&
		   (kstate == K_IDLE || kstate == K_CP_PENDING) ->
			hsch(cc, seq)		/* state unchanged */
		:: ev == EV_CLEAR_REQ &&
		   (kstate == K_IDLE || kstate == K_CP_PENDING) ->
			csch(cc, seq)		/* state unchanged */
		:: ev == EV_IRB_READ -> skip	/* reads irb_area */
		:: else -> skip
		fi;
		ev = EV_NONE; cc = 0; seq = 0
	   }
	od
}
