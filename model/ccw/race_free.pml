/*
 * model/ccw/race_free.pml - the vfio-ccw mediated layer of uvfio exactly as
 * src/ccw/fsm.h specifies it (channel-io.md §4.7), over the simulated
 * subchannel and the VMM of common.pmh.  check.sh verifies it
 * exhaustively; it must report 0 errors.
 *
 * Processes: loop (the mediated layer: takes one event, runs its action
 * to completion), worker (the subchannel's functions), vmm, env (device
 * stops answering, device gone), quiet (checks every quiescent end).
 *
 * ---- fsm.h cell -> model transition ------------------------------------
 * The loop has one branch per event source; inside it the fsm.h column
 * is `ev` (VMM requests) or the branch itself, the row is `state`.
 *
 *   column     branch of loop()        rows -> action (inline)
 *   OPEN       mbox, ev == EV_OPEN     STANDBY: enable(); others: nop
 *   CLOSE      mbox, ev == EV_CLOSE    IDLE, BUSY: close (written out in
 *                                      place: disable() when vfc == 0,
 *                                      else HSCH, then CSCH in the next
 *                                      atomic if refused); NOT_OPER,
 *                                      STANDBY, CLOSING: nop
 *   IO_REQ     mbox, ev == EV_IO_REQ   IDLE: start(); NOT_OPER -ENODEV,
 *                                      STANDBY -EIO, BUSY and CLOSING
 *                                      -EBUSY (no effect but the result)
 *   HALT_REQ   mbox, ev == EV_HALT_REQ IDLE, BUSY: halt(); NOT_OPER
 *                                      -ENODEV, STANDBY -EIO, CLOSING -EBUSY
 *   CLEAR_REQ  mbox, ev == EV_CLEAR_REQ IDLE, BUSY: clear(); as HALT_REQ
 *                                      otherwise
 *   DOORBELL   bell                    IDLE, BUSY: fetch(); NOT_OPER,
 *                                      STANDBY: drain(); CLOSING:
 *                                      quiesce_fetch (TSCH, then disable()
 *                                      in the next atomic)
 *   IRB_READ   mbox, ev == EV_IRB_READ every row: ack()
 *   NOT_OPER   crw                     NOT_OPER: nop; others: notoper()
 *   TIMEOUT    timer                   CLOSING: escalate (in place);
 *                                      others: nop - unreachable here: the
 *                                      timer is armed only in CLOSING and
 *                                      cancelled on leaving it, as the
 *                                      single-threaded loop can
 *
 * Each `atomic` is the part of an action between two subchannel
 * instructions: the worker may run in between, the loop runs nothing else.
 *
 * Choices the table leaves open, made here (raise them if the C differs):
 *  - close's HSCH "refused" = any cc != 0; CSCH cc 3 (device gone) still
 *    enters CLOSING: the NOT_OPER event or the timer ends it;
 *  - escalate's CSCH with cc 3 counts as a try;
 *  - ack raises the doorbell iff the subchannel is status pending (STSCH);
 *  - quiesce_fetch sets vfc = 0 with the final status; intermediate status
 *    fetched while CLOSING is discarded (closing);
 *  - irb_pending survives CLOSE/OPEN (the table does not reset it): an IRB
 *    fetched before a reset is still delivered after it, once.
 *
 * Fixes to the table, on by default; -DLITERAL turns both off, -DNO_F1 /
 * -DNO_F2 one (`check.sh findings` replays both):
 *  F1 disable (close with vfc == 0; quiesce_fetch after its TSCH) can get
 *     MSCH cc 1: unsolicited status became pending.  As written the table
 *     goes to STANDBY with the subchannel enabled and status pending.  Fix
 *     here: TSCH and discard, MSCH again.
 *  F2 escalate's give-up keeps cp (right: the channel may still hold it)
 *     but nothing ever drops it: NOT_OPER x DOORBELL drains the final
 *     status of the clear that came late, NOT_OPER x NOT_OPER is nop.  Fix
 *     here: in NOT_OPER, drain drops cp on a final status, and the NOT_OPER
 *     event drops it (the subchannel guarantees the channel let go).
 *
 * ---- checked (safety: assertions + invalid end states) ------------------
 *  - attribution: every status fetched belongs to a function we have
 *    outstanding (fn and seq match, attribute()); intermediate status only
 *    to the running start; a halt/clear status never ends a start issued
 *    after it (clear_status_taken_as_end_of_later_start,
 *    earlier_status_taken_as_end_of_later_start);
 *  - programs: a reference is never dropped below zero or twice (cp_put);
 *    the channel's reference is dropped only after the subchannel
 *    presented the status that ended the start (channel_ref_dropped_early);
 *    a program is never freed while the channel holds it
 *    (live_program_freed); none outlives both users (program_leaked);
 *  - IRBs: a status is never overwritten in the subchannel (make_pending)
 *    or in the region (fetch); every fresh IRB read has a higher serial
 *    than the one before (exactly once, in order); a status leaves the
 *    path otherwise only by CSCH/HSCH withdrawal (architecture), the
 *    device going away, or the close/not-oper drain (by design);
 *  - after every event (invariants(), §4.7 test 6): cp != NULL iff a start
 *    is live in the subchannel (outstanding, or its ending status not yet
 *    fetched); vfc == SCSW FC; IDLE iff vfc == 0, BUSY iff vfc != 0;
 *    STANDBY iff disabled, without cp; a START reaches SSCH only with no
 *    IRB undelivered and nothing outstanding (start());
 *  - progress: quiet checks every quiescent end (nothing can move): never
 *    stuck in CLOSING; while open no status is left pending or undelivered
 *    (the VMM reads to the end); an answering device leaves no function
 *    outstanding.  check.sh also proves with pan -l (no progress labels)
 *    that the model has no cycle, so every run is finite and ends in such
 *    a state: these are the liveness properties, without fairness.
 *
 * ---- bounds (keep check.sh and this text in step) ------------------------
 * MAXOPS VMM requests (check.sh: 4 with every environment fault, 5 with
 * some, 6 with none, 3 for the cycle check); one channel program of one
 * command, with or without PCI; UVF_CCW_CLEAR_TRIES = 3 as in fsm.h; at
 * most one unsolicited status; the device goes away at most once; program
 * ids 1..2 (a new one differs from the one the channel may hold).
 * Why enough: every reachable cell is reached with 3 requests; the
 * collision needs CLEAR, START (-EBUSY), READ, START (4); the longest
 * distinct chains, a start ended by halt or clear and then a close with
 * the whole escalation and a reopen and new start, take 5-6.  A further
 * request only repeats a state already seen with larger sequence numbers,
 * and the model compares those only for order.
 *
 * Not modelled: CPA translation, path masks (-EACCES), suspend/resume,
 * XSCH, channel programs of more than one command, the CRW region,
 * DMA-unmap resets, reply messages (only their effects).
 */

