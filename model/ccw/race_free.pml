/*
 * model/ccw/race_free.pml - the vfio-ccw mediated layer of uvfio as
 * src/ccw/fsm.c implements the table of src/ccw/fsm.h (channel-io.md
 * §4.7), with ccw_enable, ccw_attach and ccw_reset of src/ccw/device.c,
 * over the simulated subchannel and the VMM of common.pmh.  Where the
 * table leaves a choice open the model does what the C does (listed
 * below).  check.sh verifies it exhaustively; it must report 0 errors.
 *
 * Processes: loop (the mediated layer: takes one event, runs its action
 * to completion), worker (the subchannel's functions), vmm, env (device
 * stops answering, device gone), monitor (invariants between events),
 * quiet (checks every quiescent end).
 *
 * ---- fsm.h cell -> model transition ------------------------------------
 * loop() has one branch per cell, or per group of cells with the same
 * action; its guard is the event source and the state.  The actions are
 * inlines named as in fsm.c.  A multi-step action (one subchannel
 * instruction per step) runs its first step in that branch; `next`
 * names the following step, a branch of its own at the end of loop():
 * N_TSCH (tsch_step: the TSCH loops of act_drain, act_drain_free,
 * act_quiesce_fetch), N_DISABLE (disable_step: close_done's MSCH ENA=0),
 * N_ENABLE (enable_step: act_enable's MSCH ENA=1), N_HSCH, N_CSCH
 * (close_hsch, close_csch: act_close).
 *
 *   column     event source           row -> action
 *   OPEN       mbox == EV_OPEN        STANDBY: act_enable (enable_step);
 *              (ccw_attach)           NOT_OPER, IDLE, BUSY: nop; CLOSING:
 *                                     never raised, ccw_attach sets reopen
 *                                     instead
 *   CLOSE      mbox == EV_CLOSE or    IDLE, BUSY: act_close - vfc == 0:
 *              EV_RESET (ccw_reset)   close_done (end_program, tsch_step,
 *                                     disable_step, enable_step); else HSCH
 *                                     (close_hsch, tsch_step, close_csch);
 *                                     NOT_OPER, STANDBY: nop, then ccw_reset
 *                                     clears irb_pending and re-opens from
 *                                     STANDBY; CLOSING: never raised,
 *                                     ccw_reset parks the reset instead
 *   IO_REQ     mbox == EV_IO_REQ      IDLE: act_start; NOT_OPER -ENODEV,
 *                                     STANDBY -EIO, BUSY and CLOSING -EBUSY
 *                                     (no effect but the result)
 *   HALT_REQ   mbox == EV_HALT_REQ    IDLE, BUSY: act_halt; NOT_OPER
 *                                     -ENODEV, STANDBY -EIO, CLOSING -EBUSY
 *   CLEAR_REQ  mbox == EV_CLEAR_REQ   IDLE, BUSY: act_clear; as HALT_REQ
 *                                     otherwise
 *   DOORBELL   bell                   IDLE, BUSY: act_fetch; STANDBY:
 *                                     act_drain; NOT_OPER: act_drain_free;
 *                                     CLOSING: act_quiesce_fetch (all three
 *                                     tsch_step; a final status in CLOSING:
 *                                     close_done as under CLOSE)
 *   IRB_READ   mbox == EV_IRB_READ    every row: act_ack; raised only while
 *                                     irb_pending (regions.c io_read)
 *   NOT_OPER   crw; also raised by    NOT_OPER: act_gone; others:
 *              act_fetch on TSCH cc 3 act_notoper (act_close, act_escalate
 *                                     and cc3() call act_notoper directly)
 *   TIMEOUT    timer                  CLOSING: act_escalate; others: nop,
 *                                     unreachable: armed only in CLOSING,
 *                                     cancelled on leaving it
 *
 * Each `atomic` holds at most one subchannel instruction (a critical
 * section of sch->lock) with the computation around it: the worker and
 * the environment may run between two instructions of one action (e.g.
 * between act_drain's last TSCH and ccw_enable's MSCH), the loop runs
 * nothing else.  Two things share a step with their neighbour: STSCH,
 * which only reads (ccw_enable, cc3(): what it reads cannot change in
 * between, see there), and the doorbell eventfd read with the TSCH after
 * it (a ring in between would only make a later doorbell find nothing,
 * which the model has anyway: CSCH withdraws status that rang).
 *
 * ---- the table's open choices, as fsm.c fills them ------------------
 *  - act_close, something outstanding: CLOSING, HSCH.  cc 0 or 2: wait
 *    for the halt (halt timer, clear_tries = 0).  cc 1: act_drain, HSCH
 *    again; cc 1 again: CSCH (its cc not looked at), clear_tries = 1,
 *    clear timer.  cc 3 (either HSCH): act_notoper, NOT_OPER at once, cp
 *    dropped (cc 3: the channel let go), the request fails -ENODEV.  vfc
 *    is not touched while CLOSING (nor by act_escalate).
 *  - act_escalate: clear_tries < UVF_CCW_CLEAR_TRIES: clear_tries++,
 *    CSCH; cc 3: act_notoper; else wait again.  Then to_notoper(c,
 *    false): NOT_OPER keeping cp (the channel may still hold it) until
 *    act_drain_free takes a final status or act_gone runs; a parked
 *    reset fails -EIO.
 *  - act_quiesce_fetch: TSCH while cc 0; the first final status of a
 *    function (fn != NONE) ends the close (close_done); intermediate and
 *    unsolicited status is dropped.
 *  - close_done: timer off, end_program, vfc = 0, act_drain,
 *    ccw_enable(c, false) (MSCH ENA=0; cc 1: TSCH and discard, MSCH
 *    again, 8 times at most; the result is not looked at), STANDBY,
 *    irb_pending = 0 (an unread IRB of the closed session is dropped),
 *    act_enable if reopen (a reset with a client, or one attached while
 *    closing), answer a parked reset.
 *  - act_enable: ccw_enable(c, true), same cc-1 loop; failure:
 *    act_notoper.
 *  - act_fetch: a status ends the outstanding function(s) iff fn != NONE
 *    and final; TSCH cc 3 raises NOT_OPER.  act_ack: irb_pending = 0,
 *    then act_fetch in IDLE/BUSY (its TSCH gets cc 1 if nothing waits).
 *  - device.c: ccw_attach in CLOSING sets reopen; ccw_reset sets reopen
 *    = client attached, parks the reset in CLOSING (no CLOSE event) or
 *    when CLOSE returns -EINPROGRESS, else clears irb_pending and re-opens
 *    from STANDBY.
 * The table's flaws F1 (disable ignored MSCH cc 1: STANDBY enabled with
 * status pending) and F2 (a program kept by escalate's give-up was never
 * freed), found by an earlier version of this model, are fixed in the C
 * (ccw_enable's retry loop; act_drain_free and act_gone): the model has
 * only that behaviour (its -DLITERAL/-DNO_F1/-DNO_F2 switches and
 * `check.sh findings` are gone; `check.sh coverage` shows the fixed paths
 * reached: probes 5, 10, 11 below).
 *
 * ---- checked (safety: assertions + invalid end states) ------------------
 *  - attribution: every status act_fetch takes belongs to a function we
 *    have outstanding (fn and seq match, attribute()); intermediate
 *    status only to the running start; a halt/clear status never ends a
 *    start issued after it (clear_status_taken_as_end_of_later_start,
 *    earlier_status_taken_as_end_of_later_start); the status a close
 *    ends on is the running start's or the latest halt's or clear's
 *    (closing_attribute());
 *  - programs: a reference is never dropped below zero or twice (cp_put);
 *    the channel's reference is dropped only after the subchannel
 *    presented the status that ended the start, or let go
 *    (channel_ref_dropped_early); a program is never freed while the
 *    channel holds it (live_program_freed); none outlives both users
 *    (program_leaked);
 *  - IRBs: a status is never overwritten in the subchannel (make_pending)
 *    or in the region (act_fetch); every fresh IRB read has a higher
 *    serial than the one before (exactly once, in order); a status leaves
 *    the path otherwise only by CSCH/HSCH withdrawal (architecture), the
 *    device going away, or a close/not-oper drain (by design);
 *  - between events, in every state (monitor, INV_*; §4.7 test 6): in
 *    IDLE/BUSY, cp != NULL iff a start is live in the subchannel, vfc ==
 *    SCSW FC, the subchannel enabled (so cc 3 there means the device is
 *    gone); in CLOSING a live start has its cp; IDLE iff vfc == 0, BUSY
 *    iff vfc != 0; STANDBY: disabled, no cp, no IRB; the timer armed iff
 *    CLOSING; a parked reset only while CLOSING; open iff a client is
 *    attached; and a START reaches SSCH only with no IRB undelivered and
 *    nothing outstanding (act_start asserts it);
 *  - progress: quiet checks every quiescent end (nothing can move): never
 *    stuck in CLOSING, no reset left unanswered; while open no status is
 *    left pending or undelivered (the VMM reads to the end); an answering
 *    device leaves no function outstanding.  check.sh also proves with
 *    pan -l (no progress labels) that the model has no cycle, so every
 *    run is finite and ends in such a state: these are the liveness
 *    properties, without fairness.
 *
 * ---- coverage (check.sh coverage) ---------------------------------------
 * reached(n) marks a path of fsm.c/device.c: 1 act_close HSCH cc 1,
 * 2 its CSCH after a second cc 1, 3 HSCH cc 2, 4 HSCH cc 3, 5 close_done's
 * MSCH cc 1, 6 act_enable's MSCH cc 1, 7 act_enable fails, 8 escalate
 * gives up, 9 escalate's CSCH cc 3, 10 act_drain_free frees cp, 11 act_gone
 * frees cp, 12 cc3() -EACCES, 13 ccw_reset re-opens from STANDBY,
 * 14 ccw_attach in CLOSING, 15 ccw_reset parks in CLOSING, 16 a close
 * ends on the start's own status, 17 act_ack's fetch takes a status,
 * 18 act_drain takes a status, 19 MSCH ENA=1 cc 2, 20 MSCH ENA=0 cc 2,
 * 21 close_done re-opens, 22 act_fetch TSCH cc 3, 23 close_done answers
 * a parked reset, 24 to_notoper fails one.
 * unreachable probes: 6 7 12 13 16 19 20
 * Why: a disabled subchannel gets no status and close_done disables
 * only after a final status (FC clear) or with vfc == 0 (= FC): no MSCH
 * cc 1 on enable, no cc 2 (6, 7, 19, 20); in IDLE/BUSY the subchannel is
 * enabled, so cc 3 means the device is gone (12); STANDBY only without
 * a client (13); HSCH makes a running start end with the halt's status
 * (16).  The unreachable code is modelled all the same.
 *
 * ---- bounds (keep check.sh and this text in step) ------------------------
 * MAXOPS VMM requests (check.sh: 3 with every environment fault, 4 with
 * the device gone or unsolicited status, 5 with a device that stops
 * answering, 6 with none, 3 for the cycle check); one channel program of
 * one command, with or without PCI; UVF_CCW_CLEAR_TRIES = 3 as in fsm.h;
 * at most one unsolicited status; the device goes away at most once;
 * program ids 1..2 (a new one differs from the one the channel may hold).
 * Why enough: every probe above that can be reached is reached with 3
 * requests (check.sh coverage); the collision needs CLEAR, START
 * (-EBUSY), READ, START (4); a reset is one request (close and re-open),
 * so a start ended by halt or clear, then a reset with the whole
 * escalation and re-open, then a new start is 4.  A further request only
 * repeats a state already seen with larger sequence numbers, and the
 * model compares those only for order.  Run once beyond the test budget
 * (COLLAPSE, up to 5 GB), 0 errors: every fault with 4 and with 5
 * requests (15 and 79 million states), gone/unsolicited with 5 (16),
 * hang with 6 (50), none with 7 (18); and the unreachable probes stay
 * unreachable with every fault and 4 requests.
 *
 * Not modelled: CPA translation, path masks (-EACCES: one path),
 * suspend/resume, XSCH, channel programs of more than one command, the
 * CRW region, migration (unsolicited status dropped while stopped),
 * DMA-unmap resets (ccw_dma_unmap raises CLOSE as ccw_reset does, without
 * its CLOSING check, where CLOSE is a nop, and without a reply), reply
 * messages (only their effects).
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

/* struct ccw_dev (src/ccw/ccw.h), the fields the fsm uses */
byte state = S_IDLE;
byte vfc;
bool irb_pending;
byte cp;		/* c->cp (0: NULL), an id 1..2 */
byte cp_ref;		/* its references: the channel's (chan_ref) + ours */
bool timer;		/* c->timer armed */
byte tries;		/* c->clear_tries */
bool reopen;		/* c->reopen */
bool reset_parked;	/* c->reset_parked */
byte next;		/* the loop's next step of a multi-step action (N_*) */
/* ghosts */
byte cp_seq;		/* the seq of cp's SSCH */
byte m_start, m_halt, m_clear;	/* seqs of the functions we issued */
byte region_sid, last_read;	/* serial in irb_area, last one read */

