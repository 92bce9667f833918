/* The migration v2 state machine of a device: the walker that runs one
 * device hook per arc (possibly asynchronously), the data session, and
 * the migration features (1, 2, 9) and data commands (17, 18, precopy). */
#include <errno.h>
#include <string.h>

#include "core/core.h"
#include "migration/fsm.h"

enum hook { H_NONE, H_STOP, H_START, H_P2P, H_SAVE_BEGIN, H_SAVE_END, H_RESUME_BEGIN,
	    H_RESUME_END };

#define S(x) UVF_MIG_STATE_##x
/* The device hook for each direct arc (see uvfio/device.h).  Arcs the
 * next-hop table never produces stay H_NONE. */
static const uint8_t arc_hook[UVF_MIG_STATE_NR][UVF_MIG_STATE_NR] = {
	[S(RUNNING)][S(STOP)] = H_STOP,
	[S(RUNNING_P2P)][S(STOP)] = H_STOP,
	[S(PRE_COPY)][S(STOP_COPY)] = H_STOP,
	[S(PRE_COPY_P2P)][S(STOP_COPY)] = H_STOP,
	[S(STOP)][S(RUNNING)] = H_START,
	[S(RUNNING_P2P)][S(RUNNING)] = H_START,
	[S(PRE_COPY_P2P)][S(PRE_COPY)] = H_START,
	[S(RUNNING)][S(RUNNING_P2P)] = H_P2P,
	[S(STOP)][S(RUNNING_P2P)] = H_P2P,
	[S(PRE_COPY)][S(PRE_COPY_P2P)] = H_P2P,
	[S(RUNNING)][S(PRE_COPY)] = H_SAVE_BEGIN,
	[S(RUNNING_P2P)][S(PRE_COPY_P2P)] = H_SAVE_BEGIN,
	[S(STOP)][S(STOP_COPY)] = H_SAVE_BEGIN,
	[S(PRE_COPY)][S(RUNNING)] = H_SAVE_END,
	[S(PRE_COPY_P2P)][S(RUNNING_P2P)] = H_SAVE_END,
	[S(STOP_COPY)][S(STOP)] = H_SAVE_END,
	[S(STOP)][S(RESUMING)] = H_RESUME_BEGIN,
	[S(RESUMING)][S(STOP)] = H_RESUME_END,
};
#undef S

static int call_hook(struct uvf_device *d, enum uvf_mig_state from, enum uvf_mig_state to)
{
	const struct uvf_mig_ops *m = d->mig;
	int (*fn)(struct uvf_device *, enum uvf_mig_state, enum uvf_mig_state) = NULL;

	switch ((enum hook)arc_hook[from][to]) {
	case H_STOP: fn = m->stop; break;
	case H_START: fn = m->start; break;
	case H_P2P: fn = m->p2p; break;
	case H_SAVE_BEGIN: fn = m->save_begin; break;
	case H_SAVE_END: fn = m->save_end; break;
	case H_RESUME_BEGIN: fn = m->resume_begin; break;
	case H_RESUME_END: fn = m->resume_end; break;
	case H_NONE:
		/* The table produced an arc we have no hook for: our bug. */
		uvf_log(UVF_LOG_ERROR, d, "migration arc %s->%s has no hook",
			uvf_mig_state_name(from), uvf_mig_state_name(to));
		return -EIO;
	}
	return fn ? fn(d, from, to) : 0;
}

int uvf_device_set_migration(struct uvf_device *d, const struct uvf_mig_ops *ops)
{
	const uint64_t f = ops ? ops->flags : 0;

	if (ops && (!(f & UVF_VFIO_MIGRATION_STOP_COPY) ||
		    (!ops->save_data && !ops->save_data_ref) ||
		    !ops->resume_data || !ops->data_size ||
		    ((f & UVF_VFIO_MIGRATION_PRE_COPY) && !ops->precopy_info) ||
		    (f & ~(uint64_t)(UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P |
				     UVF_VFIO_MIGRATION_PRE_COPY))))
		return -EINVAL;
	d->mig = ops;
	d->mig_flags = f;
	d->state = UVF_MIG_STATE_RUNNING;
	return 0;
}