/* The mediated layer's state comes first: the VMM in common.pmh reads
 * irb_pending (it reads the region while the eventfd says an IRB waits). */
/* enum uvf_ccw_state */
#define S_NOT_OPER	0
#define S_STANDBY	1
#define S_IDLE		2
#define S_BUSY		3
#define S_CLOSING	4

/* vfc: the FC bits we believe outstanding (same values as FC_*) */
#define V_START		FC_START
#define V_HALT		FC_HALT
#define V_CLEAR		FC_CLEAR

byte state = S_IDLE;
byte vfc;
bool irb_pending;
byte cp;		/* our program (0: NULL), an id 1..2 */
byte cp_ref;		/* the channel's + ours */
byte cp_seq;		/* the seq of its SSCH */
byte m_start, m_halt, m_clear;	/* seqs of what we issued (ghost) */
bool timer;
byte tries;		/* CLOSING: CSCHs issued so far (0: waiting for halt) */
byte region_sid, last_read;	/* serial in irb_area, last one read */

/* named conditions: Spin prints the name when an assertion fails */
bool clear_status_taken_as_end_of_later_start;
bool earlier_status_taken_as_end_of_later_start;
bool misattributed;
bool live_program_freed;
bool channel_ref_dropped_early;
bool program_leaked;

#define VMM_IRB_WAITING	(irb_pending)

#include "common.pmh"

#ifndef CLEAR_TRIES
#define CLEAR_TRIES	3		/* UVF_CCW_CLEAR_TRIES */
#endif
/* -DLITERAL: the table as written; -DNO_F1 / -DNO_F2: one fix off */
#if defined(LITERAL) || defined(NO_F1)
#define FIX_F1	0
#else
#define FIX_F1	1
#endif
#if defined(LITERAL) || defined(NO_F2)
#define FIX_F2	0
#else
#define FIX_F2	1
#endif