/* named conditions: Spin prints the name when an assertion fails */
bool clear_status_taken_as_end_of_later_start;
bool earlier_status_taken_as_end_of_later_start;
bool misattributed;
bool live_program_freed;
bool channel_ref_dropped_early;
bool program_leaked;

#define VMM_IRB_WAITING	(irb_pending && connected)

#include "common.pmh"

#ifndef CLEAR_TRIES
#define CLEAR_TRIES	3		/* UVF_CCW_CLEAR_TRIES */
#endif
#define ENABLE_RETRIES	8		/* ccw_enable's cc-1 retries */

/* what a TSCH loop does with the status it takes */
#define K_DRAIN		0	/* act_drain: discard */
#define K_FREE		1	/* act_drain_free: a final status frees cp */
#define K_QUIESCE	2	/* act_quiesce_fetch: a final status closes */

/* the loop's next step of a multi-step action (`next`) */
#define N_NONE		0
#define N_TSCH		1	/* a TSCH loop's next TSCH (kind dk), then `after` */
#define N_DISABLE	2	/* close_done: ccw_enable(c, false)'s MSCH */
#define N_ENABLE	3	/* act_enable: ccw_enable(c, true)'s MSCH */
#define N_HSCH		4	/* act_close: HSCH again after act_drain */
#define N_CSCH		5	/* act_close: CSCH after a second HSCH cc 1 */