int uvf_device_set_mig_flags(struct uvf_device *d, uint64_t flags)
{
	if (!d->mig || (flags & ~d->mig->flags) || !(flags & UVF_VFIO_MIGRATION_STOP_COPY))
		return -EINVAL;
	/* Only while no migration is under way. */
	if (d->state != UVF_MIG_STATE_RUNNING || d->walking)
		return -EBUSY;
	d->mig_flags = flags;
	return 0;
}

void uvf_device_set_resume_cap(struct uvf_device *d, uint64_t bytes)
{
	d->resume_cap = bytes;
}

enum uvf_mig_state uvf_device_mig_state(const struct uvf_device *d)
{
	return d->state;
}

bool uvf_mig_dma_allowed(const struct uvf_device *d)
{
	return !d->mig || uvf_mig_state_is_running(d->state);
}

bool uvf_mig_irq_allowed(const struct uvf_device *d)
{
	return !d->mig || !uvf_mig_state_is_stopped(d->state);
}

static void end_session(struct uvf_device *d)
{
	if (d->session && d->mig->session_end)
		d->mig->session_end(d);
	d->session = false;
	d->save_eof = false;
	d->save_err = 0;
	d->resume_bytes = 0;
}

/* Sessions follow the state: entering the saving group or RESUMING opens
 * one, leaving it ends it, moves inside the saving group keep it. */
static void enter_state(struct uvf_device *d, enum uvf_mig_state to)
{
	enum uvf_mig_state from = d->state;
	bool was_saving = uvf_mig_state_is_saving(from), saving = uvf_mig_state_is_saving(to);

	if ((was_saving && !saving) || from == UVF_MIG_STATE_RESUMING)
		end_session(d);
	if ((saving && !was_saving) || to == UVF_MIG_STATE_RESUMING) {
		d->session = true;
		d->save_eof = false;
		d->save_err = 0;
		d->resume_bytes = 0;
	}
	d->state = to;
}

void uvf_mig_reset(struct uvf_device *d)
{
	if (!d->mig)
		return;
	d->walking = false;
	end_session(d);
	d->state = UVF_MIG_STATE_RUNNING;
}

/* Build the SET reply: the request's feature header and state echoed with
 * data_fd = -1. */
static void set_reply(struct uvf_device *d, struct uvf_msgbuf *mb)
{
	uint8_t *p = uvf_msgbuf_put(mb, d->park.echo_len);

	if (p)
		memcpy(p, d->park.echo, d->park.echo_len);
}

/* The hop to `hop` failed (synchronously or later): the walk ends at the
 * last state reached, or ERROR when the device says -EIO. */
static int walk_failed(struct uvf_device *d, enum uvf_mig_state hop, int err)
{
	enum uvf_mig_state at = d->state;

	d->walking = false;
	if (err == -EIO)
		d->state = UVF_MIG_STATE_ERROR;
	uvf_log(UVF_LOG_WARN, d, "migration arc %s->%s (towards %s) failed: %s; state now %s",
		uvf_mig_state_name(at), uvf_mig_state_name(hop), uvf_mig_state_name(d->target),
		strerror(-err), uvf_mig_state_name(d->state));
	return err;
}

/* Walk towards d->target.  Returns 0 when there, -EINPROGRESS when a hook
 * is pending, or the error of the failed hop. */
static int walk(struct uvf_device *d)
{
	while (d->state != d->target) {
		enum uvf_mig_state hop = d->target;
		int r = uvf_mig_next_hop(d->mig_flags, d->state, d->target, &hop);

		if (!r) {
			d->walking = true;
			r = call_hook(d, d->state, hop);
			if (r == -EINPROGRESS) {
				d->target_hop = hop;
				return r;
			}
		}
		if (r)
			return walk_failed(d, hop, r);
		enter_state(d, hop);
	}
	d->walking = false;
	return 0;
}

