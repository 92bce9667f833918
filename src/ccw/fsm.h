/* The vfio-ccw mediated device's state machine (channel-io.md §4.7).
 *
 * Everything here is owned by the loop thread: region writes and reads,
 * doorbells from the simulated subchannel, timers and client life-cycle
 * events all arrive on it, one at a time, so an event's action runs to
 * completion before the next event is looked at.  No lock is needed and
 * none is taken.
 *
 * States
 *   NOT_OPER  the subchannel is gone; every request fails with -ENODEV.
 *   STANDBY   no client (not opened): the subchannel is disabled.
 *   IDLE      open; no start/halt/clear outstanding.
 *   BUSY      open; a start, halt or clear is outstanding (vfc != 0).
 *   CLOSING   a close/reset is quiescing the subchannel: halt, then clear,
 *             each waited for with a bounded timer, never blocking.
 * Orthogonal to the state, `irb_pending` says the I/O region holds an IRB
 * the client has not read yet.
 *
 * The collision rule (why the START-vs-HALT/CLEAR race cannot happen):
 * status is fetched from the subchannel with TSCH only on a DOORBELL event
 * and only when !irb_pending, and it is attributed to the function it ends
 * in the same action.  While an IRB waits to be read, the subchannel stays
 * status pending, so an SSCH issued then gets cc 1 and the request -EBUSY;
 * and an IO_REQ is refused outright while irb_pending or while any function
 * is outstanding.  A clear's status therefore can never be taken for the
 * status of a later start.
 *
 * Events
 *   OPEN        client attached (VERSION done)
 *   CLOSE       client gone, or DEVICE_RESET (reset re-opens after)
 *   IO_REQ      write of the I/O region (ORB + SCSW with FC start)
 *   HALT_REQ    async region command HSCH
 *   CLEAR_REQ   async region command CSCH
 *   DOORBELL    the subchannel rang: status may be pending
 *   IRB_READ    the client read the IRB area of the I/O region
 *   NOT_OPER    the device went away (CRW seen, or cc 3)
 *   TIMEOUT     a CLOSING wait expired
 *
 * Table (state x event -> action; "-EBUSY" etc. are request results):
 *
 *   state    | OPEN   | CLOSE       | IO_REQ          | HALT_REQ | CLEAR_REQ | DOORBELL        | IRB_READ | NOT_OPER | TIMEOUT
 *   NOT_OPER | nop    | nop         | -ENODEV         | -ENODEV  | -ENODEV   | drain_free      | ack      | gone     | nop
 *   STANDBY  | enable | nop         | -EIO            | -EIO     | -EIO      | drain           | ack      | notoper  | nop
 *   IDLE     | nop    | close       | start           | halt     | clear     | fetch           | ack      | notoper  | nop
 *   BUSY     | nop    | close       | -EBUSY          | halt     | clear     | fetch           | ack      | notoper  | nop
 *   CLOSING  | nop    | nop         | -EBUSY          | -EBUSY   | -EBUSY    | quiesce_fetch   | ack      | notoper  | escalate
 *
 *   start:   -EBUSY if irb_pending; translate the guest program (errors as
 *            §2.3); SSCH: cc 0 -> BUSY, vfc = START, cp referenced by the
 *            channel and by us; cc 1/2 -> -EBUSY; cc 3 -> -ENODEV (or
 *            -EACCES while other paths remain); cp freed on every failure.
 *   halt:    HSCH: cc 0 -> BUSY, vfc |= HALT; cc 1/2 -> -EBUSY; cc 3 -> -ENODEV.
 *   clear:   CSCH: cc 0 -> BUSY, vfc = CLEAR; cc 3 -> -ENODEV.
 *   fetch:   if irb_pending: nothing (the subchannel keeps its status),
 *            unless the device is stopped for migration with no function
 *            outstanding: then TSCH and drop (only unsolicited status can
 *            be pending; it must not reach the guest after resume).
 *            TSCH; cc 1: nothing.  cc 0: translate the CPA back while a cp
 *            exists; if the status ends the outstanding function(s) (not
 *            intermediate-only): the channel's and our cp references are
 *            dropped (a final halt or clear ends the start too), vfc = 0,
 *            -> IDLE.  Copy the IRB to the region, irb_pending = true,
 *            signal the I/O eventfd.  Unsolicited status is delivered the
 *            same way.
 *   ack:     irb_pending = false; if the subchannel is status pending, the
 *            next fetch runs (a DOORBELL is raised).
 *   close:   no function outstanding: disable -> STANDBY.  Otherwise
 *            HSCH (or CSCH if halt is refused) -> CLOSING with a timer.
 *   quiesce_fetch: TSCH; a final status -> drop cp, disable, -> STANDBY;
 *            the reset/close completes.
 *   escalate: after a halt timed out: CSCH and wait again; after a clear
 *            timed out (UVF_CCW_CLEAR_TRIES times): give up -> NOT_OPER,
 *            the reset fails with -EIO.  The channel may still hold the
 *            program then: cp is kept until drain_free or gone.
 *   drain:   TSCH and discard (status of a closed or gone subchannel).
 *   drain_free: drain; a final status drops cp (the late end of a
 *            program given up on).
 *   notoper: the device is gone: drop cp (the subchannel guarantees the
 *            channel let go), fail a pending close, signal the REQ IRQ,
 *            -> NOT_OPER.
 *   gone:    in NOT_OPER: drop a cp still kept (the channel let go now).
 *   disable (in close and quiesce_fetch): MSCH ENA=0; cc 1 (status
 *            arrived meanwhile): TSCH and discard, then MSCH again, a
 *            bounded number of times.
 */
#ifndef UVF_CCW_FSM_H
#define UVF_CCW_FSM_H

enum uvf_ccw_state {
	UVF_CCW_NOT_OPER,
	UVF_CCW_STANDBY,
	UVF_CCW_IDLE,
	UVF_CCW_BUSY,
	UVF_CCW_CLOSING,
	UVF_CCW_NR_STATES
};

enum uvf_ccw_event {
	UVF_CCW_EV_OPEN,
	UVF_CCW_EV_CLOSE,
	UVF_CCW_EV_IO_REQ,
	UVF_CCW_EV_HALT_REQ,
	UVF_CCW_EV_CLEAR_REQ,
	UVF_CCW_EV_DOORBELL,
	UVF_CCW_EV_IRB_READ,
	UVF_CCW_EV_NOT_OPER,
	UVF_CCW_EV_TIMEOUT,
	UVF_CCW_NR_EVENTS
};

/* Bounded waits of CLOSING: a halt, then clears. */
#define UVF_CCW_HALT_WAIT_MS	1000
#define UVF_CCW_CLEAR_WAIT_MS	1000
#define UVF_CCW_CLEAR_TRIES	3

#endif