/* Coverage: -DPROBE=n makes reaching point n an assertion failure, so
 * pan shows a trail to it (check.sh coverage); nothing by default. */
#ifdef PROBE
#define reached(n)	assert(PROBE != n)
#else
#define reached(n)	skip
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

/* uvf_ccw_cp_put() of the last reference (a failed start's) */
inline cp_put()
{
	assert(cp != 0 && cp_ref == 1);
	live_program_freed = (chan_cp == cp);
	assert(!live_program_freed);
	cp = 0;
	cp_ref = 0;
	cp_seq = 0
}

/* end_program(): the channel's reference and ours go (the subchannel
 * presented the status that ended the start, or let go) */
inline end_program()
{
	if
	:: cp != 0 ->
		channel_ref_dropped_early = (chan_cp == cp);
		assert(!channel_ref_dropped_early);
		assert(cp_ref == 2);
		cp_ref = 1;
		cp_put()
	:: else -> skip
	fi
}

/* ---- checks -------------------------------------------------------------- */

/* The status act_fetch's TSCH returned, against what we have outstanding. */
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

/* The final status act_quiesce_fetch closes on: vfc is not kept while
 * CLOSING (act_close and act_escalate do not touch it), so against the
 * ghosts: the running start itself, or the latest halt or clear. */
