/* Migration of the ccw device (STOP_COPY and PRE_COPY, no P2P: a
 * subchannel has no peer-to-peer DMA).  The disk image is shared storage,
 * so only the device layer moves: the undelivered IRB and the queued CRWs.
 * A start in flight when the device stops completes first (the stop arc
 * waits without blocking the loop).
 *
 * Stream: a 16-byte header (magic "UVCW", version, geometry) - sent as the
 * pre-copy data when pre-copying - then the final part: irb_pending, the
 * CRW count, the 96-byte IRB area, the CRWs, and an FNV-1a checksum over
 * everything before it.  A destination checks the header as soon as it
 * arrives and everything else at RESUMING->STOP, before applying. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migration/fsm.h"
#include "ccw/ccw.h"

#define MAGIC		0x57435655u	/* "UVCW" */
#define VERSION		1
#define HDR_LEN		16
#define STOP_WAIT_MS	5000
#define MAX_STREAM	(HDR_LEN + 8 + UVF_CCW_IRB_AREA_SIZE + 4 * CCW_CRW_FIFO + 8)

struct ccw_mig {
	uint8_t buf[MAX_STREAM];
	size_t len, pos;
	bool final_built;
};

static struct ccw_mig *mig_of(struct ccw_dev *c)
{
	if (!c->mig)
		c->mig = calloc(1, sizeof(*c->mig));
	return c->mig;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void put_header(struct ccw_dev *c, uint8_t *p)
{
	uint32_t v[4] = { MAGIC, VERSION, c->devno, c->geometry };

	memcpy(p, v, HDR_LEN);
}

static void build_final(struct ccw_dev *c, struct ccw_mig *m)
{
	uint8_t *p = m->buf + m->len;
	uint32_t flags = c->irb_pending, n = c->crw_count;
	uint64_t h;

	memcpy(p, &flags, 4);
	memcpy(p + 4, &n, 4);
	memcpy(p + 8, c->io + UVF_CCW_IO_IRB_OFF, UVF_CCW_IRB_AREA_SIZE);
	p += 8 + UVF_CCW_IRB_AREA_SIZE;
	for (uint32_t i = 0; i < n; i++, p += 4)
		memcpy(p, &c->crw[(c->crw_head + i) % CCW_CRW_FIFO], 4);
	m->len = (size_t)(p - m->buf);
	h = fnv1a(m->buf, m->len);
	memcpy(m->buf + m->len, &h, 8);
	m->len += 8;
	m->final_built = true;
}

static void on_stop_timeout(struct uvf_loop *loop, void *arg)
{
	struct ccw_dev *c = arg;

	(void)loop;
	c->stop_timer = 0;
	if (!c->stop_waiting)
		return;
	c->stop_waiting = false;
	uvf_log(UVF_LOG_WARN, c->dev, "stop: the running channel program did not end in %d ms; "
		"device stays running (halt or clear it and retry)", STOP_WAIT_MS);
	uvf_mig_arc_done(c->dev, -ETIMEDOUT);
}

void ccw_mig_function_ended(struct ccw_dev *c)
{
	if (!c->stop_waiting)
		return;
	c->stop_waiting = false;
	if (c->stop_timer) {
		uvf_loop_del_timer(c->loop, c->stop_timer);
		c->stop_timer = 0;
	}
	uvf_mig_arc_done(c->dev, 0);
}

static int ccw_stop(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	(void)from;
	(void)to;
	if (!c->vfc)
		return 0;
	/* A function is outstanding: let it end (its IRB is delivered or
	 * travels with the state), without blocking the loop. */
	c->stop_waiting = true;
	if (uvf_loop_add_timer(c->loop, STOP_WAIT_MS, on_stop_timeout, c, &c->stop_timer)) {
		c->stop_waiting = false;
		return -ENOMEM;
	}
	return -EINPROGRESS;
}

/* Owed notifications (dropped while stopped, or carried in by a resume)
 * are given once the device runs: from the loop right after the arc,
 * because the core still counts the device as stopped while the start
 * hook runs.  Each is given once: a source whose migration was cancelled
 * does not signal again an IRB the VMM was already told about. */
static void signal_owed(struct uvf_loop *loop, void *arg)
{
	struct ccw_dev *c = arg;
	enum uvf_mig_state s = uvf_device_mig_state(c->dev);
	unsigned owed = c->owed;

	(void)loop;
	c->start_timer = 0;
	if (!uvf_mig_state_is_running(s))
		return;
	c->owed = 0;
	if ((owed & (1u << UVF_VFIO_CCW_IO_IRQ_INDEX)) && c->irb_pending)
		ccw_signal(c, UVF_VFIO_CCW_IO_IRQ_INDEX);
	if ((owed & (1u << UVF_VFIO_CCW_CRW_IRQ_INDEX)) && c->crw_count)
		ccw_signal(c, UVF_VFIO_CCW_CRW_IRQ_INDEX);
	if (owed & (1u << UVF_VFIO_CCW_REQ_IRQ_INDEX))
		ccw_signal(c, UVF_VFIO_CCW_REQ_IRQ_INDEX);
}

static int ccw_start(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	(void)from;
	(void)to;
	if (c->owed && !c->start_timer)
		return uvf_loop_add_timer(c->loop, 0, signal_owed, c, &c->start_timer);
	return 0;
}

static int ccw_save_begin(struct uvf_device *dev, enum uvf_mig_state from,
			  enum uvf_mig_state to)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	struct ccw_mig *m = mig_of(c);

