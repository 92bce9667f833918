/* Device life cycle, connection attach/detach, and command dispatch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/dirty.h"

int uvf_device_create(struct uvf_loop *loop, const char *name, uint32_t flags,
		      unsigned num_regions, unsigned num_irqs,
		      const struct uvf_device_ops *ops, void *priv, struct uvf_device **out)
{
	struct uvf_device *d;

	if (!loop || !name || !ops || num_regions > 100 || num_irqs > 50)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->name = strdup(name);
	d->regions = calloc(num_regions ? num_regions : 1, sizeof(*d->regions));
	d->irqs = calloc(num_irqs ? num_irqs : 1, sizeof(*d->irqs));
	if (!d->name || !d->regions || !d->irqs) {
		free(d->name);
		free(d->regions);
		free(d->irqs);
		free(d);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < num_regions; i++)
		d->regions[i].fd = -1;
	d->loop = loop;
	d->flags = flags;
	d->num_regions = num_regions;
	d->num_irqs = num_irqs;
	d->ops = ops;
	d->priv = priv;
	d->max_maps = UVF_VU_DEFAULT_MAX_DMA_MAPS;
	d->state = UVF_MIG_STATE_RUNNING;
	d->resume_cap = 1ull << 30;
	*out = d;
	return 0;
}

void uvf_device_destroy(struct uvf_device *d)
{
	if (!d)
		return;
	uvf_core_detach(d);
	if (d->ops->destroy)
		d->ops->destroy(d);
	uvf_irq_free(d);
	uvf_dma_log_stop(d);
	free(d->maps);
	free(d->regions);
	free(d->name);
	free(d);
}

void *uvf_device_priv(const struct uvf_device *d)
{
	return d->priv;
}

const char *uvf_device_name(const struct uvf_device *d)
{
	return d->name;
}

struct uvf_loop *uvf_device_loop(const struct uvf_device *d)
{
	return d->loop;
}

bool uvf_device_connected(const struct uvf_device *d)
{
	return d->conn != NULL;
}

uint32_t uvf_device_client_ext(const struct uvf_device *d)
{
	if (!d->conn)
		return 0;
	return (d->caps.precopy_info ? UVF_EXT_PRECOPY_INFO : 0) |
	       (d->caps.precopy_enomsg ? UVF_EXT_PRECOPY_ENOMSG : 0) |
	       (d->caps.remap_irq ? UVF_EXT_REMAP_IRQ : 0);
}

bool uvf_core_parked(const struct uvf_device *d)
{
	return d->park.kind != PARK_NONE;
}

void uvf_core_park_reply(struct uvf_device *d, int err, struct uvf_msgbuf *payload)
{
	uint16_t id = d->park.msg_id, cmd = d->park.cmd;

	d->park.kind = PARK_NONE;
	if (d->conn)
		d->link->reply(d->conn, id, cmd, err, payload);
}

void uvf_core_attach(struct uvf_device *d, void *conn, const struct uvf_link_ops *link,
		     const struct uvf_caps *caps)
{
	d->conn = conn;
	d->link = link;
	d->caps = *caps;
	if (d->mig)
		d->mig_flags = d->mig->flags;
	if (d->ops->attach)
		d->ops->attach(d);
}

static int do_reset(struct uvf_device *d)
{
	int r = 0;

	uvf_mig_reset(d);
	if (d->ops->reset)
		r = d->ops->reset(d);
	return r;
}

/* The client is gone: forget its DMA maps and eventfds, reset the device
 * so the next client finds it fresh.  A parked command dies with it. */
void uvf_core_detach(struct uvf_device *d)
{
	int r;

	if (!d->conn)
		return;
	if (d->ops->detach)
		d->ops->detach(d);
	d->conn = NULL;
	d->link = NULL;
	d->park.kind = PARK_NONE;
	uvf_dma_cancel_requests(d);
	uvf_dma_log_stop(d);
	uvf_dma_remove_all(d);
	uvf_irq_release_all(d);
	r = do_reset(d);
	if (r && r != -EINPROGRESS)
		uvf_log(UVF_LOG_WARN, d, "reset after disconnect failed: %s", strerror(-r));
}

void uvf_device_reset_done(struct uvf_device *d, int err)
{
	if (d->park.kind == PARK_RESET)
		uvf_core_park_reply(d, err, NULL);
}