inline closing_attribute()
{
	clear_status_taken_as_end_of_later_start =
		(t_fn == FN_CLEAR && cp != 0 && cp_seq > t_seq);
	assert(!clear_status_taken_as_end_of_later_start);
	earlier_status_taken_as_end_of_later_start =
		(cp != 0 && cp_seq > t_seq);
	assert(!earlier_status_taken_as_end_of_later_start);
	misattributed = !((t_fn == FN_START && cp != 0 && t_seq == cp_seq &&
			   t_seq == m_start) ||
			  (t_fn == FN_HALT && t_seq == m_halt) ||
			  (t_fn == FN_CLEAR && t_seq == m_clear));
	assert(!misattributed)
}

/* channel-io.md §4.7 test 6: invariants between events (next ==
 * N_NONE), checked by the monitor process in every such state. */
#define ALIVE		(!not_oper)
#define OPEN_ALIVE	((state == S_IDLE || state == S_BUSY) && ALIVE)
#define CLOSING_ALIVE	(state == S_CLOSING && ALIVE)
#define INV_OPEN_ENABLED	(!OPEN_ALIVE || ena)
#define INV_CP_IFF_LIVE_START	(!OPEN_ALIVE || (cp != 0) == start_live)
#define INV_VFC_IS_FC		(!OPEN_ALIVE || vfc == (ctrl & FC_MASK))
#define INV_CHANNEL_HOLDS_CP	(!(OPEN_ALIVE || CLOSING_ALIVE) || \
				 chan_cp == 0 || chan_cp == cp)