/* ---- programs ------------------------------------------------------------ */

inline cp_new()
{
	assert(cp == 0);
	/* an id that neither the channel nor we hold */
	if
	:: chan_cp != 1 -> cp = 1
	:: chan_cp == 1 -> cp = 2
	fi;
	cp_ref = 1;
	cp_seq = 0
}

inline cp_put()
{
	assert(cp != 0 && cp_ref > 0);
	cp_ref--;
	if
	:: cp_ref == 0 ->
		live_program_freed = (chan_cp == cp);
		assert(!live_program_freed);
		cp = 0;
		cp_seq = 0
	:: else -> skip
	fi
}

/* drop the channel's reference and ours: the subchannel presented the
 * status that ended the start (fetch), or let go (notoper) */
inline drop_cp()
{
	if
	:: cp != 0 ->
		channel_ref_dropped_early = (chan_cp == cp);
		assert(!channel_ref_dropped_early);
		assert(cp_ref == 2);
		cp_put();
		cp_put()
	:: else -> skip
	fi
}

/* ---- checks -------------------------------------------------------------- */

/* The status TSCH returned, against what we have outstanding. */
inline attribute()
{
	/* the same names as in kernel_deferred.pml */
	clear_status_taken_as_end_of_later_start =
		(!t_inter && t_fn == FN_CLEAR && cp != 0 && cp_seq > t_seq);
	assert(!clear_status_taken_as_end_of_later_start);
	earlier_status_taken_as_end_of_later_start =
		(!t_inter && cp != 0 && cp_seq > t_seq);
	assert(!earlier_status_taken_as_end_of_later_start);
	if
	:: t_inter ->
		misattributed = !(t_fn == FN_START && (vfc & V_START) &&
				  t_seq == m_start && cp != 0 &&
				  cp_seq == t_seq)
	:: !t_inter && t_fn == FN_START ->
		misattributed = !(vfc == V_START && t_seq == m_start &&
				  cp != 0 && cp_seq == t_seq)
	:: !t_inter && t_fn == FN_HALT ->
		misattributed = !((vfc & V_HALT) && !(vfc & V_CLEAR) &&
				  t_seq == m_halt &&
				  ((vfc & V_START) == (cp != 0)) &&
				  (cp == 0 || cp_seq < t_seq))
	:: !t_inter && t_fn == FN_CLEAR ->
		misattributed = !(vfc == V_CLEAR && t_seq == m_clear &&
				  (cp == 0 || cp_seq < t_seq))
	:: !t_inter && t_fn == FN_NONE ->
		misattributed = !(vfc == 0 && cp == 0)
	fi;
	assert(!misattributed)
}

/* channel-io.md §4.7 test 6, after every event */
inline invariants()
{
	printf("MDEV: -> state %d vfc %d cp %d irb_pending %d\n",
	       state, vfc, cp, irb_pending);
	if
	:: (state == S_IDLE || state == S_BUSY || state == S_CLOSING) &&
	   !not_oper ->
		assert((cp != 0) == start_live);
		assert(vfc == (ctrl & FC_MASK));
		assert(chan_cp == 0 || chan_cp == cp)
	:: else -> skip
	fi;
	assert(state != S_IDLE || vfc == 0);
	assert(state != S_BUSY || vfc != 0);
	assert(state != S_STANDBY || (!ena || not_oper));
	assert(state != S_STANDBY || cp == 0);
	assert(cp == 0 || cp_ref == 2);
	assert(timer == (state == S_CLOSING))
}

/* ---- actions ------------------------------------------------------------- */

/* MSCH ENA=0; F1: status may be pending (unsolicited attention) */
inline disable()
{
	msch(0, cc);
	do
	:: FIX_F1 && cc == 1 ->
		tsch(cc, t_fn, t_seq, t_sid, t_inter);	/* discard */
		msch(0, cc)
	:: else -> break
	od
}

inline enable()
{
	msch(1, cc);
	assert(cc == 0);
	state = S_IDLE
}

/* start: IDLE x IO_REQ */
inline start()
{
	if
	:: irb_pending -> skip				/* -EBUSY */
	:: !irb_pending ->
		cp_new();
		if
		:: true -> cp_put()		/* translation error (§2.3) */
		:: true ->
			ssch(cp, cc, seq);
			if
			:: cc == 0 ->
				assert(vfc == 0 && !irb_pending);
				cp_ref++;		/* the channel's */
				cp_seq = seq;
				m_start = seq;
				vfc = V_START;
				state = S_BUSY
			:: cc != 0 -> cp_put()	/* -EBUSY, -ENODEV */
			fi
		fi
	fi
}

