/* The ccw device's state machine: one table of (state, event) -> action,
 * as specified in fsm.h.  Runs only on the loop thread. */
#include <errno.h>
#include <string.h>

#include <uvfio/vfio.h>

#include "migration/fsm.h"
#include "ccw/ccw.h"
#include "ccw/cp.h"

typedef int (*action_fn)(struct ccw_dev *c);

static int act_nop(struct ccw_dev *c) { (void)c; return 0; }
static int act_enodev(struct ccw_dev *c) { (void)c; return -ENODEV; }
static int act_eio(struct ccw_dev *c) { (void)c; return -EIO; }
static int act_ebusy(struct ccw_dev *c) { (void)c; return -EBUSY; }

const char *ccw_state_name(enum uvf_ccw_state s)
{
	static const char *const names[] = { "NOT_OPER", "STANDBY", "IDLE", "BUSY", "CLOSING" };

	return s < UVF_CCW_NR_STATES ? names[s] : "?";
}

/* The channel's and our references to the program of the start that just
 * ended: both go now.  Pages the program may have stored into are marked
 * dirty first. */
static void end_program(struct ccw_dev *c)
{
	if (!c->cp)
		return;
	uvf_ccw_cp_mark_dirty(c->cp, c->dev);
	if (c->chan_ref) {
		c->chan_ref = false;
		uvf_ccw_cp_put(c->cp);
	}
	uvf_ccw_cp_put(c->cp);
	c->cp = NULL;
}

static void cancel_timer(struct ccw_dev *c)
{
	if (c->timer) {
		uvf_loop_del_timer(c->loop, c->timer);
		c->timer = 0;
	}
}

static void on_timeout(struct uvf_loop *loop, void *arg)
{
	struct ccw_dev *c = arg;

	(void)loop;
	c->timer = 0;
	ccw_fsm_event(c, UVF_CCW_EV_TIMEOUT);
}

static int arm_timer(struct ccw_dev *c, unsigned ms)
{
	cancel_timer(c);
	return uvf_loop_add_timer(c->loop, ms, on_timeout, c, &c->timer);
}

/* -> NOT_OPER.  channel_gone: the subchannel guarantees the channel let
 * go of the program (device gone, cc 3); otherwise (we gave up on a device
 * that does not answer) the program is kept until its late status or the
 * device's disappearance. */
static int to_notoper(struct ccw_dev *c, bool channel_gone)
{
	cancel_timer(c);
	if (channel_gone)
		end_program(c);
	c->vfc = 0;
	c->state = UVF_CCW_NOT_OPER;
	ccw_signal(c, UVF_VFIO_CCW_REQ_IRQ_INDEX);
	if (c->reset_parked) {
		c->reset_parked = false;
		uvf_device_reset_done(c->dev, channel_gone ? -ENODEV : -EIO);
	}
	return 0;
}

static int act_notoper(struct ccw_dev *c)
{
	uvf_log(UVF_LOG_WARN, c->dev, "subchannel not operational: device gone; "
		"requests now fail with ENODEV, REQ irq signalled");
	return to_notoper(c, true);
}

static int act_gone(struct ccw_dev *c)
{
	end_program(c);
	return 0;
}

static int act_enable(struct ccw_dev *c)
{
	int r = ccw_enable(c, true);

	if (r) {
		act_notoper(c);
		return -ENODEV;
	}
	c->state = UVF_CCW_IDLE;
	return 0;
}

static int cc3(struct ccw_dev *c)
{
	struct uvf_css_schib s;

	/* Other paths left: the caller may retry with another LPM. */
	if (uvf_css_stsch(c->sch, &s) == 0 &&
	    (uvf_css_get_be16(s.pmcw.flags) & UVF_CSS_PMCW_DNV) && s.pmcw.pam)
		return -EACCES;
	act_notoper(c);
	return -ENODEV;
}