#define INV_CLOSING_LIVE_START_HAS_CP	(!CLOSING_ALIVE || !start_live || cp != 0)
#define INV_IDLE_VFC		(state != S_IDLE || vfc == 0)
#define INV_BUSY_VFC		(state != S_BUSY || vfc != 0)
#define INV_STANDBY		(state != S_STANDBY || \
				 ((!ena || not_oper) && cp == 0 && !irb_pending))
#define INV_CP_REFS		(cp == 0 || cp_ref == 2)
#define INV_TIMER_IFF_CLOSING	(timer == (state == S_CLOSING))
#define INV_PARKED_ONLY_CLOSING	(!reset_parked || state == S_CLOSING)
/* open iff a client is there, once the loop has taken its attach or
 * detach from the mailbox (or the device is gone) */
#define INV_NO_CLIENT_NOT_OPEN	(connected || mbox == EV_CLOSE || \
				 (state != S_IDLE && state != S_BUSY))
#define INV_CLIENT_NOT_STANDBY	(!connected || mbox == EV_OPEN || \
				 state != S_STANDBY)

#define CHECK(inv)	:: atomic { next == N_NONE && !(inv) -> assert(inv) }

active proctype monitor()
{
end_monitor:
	do
	CHECK(INV_OPEN_ENABLED)
	CHECK(INV_CP_IFF_LIVE_START)
	CHECK(INV_VFC_IS_FC)
	CHECK(INV_CHANNEL_HOLDS_CP)
	CHECK(INV_CLOSING_LIVE_START_HAS_CP)
	CHECK(INV_IDLE_VFC)
	CHECK(INV_BUSY_VFC)
	CHECK(INV_STANDBY)
	CHECK(INV_CP_REFS)
	CHECK(INV_TIMER_IFF_CLOSING)
	CHECK(INV_PARKED_ONLY_CLOSING)
	CHECK(INV_NO_CLIENT_NOT_OPEN)
	CHECK(INV_CLIENT_NOT_STANDBY)
	od
}

/* ---- actions (src/ccw/fsm.c; device.c for ccw_enable, ccw_attach,
 * ccw_reset) ---------------------------------------------------------------
 * A multi-step action runs its first step in the loop's branch for the
 * event; `next` names the following one (N_*), N_NONE ends the event. */

/* End of an event: the action ran to completion.  Scratch is cleared;
 * clear_tries is dead outside CLOSING (act_close sets it before use), so
 * it is cleared too (that only merges states that behave the same). */
inline done()
{
	next = N_NONE;
	cc = 0; hcc = 0; mcc = 0; seq = 0;
	t_fn = 0; t_seq = 0; t_sid = 0; t_inter = 0;
	if
	:: state != S_CLOSING -> tries = 0
	:: else -> skip
	fi;
	printf("MDEV: -> state %d vfc %d cp %d irb_pending %d\n",
	       state, vfc, cp, irb_pending)
}

/* to_notoper(c, channel_gone) */
inline to_notoper(gone)
{
	timer = 0;
	if
	:: gone -> end_program()
	:: else -> skip		/* the channel may still hold cp */
	fi;
	vfc = 0;
	state = S_NOT_OPER;
	printf("MDEV: -> NOT_OPER, REQ irq\n");
	if
	:: reset_parked ->
		reached(24);
		reset_parked = 0;
		printf("MDEV: parked reset fails (1 -ENODEV, 0 -EIO): %d\n", gone)
	:: else -> skip
	fi
}

inline act_notoper()
{
	to_notoper(1)
}

/* cc3(): STSCH; a path left -> -EACCES, else act_notoper.  One path here,
 * DNV = !not_oper.  (The STSCH shares the failing instruction's step:
 * INV_OPEN_ENABLED shows cc 3 in IDLE/BUSY comes only from not_oper,
 * which stays set, so a later STSCH would see the same.) */
inline cc3()
{
	if
	:: !not_oper -> reached(12)	/* -EACCES */
	:: not_oper -> act_notoper()	/* -ENODEV */
	fi
}