void uvf_mig_arc_done(struct uvf_device *d, int err)
{
	struct uvf_msgbuf mb;
	int r;

	if (!d->walking)
		return;		/* cancelled by a reset meanwhile */
	if (err) {
		r = walk_failed(d, d->target_hop, err);
	} else {
		enter_state(d, d->target_hop);
		r = walk(d);
		if (r == -EINPROGRESS)
			return;
	}
	uvf_msgbuf_init(&mb);
	if (!r)
		set_reply(d, &mb);
	if (d->park.kind == PARK_MIG)
		uvf_core_park_reply(d, r, &mb);
	uvf_msgbuf_free(&mb);
}

static int mig_state_feature(struct uvf_device *d, const struct uvf_req *req,
			     struct uvf_reply *rep)
{
	const struct uvf_req_feature *f = &req->u.feature;
	struct uvf_feat_mig_state s;
	enum uvf_mig_state hop;
	bool probe;
	uint8_t *p;
	int r;

	r = uvf_feature_check(f, UVF_VFIO_DEVICE_FEATURE_GET | UVF_VFIO_DEVICE_FEATURE_SET,
			      UVF_VFIO_MIG_STATE_SIZE, &probe);
	if (r || probe)
		return r ? r : uvf_feature_reply_probe(f, rep);

	if (f->flags & UVF_VFIO_DEVICE_FEATURE_GET) {
		p = uvf_msgbuf_put(rep->mb, UVF_VFIO_DEVICE_FEATURE_SIZE + UVF_VFIO_MIG_STATE_SIZE);
		if (!p)
			return -ENOMEM;
		uvf_put32(p, UVF_VFIO_DEVICE_FEATURE_SIZE + UVF_VFIO_MIG_STATE_SIZE);
		uvf_put32(p + 4, f->flags);
		uvf_put32(p + 8, d->state);
		uvf_put32(p + 12, UINT32_MAX);
		return 0;
	}

	if ((r = uvf_proto_decode_mig_state(f, &s)))
		return r;
	/* Check the whole request before the first hop: an impossible one
	 * (e.g. STOP_COPY->PRE_COPY) fails at once and changes nothing. */
	if ((r = uvf_mig_next_hop(d->mig_flags, d->state, s.state, &hop)))
		return r;

	memcpy(d->park.echo, req->payload, UVF_VFIO_DEVICE_FEATURE_SIZE);
	uvf_put32(d->park.echo, UVF_VFIO_DEVICE_FEATURE_SIZE + UVF_VFIO_MIG_STATE_SIZE);
	uvf_put32(d->park.echo + 8, s.state);
	uvf_put32(d->park.echo + 12, UINT32_MAX);
	d->park.echo_len = UVF_VFIO_DEVICE_FEATURE_SIZE + UVF_VFIO_MIG_STATE_SIZE;
	d->target = s.state;

	r = walk(d);
	if (r == -EINPROGRESS) {
		d->park.kind = PARK_MIG;
		d->park.msg_id = req->hdr.msg_id;
		d->park.cmd = req->hdr.cmd;
		return r;
	}
	if (r)
		return r;
	set_reply(d, rep->mb);
	return 0;
}

int uvf_mig_feature(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct uvf_req_feature *f = &req->u.feature;
	uint64_t v;
	bool probe;
	uint8_t *p;
	int r;

	if (f->feature == UVF_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE)
		return mig_state_feature(d, req, rep);

	r = uvf_feature_check(f, UVF_VFIO_DEVICE_FEATURE_GET, 8, &probe);
	if (r || probe)
		return r ? r : uvf_feature_reply_probe(f, rep);
	if (f->feature == UVF_VFIO_DEVICE_FEATURE_MIGRATION)
		v = d->mig_flags;
	else if ((r = d->mig->data_size(d, &v)))
		return r;
	p = uvf_msgbuf_put(rep->mb, UVF_VFIO_DEVICE_FEATURE_SIZE + 8);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, UVF_VFIO_DEVICE_FEATURE_SIZE + 8);
	uvf_put32(p + 4, f->flags);
	uvf_put64(p + 8, v);
	return 0;
}