static int act_start(struct ccw_dev *c)
{
	struct uvf_css_orb orb;
	struct uvf_ccw_cp *cp;
	uint16_t fc;
	int r, cc;

	/* The contract of uvfio/vfio.h: no START while an IRB is unread. */
	if (c->irb_pending)
		return -EBUSY;
	fc = uvf_css_get_be16(c->io + UVF_CCW_IO_SCSW_OFF + 2) & UVF_CSS_FC_MASK;
	if (!(fc & UVF_CSS_FC_START) || (fc & (UVF_CSS_FC_HALT | UVF_CSS_FC_CLEAR)))
		return -EOPNOTSUPP;	/* halt and clear go through the async region */
	if ((r = ccw_cp_env_build(c, c->io + UVF_CCW_IO_ORB_OFF, &cp, &orb)))
		return r;
	cc = uvf_css_ssch(c->sch, &orb);
	if (cc == 0) {
		uvf_ccw_cp_get(cp);	/* the channel's reference */
		c->cp = cp;
		c->chan_ref = true;
		c->start_seq = uvf_css_sch_last_seq(c->sch);
		c->vfc = UVF_CSS_FC_START;
		c->state = UVF_CCW_BUSY;
		return 0;
	}
	uvf_ccw_cp_put(cp);
	if (cc < 0) {
		uvf_log(UVF_LOG_WARN, c->dev, "SSCH: translated ORB refused (%s)", strerror(-cc));
		return -EINVAL;
	}
	return cc == 3 ? cc3(c) : -EBUSY;
}

static int act_halt(struct ccw_dev *c)
{
	int cc = uvf_css_hsch(c->sch);

	if (cc == 0) {
		c->vfc |= UVF_CSS_FC_HALT;
		c->state = UVF_CCW_BUSY;
		return 0;
	}
	return cc == 3 ? cc3(c) : -EBUSY;
}

static int act_clear(struct ccw_dev *c)
{
	int cc = uvf_css_csch(c->sch);

	if (cc == 0) {
		c->vfc = UVF_CSS_FC_CLEAR;
		c->state = UVF_CCW_BUSY;
		return 0;
	}
	return cc == 3 ? cc3(c) : -EBUSY;
}

/* Fetch status and attribute it in the same step (see fsm.h). */
static int act_fetch(struct ccw_dev *c)
{
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;
	bool ended = false;
	int cc;

	enum uvf_mig_state ms = uvf_device_mig_state(c->dev);
	bool stopped = !uvf_mig_state_is_running(ms);

	/* Back-pressure: while an IRB waits to be read the subchannel keeps
	 * its status.  Except on a stopped device: it has no function
	 * outstanding (the stop waited for it), so whatever is pending is
	 * unsolicited and must be dropped now, not delivered after resume. */
	if (c->irb_pending && !(stopped && !c->vfc))
		return 0;
	cc = uvf_css_tsch_tagged(c->sch, &irb, &tag);
	if (cc == 3)
		return ccw_fsm_event(c, UVF_CCW_EV_NOT_OPER);
	if (cc != 0)
		return 0;
	if (c->irb_pending && tag.fn != UVF_CSS_FN_NONE)
		uvf_log(UVF_LOG_ERROR, c->dev, "solicited status with no function outstanding "
			"while stopped: dropped");
	if ((tag.fn == UVF_CSS_FN_NONE || c->irb_pending) && stopped) {
		/* Unsolicited status of a stopped device is dropped
		 * (migration.md §1: it must not change the saved state). */
		c->status_dropped++;
		uvf_log(UVF_LOG_DEBUG, c->dev, "unsolicited status while stopped: dropped");
		return 0;
	}
	/* Guest-visible: CPA back in guest space (never a host address), the
	 * format flag the guest used. */
	if (c->cp)
		uvf_ccw_cp_scsw_to_guest(c->cp, &irb.scsw);
	if (tag.fn != UVF_CSS_FN_NONE && tag.final) {
		/* The status ends the outstanding function(s); with lazy TSCH it
		 * can only belong to the latest one (tags are assertions here). */
		if (tag.seq < c->start_seq)
			uvf_log(UVF_LOG_ERROR, c->dev, "status of function %llu after start %llu",
				(unsigned long long)tag.seq, (unsigned long long)c->start_seq);
		end_program(c);
		c->vfc = 0;
		c->state = UVF_CCW_IDLE;
		ended = true;
	}
	memcpy(c->io + UVF_CCW_IO_IRB_OFF, &irb, UVF_CCW_IRB_AREA_SIZE);
	c->irb_pending = true;
	c->irbs_delivered++;
	ccw_signal(c, UVF_VFIO_CCW_IO_IRQ_INDEX);
	/* Only now may a stop arc waiting for this function go on: it may
	 * save the state at once (STOP->STOP_COPY), which must hold this IRB. */
	if (ended)
		ccw_mig_function_ended(c);
	return 0;
}