/* act_start: IDLE x IO_REQ */
inline act_start()
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
			:: cc == 1 || cc == 2 -> cp_put()	/* -EBUSY */
			:: cc == 3 -> cp_put(); cc3()
			fi
		fi
	fi
}

/* act_halt: IDLE/BUSY x HALT_REQ */
inline act_halt()
{
	hsch(cc, seq);
	if
	:: cc == 0 ->
		vfc = vfc | V_HALT;
		m_halt = seq;
		state = S_BUSY
	:: cc == 1 || cc == 2 -> skip		/* -EBUSY */
	:: cc == 3 -> cc3()
	fi
}

/* act_clear: IDLE/BUSY x CLEAR_REQ */
inline act_clear()
{
	csch(cc, seq);
	if
	:: cc == 0 ->
		vfc = V_CLEAR;
		m_clear = seq;
		state = S_BUSY
	:: cc == 3 -> cc3()
	fi
}

/* act_fetch: IDLE/BUSY x DOORBELL, and from act_ack.  Lazy TSCH: fetched
 * only when the region is free, attributed in the same step. */
inline act_fetch()
{
	if
	:: irb_pending -> skip
	:: !irb_pending ->
		tsch(cc, t_fn, t_seq, t_sid, t_inter);
		if
		:: cc == 3 -> reached(22); act_notoper()	/* the NOT_OPER event */
		:: cc == 1 -> skip
		:: cc == 0 ->
			attribute();
			if
			:: t_fn != FN_NONE && !t_inter ->
				end_program();
				vfc = 0;
				state = S_IDLE
			:: else -> skip
			fi;
			assert(!irb_pending);
			region_sid = t_sid;
			irb_pending = 1
		fi
	fi
}

/* act_ack: any state x IRB_READ (raised only while irb_pending).  A
 * fresh IRB must come in order, once. */