int uvf_mig_data_read(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	uint32_t want = req->u.mig.size, got = 0;
	size_t ref_len = 0;
	const void *ref;
	uint8_t *p;

	if (!d->mig || !uvf_mig_state_is_saving(d->state) || !d->session)
		return -EINVAL;
	if (d->save_err) {
		/* An error after bytes were produced: reported now, and for good
		 * (the stream has a hole). */
		return d->save_err;
	}
	p = uvf_msgbuf_put_raw(rep->mb, UVF_VU_MIG_DATA_SIZE + want);
	if (!p)
		return -ENOMEM;
	/* In STOP_COPY a short reply is the end of the stream, so fill the
	 * request unless the device runs dry.  In pre-copy a short count from
	 * the device ends the reply (a device may end a round there). */
	while (got < want && !d->save_eof) {
		uint8_t *at = p + UVF_VU_MIG_DATA_SIZE + got;
		long n = d->mig->save_data_ref ?
			d->mig->save_data_ref(d, at, want - got, &ref, &ref_len) :
			d->mig->save_data(d, at, want - got);

		if (n < 0) {
			if (!got)
				return (int)n;
			d->save_err = (int)n;	/* send what we have first */
			break;
		}
		if (n == 0) {
			if (d->state == UVF_MIG_STATE_STOP_COPY)
				d->save_eof = true;
			break;
		}
		if (ref_len && (ref_len > (size_t)n || (uint32_t)n != want - got)) {
			uvf_log(UVF_LOG_ERROR, d, "MIG_DATA_READ: device returned a reference "
				"that does not end the read (bug): stream aborted, reset the device");
			return d->save_err = -EIO;
		}
		got += (uint32_t)n;
		if (ref_len) {
			/* The tail goes from device memory, without a copy. */
			rep->extra = ref;
			rep->extra_len = (uint32_t)ref_len;
			break;
		}
		if (d->state != UVF_MIG_STATE_STOP_COPY && (uint32_t)n < want - (got - (uint32_t)n))
			break;
	}
	if (got == 0 && want && d->state != UVF_MIG_STATE_STOP_COPY && d->caps.precopy_enomsg)
		return -ENOMSG;
	rep->mb->len -= want - got + ref_len;
	uvf_put32(p, UVF_VU_MIG_DATA_SIZE + got);
	uvf_put32(p + 4, got);
	return 0;
}

int uvf_mig_data_write(struct uvf_device *d, const struct uvf_req *req)
{
	uint32_t n = req->u.mig.size;
	int r;

	if (!d->mig || d->state != UVF_MIG_STATE_RESUMING || !d->session)
		return -EINVAL;
	if (d->resume_bytes + n > d->resume_cap) {
		uvf_log(UVF_LOG_WARN, d, "MIG_DATA_WRITE: resume image over the %llu-byte cap",
			(unsigned long long)d->resume_cap);
		return -EFBIG;
	}
	if ((r = d->mig->resume_data(d, req->u.mig.data, n)))
		return r;
	d->resume_bytes += n;
	return 0;
}

int uvf_mig_precopy_info(struct uvf_device *d, const struct uvf_req *req,
			 struct uvf_reply *rep)
{
	uint64_t initial = 0, dirty = 0;
	uint8_t *p;
	int r;

	(void)req;
	if (!d->mig || (d->state != UVF_MIG_STATE_PRE_COPY &&
			d->state != UVF_MIG_STATE_PRE_COPY_P2P))
		return -EINVAL;
	if ((r = d->mig->precopy_info(d, &initial, &dirty)))
		return r;
	p = uvf_msgbuf_put(rep->mb, UVF_VU_PRECOPY_INFO_SIZE);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, UVF_VU_PRECOPY_INFO_SIZE);
	uvf_put64(p + 8, initial);
	uvf_put64(p + 16, dirty);
	return 0;
}