static int act_ack(struct ccw_dev *c)
{
	c->irb_pending = false;
	/* The subchannel may have held more status meanwhile. */
	if (c->state == UVF_CCW_IDLE || c->state == UVF_CCW_BUSY)
		return act_fetch(c);
	return 0;
}

/* Status of a closed or gone subchannel: taken and dropped. */
static int act_drain(struct ccw_dev *c)
{
	struct uvf_css_irb irb;

	while (uvf_css_tsch(c->sch, &irb) == 0)
		c->status_dropped++;
	return 0;
}

/* The same in NOT_OPER, where a program given up on may still end late. */
static int act_drain_free(struct ccw_dev *c)
{
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	while (uvf_css_tsch_tagged(c->sch, &irb, &tag) == 0) {
		if (tag.fn != UVF_CSS_FN_NONE && tag.final)
			end_program(c);
		c->status_dropped++;
	}
	return 0;
}

/* The close is complete; returns the re-open's result (a parked reset is
 * answered with it too). */
static int close_done(struct ccw_dev *c, int err)
{
	cancel_timer(c);
	end_program(c);
	c->vfc = 0;
	act_drain(c);
	ccw_enable(c, false);
	c->state = UVF_CCW_STANDBY;
	c->irb_pending = false;
	if (!err && c->reopen) {
		c->reopen = false;
		err = act_enable(c);
	}
	if (c->reset_parked) {
		c->reset_parked = false;
		uvf_device_reset_done(c->dev, err);
	}
	return err;
}

static int act_close(struct ccw_dev *c)
{
	int cc;

	if (!c->vfc)
		return close_done(c, 0);
	/* Something runs: halt it, then clear, each waited for without
	 * blocking (the loop keeps serving). */
	c->clear_tries = 0;
	c->state = UVF_CCW_CLOSING;
	cc = uvf_css_hsch(c->sch);
	if (cc == 1) {
		act_drain(c);
		cc = uvf_css_hsch(c->sch);
	}
	if (cc == 3) {
		act_notoper(c);
		return -ENODEV;
	}
	if (cc != 0 && cc != 2) {
		c->clear_tries = 1;
		uvf_css_csch(c->sch);
		arm_timer(c, UVF_CCW_CLEAR_WAIT_MS);
	} else {
		arm_timer(c, UVF_CCW_HALT_WAIT_MS);
	}
	return -EINPROGRESS;
}

static int act_quiesce_fetch(struct ccw_dev *c)
{
	struct uvf_css_irb irb;
	struct uvf_css_tag tag;

	while (uvf_css_tsch_tagged(c->sch, &irb, &tag) == 0) {
		if (tag.fn != UVF_CSS_FN_NONE && tag.final) {
			close_done(c, 0);
			return 0;
		}
		c->status_dropped++;
	}
	return 0;
}

