/* The vfio-ccw regions: I/O (index 0), async command, SCHIB and CRW (found
 * through their TYPE capability), with the access rules of channel-io.md
 * §2.1 and the contract of uvfio/vfio.h: whole-region writes only. */
#include <errno.h>
#include <string.h>

#include <uvfio/vfio.h>

#include "migration/fsm.h"
#include "ccw/ccw.h"

enum { R_IO = 0, R_ASYNC = 1, R_SCHIB = 2, R_CRW = 3, R_NUM = 4 };

static bool stopped(const struct ccw_dev *c)
{
	enum uvf_mig_state s = uvf_device_mig_state(c->dev);

	return !uvf_mig_state_is_running(s);
}

static int io_read(struct ccw_dev *c, uint64_t off, void *buf, uint32_t count)
{
	memcpy(buf, c->io + off, count);
	/* Reading any of the IRB consumes it (§4.7). */
	if (c->irb_pending && off < UVF_CCW_IO_RET_OFF && off + count > UVF_CCW_IO_IRB_OFF)
		ccw_fsm_event(c, UVF_CCW_EV_IRB_READ);
	return 0;
}

static int io_write(struct ccw_dev *c, uint64_t off, const void *buf, uint32_t count)
{
	int r;

	/* A partial write is not a request. */
	if (off || count != UVF_CCW_IO_REGION_SIZE)
		return -EINVAL;
	/* A stopped device starts nothing (no I/O while !RUNNING). */
	if (stopped(c))
		return -EBUSY;
	memcpy(c->io, buf, UVF_CCW_ORB_AREA_SIZE + UVF_CCW_SCSW_AREA_SIZE);
	r = ccw_fsm_event(c, UVF_CCW_EV_IO_REQ);
	memcpy(c->io + UVF_CCW_IO_RET_OFF, &r, 4);	/* host order, as the uAPI */
	return r;
}

static int async_write(struct ccw_dev *c, uint64_t off, const void *buf, uint32_t count)
{
	uint32_t cmd;
	int r;

	if (off || count != UVF_CCW_CMD_REGION_SIZE)
		return -EINVAL;
	if (stopped(c))
		return -EBUSY;
	memcpy(&cmd, buf, 4);	/* vfio-ccw regions are host order */
	if (cmd == UVF_VFIO_CCW_ASYNC_CMD_HSCH)
		r = ccw_fsm_event(c, UVF_CCW_EV_HALT_REQ);
	else if (cmd == UVF_VFIO_CCW_ASYNC_CMD_CSCH)
		r = ccw_fsm_event(c, UVF_CCW_EV_CLEAR_REQ);
	else
		r = -EINVAL;
	memcpy(c->cmd, &cmd, 4);
	memcpy(c->cmd + 4, &r, 4);
	return r;
}

static int schib_read(struct ccw_dev *c, uint64_t off, void *buf, uint32_t count)
{
	struct uvf_css_schib s;

	/* The live SCHIB, as a real STSCH (§2.1). */
	if (uvf_css_stsch(c->sch, &s))
		return -ENODEV;
	memcpy(buf, (uint8_t *)&s + off, count);
	return 0;
}

static int crw_read(struct ccw_dev *c, uint64_t off, void *buf, uint32_t count)
{
	uint8_t r[UVF_CCW_CRW_REGION_SIZE] = { 0 };
	uint32_t crw = 0;

	/* Pops one CRW per read (0 when none) and re-signals while more wait. */
	if (ccw_crw_pop(c, &crw) && c->crw_count)
		ccw_signal(c, UVF_VFIO_CCW_CRW_IRQ_INDEX);
	memcpy(r, &crw, 4);
	memcpy(buf, r + off, count);
	return 0;
}

static int ccw_read(struct uvf_device *dev, unsigned index, uint64_t off, void *buf,
		    uint32_t count)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	switch (index) {
	case R_IO:
		return io_read(c, off, buf, count);
	case R_ASYNC:
		memcpy(buf, c->cmd + off, count);
		return 0;
	case R_SCHIB:
		return schib_read(c, off, buf, count);
	case R_CRW:
		return crw_read(c, off, buf, count);
	default:
		return -EINVAL;
	}
}

static int ccw_write(struct uvf_device *dev, unsigned index, uint64_t off, const void *buf,
		     uint32_t count)
{
	struct ccw_dev *c = uvf_device_priv(dev);

	switch (index) {
	case R_IO:
		return io_write(c, off, buf, count);
	case R_ASYNC:
		return async_write(c, off, buf, count);
	default:
		return -EINVAL;
	}
}

static const struct uvf_region_ops ccw_region_ops = {
	.read = ccw_read,
	.write = ccw_write,
};

int ccw_regions_init(struct ccw_dev *c)
{
	static const struct {
		uint64_t size;
		uint32_t flags, subtype;
	} def[R_NUM] = {
		[R_IO] = { UVF_CCW_IO_REGION_SIZE, 3, 0 },
		[R_ASYNC] = { UVF_CCW_CMD_REGION_SIZE, 3, UVF_VFIO_REGION_SUBTYPE_CCW_ASYNC_CMD },
		[R_SCHIB] = { UVF_CCW_SCHIB_REGION_SIZE, 1, UVF_VFIO_REGION_SUBTYPE_CCW_SCHIB },
		[R_CRW] = { UVF_CCW_CRW_REGION_SIZE, 1, UVF_VFIO_REGION_SUBTYPE_CCW_CRW },
	};

	for (unsigned i = 0; i < R_NUM; i++) {
		struct uvf_region r = {
			.size = def[i].size,
			.flags = def[i].flags,
			.ops = &ccw_region_ops,
			.fd = -1,
			.type = def[i].subtype ? UVF_VFIO_REGION_TYPE_CCW : 0,
			.subtype = def[i].subtype,
		};
		int ret = uvf_device_set_region(c->dev, i, &r);

		if (ret)
			return ret;
	}
	return 0;
}
