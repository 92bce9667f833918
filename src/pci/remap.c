/* SPDX-License-Identifier: MIT */
/* The region-remap handshake, device side (see pci/remap.h). */
#include "pci/remap.h"

#include <errno.h>

#include <uvfio/vfio-user.h>

#include "proto/wire.h"

#define OP_GET		UVF_VFIO_DEVICE_FEATURE_GET
#define OP_SET		UVF_VFIO_DEVICE_FEATURE_SET
#define OP_PROBE	UVF_VFIO_DEVICE_FEATURE_PROBE

void uvf_remap_init(struct uvf_remap *rm, struct uvf_device *dev, unsigned irq_index,
		    uint64_t timeout_ms)
{
	*rm = (struct uvf_remap){ .dev = dev, .irq_index = irq_index,
				  .timeout_ms = timeout_ms ? timeout_ms
							   : UVF_REMAP_DEFAULT_TIMEOUT_MS };
}

bool uvf_remap_negotiated(const struct uvf_remap *rm)
{
	return uvf_device_client_ext(rm->dev) & UVF_EXT_REMAP_IRQ;
}

bool uvf_remap_enabled(const struct uvf_remap *rm)
{
	return uvf_remap_negotiated(rm) && uvf_irq_enabled(rm->dev, rm->irq_index, 0);
}

bool uvf_remap_waiting(const struct uvf_remap *rm)
{
	return rm->waiting;
}

uint64_t uvf_remap_generation(const struct uvf_remap *rm)
{
	return rm->generation;
}

void uvf_remap_cancel(struct uvf_remap *rm)
{
	if (!rm->waiting)
		return;
	uvf_loop_del_timer(uvf_device_loop(rm->dev), rm->timer);
	rm->waiting = false;
	rm->done = NULL;
}

int uvf_remap_attach(struct uvf_remap *rm)
{
	bool on = uvf_remap_negotiated(rm);

	uvf_remap_cancel(rm);
	rm->generation = rm->acked = rm->regions = 0;
	/* Count 0 hides the index: DEVICE_GET_INFO trims trailing empty
	 * indexes, so an unaware client sees only the PCI ones. */
	return uvf_device_set_irq(rm->dev, rm->irq_index, on ? 1 : 0, UVF_VFIO_IRQ_INFO_EVENTFD);
}

static void timed_out(struct uvf_loop *loop, void *arg)
{
	struct uvf_remap *rm = arg;
	uvf_remap_done_fn done = rm->done;

	(void)loop;
	rm->waiting = false;
	rm->done = NULL;
	uvf_log(UVF_LOG_WARN, rm->dev,
		"region-remap generation %llu not acknowledged within %llu ms: "
		"the state change fails with ETIMEDOUT",
		(unsigned long long)rm->generation, (unsigned long long)rm->timeout_ms);
	if (done)
		done(rm->dev, -ETIMEDOUT);
}

int uvf_remap_change(struct uvf_remap *rm, uint64_t regions, uvf_remap_done_fn done)
{
	struct uvf_loop *loop = uvf_device_loop(rm->dev);
	int r;

	if (rm->waiting)
		return -EBUSY;
	if (done) {
		r = uvf_loop_add_timer(loop, rm->timeout_ms, timed_out, rm, &rm->timer);
		if (r)
			return r;
		rm->waiting = true;
		rm->done = done;
	}
	/* Until the VMM acknowledges, it still has to look at everything
	 * changed since its last acknowledgement. */
	if (rm->acked == rm->generation)
		rm->regions = 0;
	rm->regions |= regions;
	rm->generation++;
	/* Signals coalesce in the eventfd; the generation says what is new.
	 * No eventfd (-ENOENT) is only possible when nothing waits. */
	if (uvf_remap_negotiated(rm))
		uvf_irq_notify(rm->dev, rm->irq_index, 0);
	return 0;
}

static void ack(struct uvf_remap *rm, uint64_t gen)
{
	uvf_remap_done_fn done;

	if (gen != rm->generation || gen == rm->acked) {
		uvf_log(UVF_LOG_DEBUG, rm->dev,
			"REMAP_ACK of generation %llu ignored (current %llu, acknowledged %llu)",
			(unsigned long long)gen, (unsigned long long)rm->generation,
			(unsigned long long)rm->acked);
		return;
	}
	rm->acked = gen;
	if (!rm->waiting)
		return;
	done = rm->done;
	uvf_remap_cancel(rm);
	if (done)
		done(rm->dev, 0);
}

int uvf_remap_feature(struct uvf_remap *rm, uint32_t feature, uint32_t op, const void *in,
		      size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
	uint32_t supported;
	uint8_t *p = out;

	if ((feature != UVF_FEATURE_REMAP_INFO && feature != UVF_FEATURE_REMAP_ACK) ||
	    !uvf_remap_negotiated(rm))
		return -ENOTTY;
	supported = feature == UVF_FEATURE_REMAP_INFO ? OP_GET : OP_SET;
	if (op & (OP_GET | OP_SET) & ~supported)
		return -EINVAL;
	if (op & OP_PROBE)
		return 0;
	if (!(op & (OP_GET | OP_SET)))
		return -EINVAL;

	if (feature == UVF_FEATURE_REMAP_ACK) {
		if (in_len < 8)
			return -EINVAL;
		ack(rm, uvf_get64(in));
		return 0;
	}
	if (out_cap < UVF_FEATURE_REMAP_INFO_SIZE)
		return -EINVAL;
	uvf_put32(p, rm->irq_index);
	uvf_put32(p + 4, UVF_IRQ_TYPE_REMAP);
	uvf_put32(p + 8, UVF_IRQ_SUBTYPE_REMAP_REGIONS);
	uvf_put32(p + 12, uvf_remap_enabled(rm) ? 1 : 0);
	uvf_put64(p + 16, rm->generation);
	uvf_put64(p + 24, rm->acked);
	uvf_put64(p + 32, rm->regions);
	*out_len = UVF_FEATURE_REMAP_INFO_SIZE;
	return 0;
}