static int act_escalate(struct ccw_dev *c)
{
	if (c->clear_tries >= UVF_CCW_CLEAR_TRIES) {
		uvf_log(UVF_LOG_ERROR, c->dev, "device does not answer halt or %u clears: "
			"giving up, subchannel now not operational", c->clear_tries);
		return to_notoper(c, false);
	}
	uvf_log(UVF_LOG_WARN, c->dev, "%s timed out while closing: clear (try %u)",
		c->clear_tries ? "clear" : "halt", c->clear_tries + 1);
	c->clear_tries++;
	if (uvf_css_csch(c->sch) == 3)
		return act_notoper(c);
	return arm_timer(c, UVF_CCW_CLEAR_WAIT_MS);
}

#define S(x) UVF_CCW_##x
#define E(x) UVF_CCW_EV_##x
static const action_fn table[UVF_CCW_NR_STATES][UVF_CCW_NR_EVENTS] = {
	[S(NOT_OPER)] = {
		[E(OPEN)] = act_nop, [E(CLOSE)] = act_nop, [E(IO_REQ)] = act_enodev,
		[E(HALT_REQ)] = act_enodev, [E(CLEAR_REQ)] = act_enodev,
		[E(DOORBELL)] = act_drain_free, [E(IRB_READ)] = act_ack, [E(NOT_OPER)] = act_gone,
		[E(TIMEOUT)] = act_nop,
	},
	[S(STANDBY)] = {
		[E(OPEN)] = act_enable, [E(CLOSE)] = act_nop, [E(IO_REQ)] = act_eio,
		[E(HALT_REQ)] = act_eio, [E(CLEAR_REQ)] = act_eio,
		[E(DOORBELL)] = act_drain, [E(IRB_READ)] = act_ack, [E(NOT_OPER)] = act_notoper,
		[E(TIMEOUT)] = act_nop,
	},
	[S(IDLE)] = {
		[E(OPEN)] = act_nop, [E(CLOSE)] = act_close, [E(IO_REQ)] = act_start,
		[E(HALT_REQ)] = act_halt, [E(CLEAR_REQ)] = act_clear,
		[E(DOORBELL)] = act_fetch, [E(IRB_READ)] = act_ack, [E(NOT_OPER)] = act_notoper,
		[E(TIMEOUT)] = act_nop,
	},
	[S(BUSY)] = {
		[E(OPEN)] = act_nop, [E(CLOSE)] = act_close, [E(IO_REQ)] = act_ebusy,
		[E(HALT_REQ)] = act_halt, [E(CLEAR_REQ)] = act_clear,
		[E(DOORBELL)] = act_fetch, [E(IRB_READ)] = act_ack, [E(NOT_OPER)] = act_notoper,
		[E(TIMEOUT)] = act_nop,
	},
	[S(CLOSING)] = {
		[E(OPEN)] = act_nop, [E(CLOSE)] = act_nop, [E(IO_REQ)] = act_ebusy,
		[E(HALT_REQ)] = act_ebusy, [E(CLEAR_REQ)] = act_ebusy,
		[E(DOORBELL)] = act_quiesce_fetch, [E(IRB_READ)] = act_ack,
		[E(NOT_OPER)] = act_notoper, [E(TIMEOUT)] = act_escalate,
	},
};
#undef S
#undef E

int ccw_fsm_event(struct ccw_dev *c, enum uvf_ccw_event ev)
{
	/* Every cell is filled (a unit test visits them all); a bad state is
	 * our bug, not the client's. */
	if (c->state >= UVF_CCW_NR_STATES || ev >= UVF_CCW_NR_EVENTS || !table[c->state][ev]) {
		uvf_log(UVF_LOG_ERROR, c->dev, "ccw fsm: no action for state %d event %d",
			c->state, ev);
		return -EIO;
	}
	{
		int r = table[c->state][ev](c);

		if (c->after_event)
			c->after_event(c, ev, r, c->after_arg);
		return r;
	}
}

bool ccw_fsm_table_complete(void);
bool ccw_fsm_table_complete(void)
{
	for (int s = 0; s < UVF_CCW_NR_STATES; s++)
		for (int e = 0; e < UVF_CCW_NR_EVENTS; e++)
			if (!table[s][e])
				return false;
	return true;
}
