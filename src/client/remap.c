/* SPDX-License-Identifier: MIT */
/*
 * The client side of the region-remap IRQ (see uvfio/client.h): a thread
 * per connection waits on the IRQ's eventfd, reads REMAP_INFO, re-queries
 * the regions it names, lets the VMM drop or re-create its mappings through
 * a callback, and acknowledges the generation.
 *
 * It works while another thread of the same connection is blocked in the
 * SET that triggered the remap: the client library matches replies by
 * msg_id, and the server never holds REMAP_INFO, REMAP_ACK or region info
 * behind a parked SET.  The signal carries no information of its own (an
 * eventfd counts, signals coalesce): each wake-up reads the current
 * generation, so a burst of changes is handled once, for the newest one.
 */
#include <uvfio/client.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <uvfio/vfio-user.h>

#include "client/client_impl.h"
#include "proto/wire.h"

#define FEAT(op, idx) (UVF_VFIO_DEVICE_FEATURE_##op | (idx))
#define WAIT_MS	1000	/* each poll: how long a stop may take to be seen */

struct uvf_client_remap {
	struct uvf_client *c;
	uvf_client_remap_fn fn;
	void *arg;
	uint32_t irq_index;
	int efd;		/* the IRQ's eventfd (the server holds a copy) */
	int stop_efd;
	pthread_t thr;
	pthread_mutex_t lock;	/* stats */
	struct uvf_client_remap_stats stats;
};

int uvf_client_remap_info(struct uvf_client *c, struct uvf_client_remap_info *out)
{
	uint8_t a[UVF_FEATURE_REMAP_INFO_SIZE];
	size_t len;
	int r = uvf_client_feature(c, FEAT(GET, UVF_FEATURE_REMAP_INFO), NULL, 0, a, sizeof(a),
				   &len);

	if (r)
		return r;
	if (len < sizeof(a))
		return -EPROTO;
	out->irq_index = uvf_get32(a);
	out->irq_type = uvf_get32(a + 4);
	out->irq_subtype = uvf_get32(a + 8);
	out->enabled = uvf_get32(a + 12);
	out->generation = uvf_get64(a + 16);
	out->acked = uvf_get64(a + 24);
	out->regions = uvf_get64(a + 32);
	return 0;
}

int uvf_client_remap_ack(struct uvf_client *c, uint64_t generation)
{
	uint8_t q[8], a[8];

	uvf_put64(q, generation);
	return uvf_client_feature(c, FEAT(SET, UVF_FEATURE_REMAP_ACK), q, sizeof(q), a,
				  sizeof(a), NULL);
}

static void note(struct uvf_client_remap *rm, int err, uint64_t gen)
{
	pthread_mutex_lock(&rm->lock);
	if (err) {
		rm->stats.last_error = err;
	} else {
		rm->stats.handled++;
		rm->stats.last_generation = gen;
	}
	pthread_mutex_unlock(&rm->lock);
}

/* One wake-up: bring the VMM's mappings to the current generation. */
static void handle(struct uvf_client_remap *rm)
{
	struct uvf_client_remap_info info;
	int r = uvf_client_remap_info(rm->c, &info);

	if (r) {
		note(rm, r, 0);
		return;
	}
	if (info.generation == info.acked)
		return;		/* already handled (a coalesced or late signal) */
	for (unsigned i = 0; i < 64; i++) {
		struct uvf_client_region reg;

		if (!(info.regions & 1ull << i))
			continue;
		if ((r = uvf_client_region_info(rm->c, i, &reg))) {
			note(rm, r, 0);
			return;
		}
		r = rm->fn ? rm->fn(rm->arg, &reg) : 0;
		uvf_client_region_release(&reg);
		if (r) {
			/* No acknowledgement: the VMM may still be using a
			 * mapping the device wants gone. */
			note(rm, r, 0);
			return;
		}
	}
	r = uvf_client_remap_ack(rm->c, info.generation);
	note(rm, r, info.generation);
}

static void *remap_main(void *arg)
{
	struct uvf_client_remap *rm = arg;

	for (;;) {
		struct pollfd p[2] = { { rm->efd, POLLIN, 0 }, { rm->stop_efd, POLLIN, 0 } };
		uint64_t v;
		int n = poll(p, 2, WAIT_MS);

		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			if (read(rm->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
			handle(rm);
		}
	}
	return NULL;
}

int uvf_client_remap_start(struct uvf_client *c, uvf_client_remap_fn fn, void *arg,
			   struct uvf_client_remap **out)
{
	struct uvf_client_remap_info info;
	struct uvf_client_remap *rm;
	int r;

	if (!c->caps.remap_irq)
		return -ENOTSUP;
	r = uvf_client_remap_info(c, &info);
	if (r == -ENOTTY || (!r && (info.irq_type != UVF_IRQ_TYPE_REMAP ||
				    info.irq_subtype != UVF_IRQ_SUBTYPE_REMAP_REGIONS)))
		return -ENOTSUP;
	if (r)
		return r;
	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return -ENOMEM;
	rm->c = c;
	rm->fn = fn;
	rm->arg = arg;
	rm->irq_index = info.irq_index;
	rm->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rm->stop_efd < 0) {
		r = -errno;
		free(rm);
		return r;
	}
	pthread_mutex_init(&rm->lock, NULL);
	if ((r = uvf_client_irq_eventfd(c, info.irq_index, 0, &rm->efd)))
		goto err;
	if ((r = -pthread_create(&rm->thr, NULL, remap_main, rm))) {
		uvf_client_set_irqs(c, info.irq_index, UVF_VFIO_IRQ_SET_DATA_NONE |
				    UVF_VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL, 0);
		close(rm->efd);
		goto err;
	}
	*out = rm;
	return 0;
err:
	close(rm->stop_efd);
	pthread_mutex_destroy(&rm->lock);
	free(rm);
	return r;
}

void uvf_client_remap_stop(struct uvf_client_remap *rm)
{
	uint64_t one = 1;

	if (!rm)
		return;
	if (write(rm->stop_efd, &one, sizeof(one)) < 0) {
		/* a full counter still wakes the thread */
	}
	pthread_join(rm->thr, NULL);
	uvf_client_set_irqs(rm->c, rm->irq_index, UVF_VFIO_IRQ_SET_DATA_NONE |
			    UVF_VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL, 0);
	close(rm->efd);
	close(rm->stop_efd);
	pthread_mutex_destroy(&rm->lock);
	free(rm);
}

void uvf_client_remap_stats(struct uvf_client_remap *rm, struct uvf_client_remap_stats *out)
{
	pthread_mutex_lock(&rm->lock);
	*out = rm->stats;
	pthread_mutex_unlock(&rm->lock);
}