static int reset_cmd(struct uvf_device *d, const struct uvf_req *req)
{
	int r;

	/* One reset at a time: a second one while the first is parked would
	 * leave the first unanswered. */
	if (d->park.kind == PARK_RESET)
		return -EBUSY;
	/* A reset cancels a parked state change: that SET fails. */
	if (d->park.kind == PARK_MIG)
		uvf_core_park_reply(d, -ECANCELED, NULL);
	r = do_reset(d);
	if (r == -EINPROGRESS) {
		d->park.kind = PARK_RESET;
		d->park.msg_id = req->hdr.msg_id;
		d->park.cmd = req->hdr.cmd;
	}
	return r;
}

static int device_info(struct uvf_device *d, struct uvf_reply *rep)
{
	uint8_t *p = uvf_msgbuf_put(rep->mb, UVF_VU_DEVICE_INFO_SIZE);
	unsigned nirqs = d->num_irqs;

	if (!p)
		return -ENOMEM;
	/* An IRQ index a client did not negotiate stays invisible. */
	while (nirqs && d->irqs[nirqs - 1].count == 0)
		nirqs--;
	uvf_put32(p, UVF_VU_DEVICE_INFO_SIZE);
	uvf_put32(p + 4, d->flags);
	uvf_put32(p + 8, d->num_regions);
	uvf_put32(p + 12, nirqs);
	return 0;
}

static int region_io_fds(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	uint8_t *p;

	if (req->u.info.index >= d->num_regions)
		return -EINVAL;
	/* uvfio offers no ioeventfds: an empty list. */
	p = uvf_msgbuf_put(rep->mb, 16);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, 16);
	uvf_put32(p + 8, req->u.info.index);
	return 0;
}

bool uvf_core_cmd_waits_for_park(const struct uvf_req *req)
{
	switch (req->hdr.cmd) {
	case UVF_VU_CMD_DEVICE_FEATURE:
		/* The remap handshake must get through while a SET waits on it. */
		return req->u.feature.feature != UVF_FEATURE_REMAP_INFO &&
		       req->u.feature.feature != UVF_FEATURE_REMAP_ACK;
	case UVF_VU_CMD_MIG_DATA_READ:
	case UVF_VU_CMD_MIG_DATA_WRITE:
	case UVF_VU_CMD_MIG_PRECOPY_INFO:
		return true;
	default:
		return false;
	}
}

int uvf_core_dispatch(struct uvf_device *d, struct uvf_req *req, struct uvf_reply *rep)
{
	switch (req->hdr.cmd) {
	case UVF_VU_CMD_DMA_MAP:
		return uvf_dma_map_add(d, req);
	case UVF_VU_CMD_DMA_UNMAP:
		return uvf_dma_map_remove(d, req, rep);
	case UVF_VU_CMD_DEVICE_GET_INFO:
		return device_info(d, rep);
	case UVF_VU_CMD_DEVICE_GET_REGION_INFO:
		return uvf_region_info(d, req, rep);
	case UVF_VU_CMD_DEVICE_GET_REGION_IO_FDS:
		return region_io_fds(d, req, rep);
	case UVF_VU_CMD_DEVICE_GET_IRQ_INFO:
		return uvf_irq_info(d, req, rep);
	case UVF_VU_CMD_DEVICE_SET_IRQS:
		return uvf_irq_set(d, req);
	case UVF_VU_CMD_REGION_READ:
	case UVF_VU_CMD_REGION_WRITE:
		return uvf_region_access(d, req, rep);
	case UVF_VU_CMD_REGION_WRITE_MULTI:
		return uvf_region_write_multi(d, req, rep);
	case UVF_VU_CMD_DEVICE_RESET:
		return reset_cmd(d, req);
	case UVF_VU_CMD_DEVICE_FEATURE:
		return uvf_feature_dispatch(d, req, rep);
	case UVF_VU_CMD_MIG_DATA_READ:
		return uvf_mig_data_read(d, req, rep);
	case UVF_VU_CMD_MIG_DATA_WRITE:
		return uvf_mig_data_write(d, req);
	case UVF_VU_CMD_MIG_PRECOPY_INFO:
		if (!d->caps.precopy_info)
			return -EINVAL;
		return uvf_mig_precopy_info(d, req, rep);
	default:
		return -EINVAL;
	}
}