/* halt: IDLE/BUSY x HALT_REQ */
inline halt()
{
	hsch(cc, seq);
	if
	:: cc == 0 ->
		vfc = vfc | V_HALT;
		m_halt = seq;
		state = S_BUSY
	:: cc != 0 -> skip			/* -EBUSY, -ENODEV */
	fi
}

/* clear: IDLE/BUSY x CLEAR_REQ */
inline clear()
{
	csch(cc, seq);
	if
	:: cc == 0 ->
		vfc = V_CLEAR;
		m_clear = seq;
		state = S_BUSY
	:: cc != 0 -> skip			/* -ENODEV */
	fi
}

/* fetch: IDLE/BUSY x DOORBELL.  Lazy TSCH: fetched only when the region
 * is free, attributed in the same step. */
inline fetch()
{
	if
	:: irb_pending -> skip
	:: !irb_pending ->
		tsch(cc, t_fn, t_seq, t_sid, t_inter);
		if
		:: cc == 0 ->
			attribute();
			if
			:: !t_inter ->
				drop_cp();
				vfc = 0;
				state = S_IDLE
			:: t_inter -> skip
			fi;
			assert(!irb_pending);
			region_sid = t_sid;
			irb_pending = 1
		:: cc != 0 -> skip
		fi
	fi
}

/* ack: any state x IRB_READ.  A fresh IRB must come in order, once. */
inline ack()
{
	if
	:: irb_pending ->
		assert(region_sid > last_read);
		last_read = region_sid
	:: else -> skip
	fi;
	irb_pending = 0;
	if
	:: (ctrl & SC_PEND) -> bell = 1
	:: else -> skip
	fi
}

/* drain: NOT_OPER/STANDBY x DOORBELL */
inline drain()
{
	tsch(cc, t_fn, t_seq, t_sid, t_inter);
	if
	:: FIX_F2 && cc == 0 && !t_inter && state == S_NOT_OPER && cp != 0 ->
		drop_cp()			/* F2 */
	:: else -> skip
	fi
}

/* notoper: STANDBY/IDLE/BUSY/CLOSING x NOT_OPER */
inline notoper()
{
	drop_cp();
	vfc = 0;
	timer = 0;
	state = S_NOT_OPER
}

/* ---- the mediated layer's event loop ---------------------------------- */