	(void)from;
	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	put_header(c, m->buf);
	m->len = HDR_LEN;
	if (to == UVF_MIG_STATE_STOP_COPY)
		build_final(c, m);
	return 0;
}

static long ccw_save_data(struct uvf_device *dev, void *buf, size_t len)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	struct ccw_mig *m = c->mig;
	size_t n;

	if (!m)
		return -ENODEV;
	/* The final part exists once the device is stopped in STOP_COPY. */
	if (!m->final_built && uvf_device_mig_state(dev) == UVF_MIG_STATE_STOP_COPY)
		build_final(c, m);
	n = m->len - m->pos < len ? m->len - m->pos : len;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return (long)n;
}

static int ccw_resume_begin(struct uvf_device *dev, enum uvf_mig_state from,
			    enum uvf_mig_state to)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	struct ccw_mig *m = mig_of(c);

	(void)from;
	(void)to;
	if (!m)
		return -ENOMEM;
	memset(m, 0, sizeof(*m));
	return 0;
}

static int check_header(struct ccw_dev *c, const uint8_t *p)
{
	uint8_t want[HDR_LEN];

	put_header(c, want);
	/* Foreign, wrong-version or other-geometry images fail at once. */
	return memcmp(p, want, HDR_LEN) ? -EINVAL : 0;
}

static int ccw_resume_data(struct uvf_device *dev, const void *buf, size_t len)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	struct ccw_mig *m = c->mig;
	bool had_header;

	if (!m)
		return -ENODEV;
	if (len > sizeof(m->buf) - m->len)
		return -EFBIG;
	had_header = m->len >= HDR_LEN;
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	if (!had_header && m->len >= HDR_LEN)
		return check_header(c, m->buf);
	return 0;
}

static int ccw_resume_end(struct uvf_device *dev, enum uvf_mig_state from,
			  enum uvf_mig_state to)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	struct ccw_mig *m = c->mig;
	uint32_t flags, n;
	uint64_t h;
	const uint8_t *p;

	(void)from;
	(void)to;
	if (!m || m->len < HDR_LEN + 8 + UVF_CCW_IRB_AREA_SIZE + 8 || check_header(c, m->buf))
		return -EINVAL;
	p = m->buf + HDR_LEN;
	memcpy(&flags, p, 4);
	memcpy(&n, p + 4, 4);
	if (flags > 1 || n > CCW_CRW_FIFO ||
	    m->len != HDR_LEN + 8 + UVF_CCW_IRB_AREA_SIZE + 4 * (size_t)n + 8)
		return -EINVAL;
	memcpy(&h, m->buf + m->len - 8, 8);
	if (h != fnv1a(m->buf, m->len - 8))
		return -EINVAL;
	/* Valid: apply it whole.  The VMM here has not been told about what
	 * the stream carries: that is owed once the device runs. */
	c->irb_pending = flags;
	if (flags)
		c->owed |= 1u << UVF_VFIO_CCW_IO_IRQ_INDEX;
	memcpy(c->io + UVF_CCW_IO_IRB_OFF, p + 8, UVF_CCW_IRB_AREA_SIZE);
	c->crw_head = c->crw_count = 0;
	p += 8 + UVF_CCW_IRB_AREA_SIZE;
	for (uint32_t i = 0; i < n; i++, p += 4) {
		uint32_t crw;

		memcpy(&crw, p, 4);
		ccw_crw_push(c, crw);
	}
	if (n)
		c->owed |= 1u << UVF_VFIO_CCW_CRW_IRQ_INDEX;
	return 0;
}

static int ccw_data_size(struct uvf_device *dev, uint64_t *bytes)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	*bytes = HDR_LEN + 8 + UVF_CCW_IRB_AREA_SIZE + 4 * (uint64_t)c->crw_count + 8;
	return 0;
}

static int ccw_precopy_info(struct uvf_device *dev, uint64_t *initial, uint64_t *dirty)
{
	struct ccw_dev *c = uvf_device_priv(dev);
	struct ccw_mig *m = c->mig;

	*initial = m && m->pos < HDR_LEN ? HDR_LEN - m->pos : 0;
	*dirty = 0;	/* the rest only exists once stopped */
	return 0;
}

static void ccw_session_end(struct uvf_device *dev)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	free(c->mig);
	c->mig = NULL;
	if (c->stop_waiting) {
		c->stop_waiting = false;
		if (c->stop_timer)
			uvf_loop_del_timer(c->loop, c->stop_timer);
		c->stop_timer = 0;
	}
}

const struct uvf_mig_ops ccw_mig_ops = {
	.flags = UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_PRE_COPY,
	.stop = ccw_stop,
	.start = ccw_start,
	.save_begin = ccw_save_begin,
	.resume_begin = ccw_resume_begin,
	.resume_end = ccw_resume_end,
	.save_data = ccw_save_data,
	.resume_data = ccw_resume_data,
	.data_size = ccw_data_size,
	.precopy_info = ccw_precopy_info,
	.session_end = ccw_session_end,
};