inline act_ack()
{
	assert(irb_pending && region_sid > last_read);
	last_read = region_sid;
	irb_pending = 0;
	if
	:: state == S_IDLE || state == S_BUSY ->
		act_fetch();
		if
		:: irb_pending -> reached(17)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* close_done's end: the reset reply (a failed re-open replied already) */
inline cd_finish()
{
	if
	:: reset_parked ->
		reached(23);
		reset_parked = 0;
		printf("MDEV: parked reset done\n")
	:: else -> skip
	fi
}

/* One TSCH of a `while (tsch == 0)` loop of kind dk: act_drain,
 * act_drain_free, act_quiesce_fetch; when it ends (cc != 0), `after`. */
inline tsch_step()
{
	tsch(cc, t_fn, t_seq, t_sid, t_inter);
	if
	:: cc == 0 && dk == K_FREE && t_fn != FN_NONE && !t_inter ->
		/* act_drain_free: the late end of a program given up on */
		if
		:: cp != 0 -> reached(10)
		:: else -> skip
		fi;
		end_program()
	:: cc == 0 && dk == K_QUIESCE && t_fn != FN_NONE && !t_inter ->
		/* act_quiesce_fetch: close_done(c, 0) */
		closing_attribute();
		if
		:: t_fn == FN_START -> reached(16)
		:: else -> skip
		fi;
		timer = 0;
		end_program();
		vfc = 0;
		dk = K_DRAIN;		/* act_drain: the next TSCH */
		after = N_DISABLE
	:: cc == 0 && dk == K_DRAIN -> reached(18)	/* dropped */
	:: else -> skip				/* dropped */
	fi;
	if
	:: cc != 0 ->
		next = after;
		after = N_NONE;
		dk = K_DRAIN;
		if
		:: next == N_NONE -> done()
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* close_done: ccw_enable(c, false)'s MSCH (its result is not looked at),
 * STANDBY, act_enable if reopen, the reset's reply */
inline disable_step()
{
	msch(0, mcc);
	if
	:: mcc == 2 -> reached(20)
	:: else -> skip
	fi;
	if
	:: mcc == 1 && k < ENABLE_RETRIES ->
		reached(5);
		k++;
		next = N_TSCH;		/* act_drain's, then MSCH again */
		dk = K_DRAIN;
		after = N_DISABLE
	:: else ->
		k = 0;
		state = S_STANDBY;
		irb_pending = 0;
		if
		:: reopen -> reached(21); reopen = 0; next = N_ENABLE
		:: else -> cd_finish(); done()
		fi
	fi
}

/* act_enable: ccw_enable(c, true)'s MSCH; failure: act_notoper.  From
 * STANDBY x OPEN, ccw_reset's re-open and close_done (reset_parked is
 * false in the first two: INV_PARKED_ONLY_CLOSING). */
inline enable_step()
{
	msch(1, mcc);
	if
	:: mcc == 2 -> reached(19)
	:: else -> skip
	fi;
	if
	:: mcc == 1 && k < ENABLE_RETRIES ->
		reached(6);
		k++;
		next = N_TSCH;
		dk = K_DRAIN;
		after = N_ENABLE
	:: else ->
		k = 0;
		if
		:: mcc != 0 -> reached(7); act_notoper()	/* -ENODEV */
		:: else -> state = S_IDLE
		fi;
		cd_finish();
		done()
	fi
}

/* act_close, something outstanding: HSCH (again after act_drain when
 * next == N_HSCH), and ccw_reset's part */
inline close_hsch()
{
	hsch(hcc, seq);
	if
	:: hcc == 0 -> m_halt = seq
	:: else -> skip
	fi;
	if
	:: hcc == 1 && next != N_HSCH ->
		reached(1);
		next = N_TSCH;		/* act_drain, then HSCH again */
		dk = K_DRAIN;
		after = N_HSCH
	:: hcc == 1 && next == N_HSCH ->
		next = N_CSCH
	:: hcc == 3 ->
		/* act_notoper, -ENODEV; ccw_reset: irb_pending = 0 */
		reached(4);
		act_notoper();
		irb_pending = 0;
		reopen = 0;
		done()
	:: hcc == 0 || hcc == 2 ->
		/* wait for the halt; -EINPROGRESS: the reset is parked */
		if
		:: hcc == 2 -> reached(3)
		:: else -> skip
		fi;
		timer = 1;
		reset_parked = 1;
		done()
	fi
}

/* act_close after a second HSCH cc 1: CSCH, clear_tries = 1 */
inline close_csch()
{
	reached(2);
	tries = 1;
	csch(cc, seq);		/* its cc is not looked at */
	if
	:: cc == 0 -> m_clear = seq
	:: else -> skip
	fi;
	timer = 1;
	reset_parked = 1;	/* -EINPROGRESS */
	done()
}

/* ---- the mediated layer's event loop ------------------------------------
 * One branch per fsm.h cell (or group of cells with one action), taken
 * only between events (next == N_NONE); its guard is the event and the
 * state, its step runs the action up to and with its first instruction.
 * Then one branch per further step while next != N_NONE. */

#define TAKE	printf("MDEV: request %d in state %d\n", mbox, state); \
		mbox = EV_NONE
#define FREE		(next == N_NONE)
#define CLOSE_REQ	(mbox == EV_CLOSE || mbox == EV_RESET)
#define OPEN_ST		(state == S_IDLE || state == S_BUSY)

active proctype loop()
{
	byte cc, hcc, mcc, k, seq, t_fn, t_seq, t_sid, after, dk;
	bool t_inter;

end_wait:
	do
	/* ---- OPEN: ccw_attach ---- */
	:: atomic {
		FREE && mbox == EV_OPEN && state == S_CLOSING ->
		TAKE;
		reached(14);
		reopen = 1;		/* device.c: open when the close is done */
		done()
	   }
	:: atomic {
		FREE && mbox == EV_OPEN && state == S_STANDBY ->
		TAKE;
		enable_step()		/* act_enable */
	   }
	:: atomic {
		FREE && mbox == EV_OPEN && state != S_CLOSING &&
		state != S_STANDBY ->
		TAKE;
		done()			/* nop */
	   }
	/* ---- CLOSE: ccw_reset (DEVICE_RESET, or the client gone) ---- */
	:: atomic {
		FREE && CLOSE_REQ && state == S_CLOSING ->
		TAKE;
		reached(15);
		reopen = connected;
		reset_parked = 1;	/* ends with the close under way */
		done()
	   }
	:: atomic {
		FREE && CLOSE_REQ && OPEN_ST && vfc == 0 ->
		TAKE;
		reopen = connected;
		/* act_close -> close_done: end_program, act_drain's TSCH;
		 * then ccw_reset has nothing left to do (close_done cleared
		 * irb_pending and consumed reopen) */
		timer = 0;
		end_program();
		vfc = 0;
		next = N_TSCH;
		dk = K_DRAIN;
		after = N_DISABLE;
		tsch_step()
	   }
	:: atomic {
		FREE && CLOSE_REQ && OPEN_ST && vfc != 0 ->
		TAKE;
		reopen = connected;
		tries = 0;		/* act_close */
		state = S_CLOSING;
		close_hsch()
	   }
	:: atomic {
		FREE && CLOSE_REQ && (state == S_NOT_OPER || state == S_STANDBY) ->
		TAKE;
		reopen = connected;
		/* CLOSE: nop; ccw_reset: irb_pending = 0, re-open */
		irb_pending = 0;
		if
		:: reopen && state == S_STANDBY ->
			reached(13);
			reopen = 0;
			enable_step()
		:: else -> reopen = 0; done()
		fi
	   }
	/* ---- IO_REQ, HALT_REQ, CLEAR_REQ, IRB_READ ---- */
	:: atomic {
		FREE && mbox == EV_IO_REQ ->
		TAKE;
		if
		:: state == S_IDLE -> act_start()
		:: else -> skip	/* -ENODEV, -EIO, -EBUSY, -EBUSY */
		fi;
		done()
	   }
	:: atomic {
		FREE && mbox == EV_HALT_REQ ->
		TAKE;
		if
		:: OPEN_ST -> act_halt()
		:: else -> skip	/* -ENODEV, -EIO, -EBUSY */
		fi;
		done()
	   }
	:: atomic {
		FREE && mbox == EV_CLEAR_REQ ->
		TAKE;
		if
		:: OPEN_ST -> act_clear()
		:: else -> skip	/* -ENODEV, -EIO, -EBUSY */
		fi;
		done()
	   }
	:: atomic {
		FREE && mbox == EV_IRB_READ ->
		TAKE;
		if
		:: irb_pending -> act_ack()
		:: else -> skip		/* no event */
		fi;
		done()
	   }
	/* ---- DOORBELL: the subchannel rang ---- */
	:: atomic {
		FREE && bell && OPEN_ST ->
		bell = 0;
		printf("MDEV: DOORBELL in state %d\n", state);
		act_fetch();
		done()
	   }
	:: atomic {
		FREE && bell && !OPEN_ST ->
		bell = 0;
		printf("MDEV: DOORBELL in state %d\n", state);
		/* act_drain_free, act_drain, act_quiesce_fetch */
		dk = (state == S_NOT_OPER -> K_FREE :
		      (state == S_STANDBY -> K_DRAIN : K_QUIESCE));
		next = N_TSCH;
		after = N_NONE;
		tsch_step()
	   }
	/* ---- TIMEOUT: armed only in CLOSING, cancelled on leaving it ---- */
	:: atomic {
		FREE && timer ->
		timer = 0;
		printf("MDEV: TIMEOUT, clear_tries %d\n", tries);
		assert(state == S_CLOSING);
		/* act_escalate */
		if
		:: tries >= CLEAR_TRIES ->
			reached(8);
			to_notoper(0)		/* give up, -EIO */
		:: else ->
			tries++;
			csch(cc, seq);
			if
			:: cc == 3 -> reached(9); act_notoper()
			:: else -> m_clear = seq; timer = 1
			fi
		fi;
		done()
	   }
	/* ---- NOT_OPER: the device went away (CRW) ---- */
	:: atomic {
		FREE && crw ->
		crw = 0;
		printf("MDEV: NOT_OPER (CRW) in state %d\n", state);
		if
		:: state == S_NOT_OPER ->		/* act_gone */
			if
			:: cp != 0 -> reached(11)
			:: else -> skip
			fi;
			end_program()
		:: else -> act_notoper()
		fi;
		done()
	   }
	/* ---- the further steps of a multi-step action ---- */
	:: atomic { next == N_TSCH -> tsch_step() }
	:: atomic { next == N_DISABLE -> disable_step() }
	:: atomic { next == N_ENABLE -> enable_step() }
	:: atomic { next == N_HSCH -> close_hsch() }
	:: atomic { next == N_CSCH -> close_csch() }
	od
}

/* Quiescence: nothing can move any more.  Every run of the model is
 * finite, so this inspects the end of every run. */
active proctype quiet()
{
	timeout;
	atomic {
		assert(next == N_NONE);
		assert(state != S_CLOSING && !reset_parked);
		if
		:: OPEN_ALIVE ->
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