active proctype loop()
{
	byte ev, cc, seq, t_fn, t_seq, t_sid;
	bool t_inter, then_csch, then_disable;

end_wait:
	do
	/* ---- VMM requests ---- */
	:: atomic {
		mbox != EV_NONE ->
		ev = mbox;
		mbox = EV_NONE;
		printf("MDEV: request %d in state %d\n", ev, state);
		if
		:: ev == EV_OPEN ->		/* on_open */
			if
			:: state == S_STANDBY -> enable()
			:: else -> skip		/* nop */
			fi
		:: ev == EV_IO_REQ ->		/* on_io */
			if
			:: state == S_IDLE -> start()
			:: else -> skip	/* -ENODEV, -EIO, -EBUSY, -EBUSY */
			fi
		:: ev == EV_HALT_REQ ->		/* on_halt */
			if
			:: state == S_IDLE || state == S_BUSY -> halt()
			:: else -> skip	/* -ENODEV, -EIO, -EBUSY */
			fi
		:: ev == EV_CLEAR_REQ ->	/* on_clear */
			if
			:: state == S_IDLE || state == S_BUSY -> clear()
			:: else -> skip	/* -ENODEV, -EIO, -EBUSY */
			fi
		:: ev == EV_IRB_READ ->		/* on_read */
			ack()
		:: ev == EV_CLOSE ->		/* on_close */
			if
			:: (state == S_IDLE || state == S_BUSY) && vfc == 0 ->
				/* close, nothing outstanding */
				disable();
				state = S_STANDBY
			:: (state == S_IDLE || state == S_BUSY) && vfc != 0 ->
				/* close: HSCH, or CSCH if refused */
				hsch(cc, seq);
				if
				:: cc == 0 ->
					vfc = vfc | V_HALT;
					m_halt = seq;
					tries = 0;
					state = S_CLOSING;
					timer = 1
				:: cc != 0 -> then_csch = 1
				fi
			:: else -> skip		/* NOT_OPER, STANDBY, CLOSING */
			fi
		fi;
		ev = EV_NONE;
		if
		:: !then_csch -> cc = 0; seq = 0; invariants()
		:: else -> skip
		fi
	   };
		if
		:: atomic {
			then_csch ->
			/* close, second instruction: the halt was refused */
			then_csch = 0;
			csch(cc, seq);
			if
			:: cc == 0 ->
				vfc = V_CLEAR;
				m_clear = seq
			:: cc != 0 -> skip
			fi;
			tries = 1;
			state = S_CLOSING;
			timer = 1;
			cc = 0; seq = 0;
			invariants()
		   }
		:: else -> skip
		fi
	/* ---- the subchannel rang ---- */
	:: atomic {
		bell ->
		bell = 0;
		printf("MDEV: DOORBELL in state %d\n", state);
		if
		:: state == S_IDLE || state == S_BUSY -> fetch()
		:: state == S_NOT_OPER || state == S_STANDBY -> drain()
		:: state == S_CLOSING ->
			/* quiesce_fetch, first part: TSCH */
			tsch(cc, t_fn, t_seq, t_sid, t_inter);
			if
			:: cc == 0 && !t_inter ->
				attribute();
				drop_cp();
				vfc = 0;
				then_disable = 1
			:: else -> skip		/* intermediate: discarded */
			fi
		fi;
		cc = 0; t_fn = 0; t_seq = 0; t_sid = 0; t_inter = 0;
		if
		:: !then_disable -> invariants()
		:: else -> skip
		fi
	   };
		if
		:: atomic {
			then_disable ->
			/* quiesce_fetch, second part: disable -> STANDBY;
			 * the close/reset completes */
			then_disable = 0;
			disable();
			cc = 0; t_fn = 0; t_seq = 0; t_sid = 0; t_inter = 0;
			timer = 0;
			state = S_STANDBY;
			invariants()
		   }
		:: else -> skip
		fi
	/* ---- the CLOSING timer ---- */
	:: atomic {
		timer ->
		timer = 0;
		printf("MDEV: TIMEOUT, tries %d\n", tries);
		assert(state == S_CLOSING);	/* cancelled on leaving */
		if
		:: tries < CLEAR_TRIES ->
			/* escalate: halt (or a clear) timed out: CSCH */
			csch(cc, seq);
			if
			:: cc == 0 ->
				vfc = V_CLEAR;
				m_clear = seq
			:: cc != 0 -> skip
			fi;
			tries++;
			timer = 1
		:: tries >= CLEAR_TRIES ->
			/* give up -> NOT_OPER, the reset fails with -EIO;
			 * cp stays: the channel may still hold it */
			state = S_NOT_OPER
		fi;
		cc = 0; seq = 0;
		invariants()
	   }
	/* ---- the device went away (CRW) ---- */
	:: atomic {
		crw ->
		crw = 0;
		printf("MDEV: NOT_OPER (CRW) in state %d\n", state);
		if
		:: state != S_NOT_OPER -> notoper()
		:: state == S_NOT_OPER && FIX_F2 -> drop_cp()	/* F2 */
		:: state == S_NOT_OPER && !FIX_F2 -> skip		/* nop */
		fi;
		invariants()
	   }
	od
}

/* Quiescence: nothing can move any more.  Every run of the model is
 * finite, so this inspects the end of every run. */
active proctype quiet()
{
	timeout;
	atomic {
		assert(state != S_CLOSING);
		if
		:: (state == S_IDLE || state == S_BUSY) && !not_oper ->
			/* nothing left pending or undelivered while open */
			assert(!(ctrl & SC_PEND) && !irb_pending && !bell);
			/* an answering device ends every function */
			assert(state == S_IDLE || hang > 0)
		:: else -> skip
		fi;
		/* freed once both users are done: the channel presented the
		 * status that ended the start, and we fetched it (FC is
		 * clear then) or learnt that the device is gone.  A program
		 * we hold while a clear hangs is not leaked: we cannot know
		 * that the channel let go. */
		program_leaked = (cp != 0 && chan_cp != cp &&
				  (not_oper || !(ctrl & FC_MASK)));
		assert(!program_leaked)
	}
}
