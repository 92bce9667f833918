/* IRQ indexes: GET_IRQ_INFO, SET_IRQS with the kernel's validation and
 * errors, eventfd triggers, masking, and unmask irqfds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

static void release_index(struct uvf_device *d, unsigned index, uint32_t start, uint32_t count);

int uvf_device_set_irq(struct uvf_device *d, unsigned index, uint32_t count, uint32_t flags)
{
	struct irq_index *x;
	struct irq_vec *v = NULL;

	if (index >= d->num_irqs || count > 2048)
		return -EINVAL;
	x = &d->irqs[index];
	if (count == x->count) {
		x->flags = flags;
		return 0;
	}
	/* Changing the vector count drops the old wiring. */
	if (count) {
		v = calloc(count, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (uint32_t i = 0; i < count; i++)
			v[i].efd = v[i].unmask_efd = -1;
	}
	release_index(d, index, 0, x->count);
	free(x->vec);
	x->vec = v;
	x->count = count;
	x->flags = flags;
	return 0;
}

static struct irq_vec *vec_of(const struct uvf_device *d, unsigned index, unsigned vector)
{
	if (index >= d->num_irqs || vector >= d->irqs[index].count)
		return NULL;
	return &d->irqs[index].vec[vector];
}

bool uvf_irq_enabled(const struct uvf_device *d, unsigned index, unsigned vector)
{
	const struct irq_vec *v = vec_of(d, index, vector);

	return v && v->efd >= 0;
}

bool uvf_irq_masked(const struct uvf_device *d, unsigned index, unsigned vector)
{
	const struct irq_vec *v = vec_of(d, index, vector);

	return v && v->masked;
}

uint64_t uvf_irq_dropped(const struct uvf_device *d)
{
	return d->irq_dropped;
}

static int signal_efd(int efd)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is saturated: the VMM will still see it. */
	if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int fire(struct uvf_device *d, unsigned index, struct irq_vec *v)
{
	if (v->efd < 0)
		return -ENOENT;
	if (d->irqs[index].flags & UVF_VFIO_IRQ_INFO_AUTOMASKED)
		v->masked = true;
	return signal_efd(v->efd);
}

int uvf_irq_trigger(struct uvf_device *d, unsigned index, unsigned vector)
{
	if (!vec_of(d, index, vector))
		return -EINVAL;
	if (!uvf_mig_irq_allowed(d)) {
		d->irq_dropped++;
		uvf_log(UVF_LOG_DEBUG, d, "irq %u.%u dropped: device stopped for migration",
			index, vector);
		return -ESHUTDOWN;
	}
	return uvf_irq_notify(d, index, vector);
}

int uvf_irq_notify(struct uvf_device *d, unsigned index, unsigned vector)
{
	struct irq_vec *v = vec_of(d, index, vector);

	if (!v)
		return -EINVAL;
	if (v->masked) {
		v->pending = true;
		return -EAGAIN;
	}
	return fire(d, index, v);
}

static void unmask(struct uvf_device *d, unsigned index, unsigned vector)
{
	struct irq_vec *v = &d->irqs[index].vec[vector];

	v->masked = false;
	if (v->pending) {
		v->pending = false;
		fire(d, index, v);
	}
	if (d->ops->irq_unmasked)
		d->ops->irq_unmasked(d, index, vector);
}

int uvf_irq_info(struct uvf_device *d, const struct uvf_req *req, struct uvf_reply *rep)
{
	const struct irq_index *x;
	uint8_t *p;

	if (req->u.info.index >= d->num_irqs)
		return -EINVAL;
	x = &d->irqs[req->u.info.index];
	p = uvf_msgbuf_put(rep->mb, UVF_VFIO_IRQ_INFO_SIZE);
	if (!p)
		return -ENOMEM;
	uvf_put32(p, UVF_VFIO_IRQ_INFO_SIZE);
	uvf_put32(p + 4, x->flags);
	uvf_put32(p + 8, req->u.info.index);
	uvf_put32(p + 12, x->count);
	return 0;
}

/* An fd is acceptable as a trigger or irqfd only if it is an eventfd. */
static int check_eventfd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -EBADF;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static void on_unmask_efd(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct uvf_device *d = arg;
	uint64_t v;

	(void)loop;
	(void)events;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	/* Find the vector this irqfd belongs to (a handful of vectors). */
	for (unsigned i = 0; i < d->num_irqs; i++)
		for (uint32_t j = 0; j < d->irqs[i].count; j++)
			if (d->irqs[i].vec[j].unmask_efd == fd)
				unmask(d, i, j);
}

static void set_unmask_efd(struct uvf_device *d, struct irq_vec *v, int fd)
{
	if (v->unmask_efd >= 0) {
		uvf_loop_del_fd(d->loop, v->unmask_efd);
		close(v->unmask_efd);
	}
	v->unmask_efd = fd;
	if (fd >= 0 && uvf_loop_add_fd(d->loop, fd, UVF_EV_READ, on_unmask_efd, d) < 0) {
		close(fd);
		v->unmask_efd = -1;
	}
}

static void release_index(struct uvf_device *d, unsigned index, uint32_t start, uint32_t count)
{
	struct irq_index *x = &d->irqs[index];

	for (uint32_t i = start; i < start + count && i < x->count; i++) {
		if (x->vec[i].efd >= 0)
			close(x->vec[i].efd);
		x->vec[i].efd = -1;
		x->vec[i].masked = x->vec[i].pending = false;
		set_unmask_efd(d, &x->vec[i], -1);
	}
}

void uvf_irq_release_all(struct uvf_device *d)
{
	for (unsigned i = 0; i < d->num_irqs; i++)
		release_index(d, i, 0, d->irqs[i].count);
}

void uvf_irq_free(struct uvf_device *d)
{
	uvf_irq_release_all(d);
	for (unsigned i = 0; i < d->num_irqs; i++)
		free(d->irqs[i].vec);
	free(d->irqs);
	d->irqs = NULL;
	d->num_irqs = 0;
}

/* Generic checks, in the order and with the errors of the kernel's
 * vfio_set_irqs_validate_and_prepare() and vfio-pci's dispatch. */
static int validate(const struct uvf_device *d, const struct uvf_req_set_irqs *s)
{
	const uint32_t known = UVF_VFIO_IRQ_SET_DATA_TYPE_MASK | UVF_VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t data = s->flags & UVF_VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & UVF_VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t n;

	if (s->index >= d->num_irqs || s->count >= UINT32_MAX - s->start || (s->flags & ~known))
		return -EINVAL;
	n = d->irqs[s->index].count;
	if (s->start >= n || s->start + s->count > n)
		return -EINVAL;
	if (data != UVF_VFIO_IRQ_SET_DATA_NONE && data != UVF_VFIO_IRQ_SET_DATA_BOOL &&
	    data != UVF_VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;
	if (action != UVF_VFIO_IRQ_SET_ACTION_MASK && action != UVF_VFIO_IRQ_SET_ACTION_UNMASK &&
	    action != UVF_VFIO_IRQ_SET_ACTION_TRIGGER)
		return -ENOTTY;
	if (action != UVF_VFIO_IRQ_SET_ACTION_TRIGGER &&
	    !(d->irqs[s->index].flags & UVF_VFIO_IRQ_INFO_MASKABLE))
		return -ENOTTY;
	if (action == UVF_VFIO_IRQ_SET_ACTION_MASK && data == UVF_VFIO_IRQ_SET_DATA_EVENTFD)
		return -ENOTTY;
	if (s->count == 0 &&
	    !(action == UVF_VFIO_IRQ_SET_ACTION_TRIGGER && data == UVF_VFIO_IRQ_SET_DATA_NONE))
		return -EINVAL;
	return 0;
}

int uvf_irq_set(struct uvf_device *d, struct uvf_req *req)
{
	const struct uvf_req_set_irqs *s = &req->u.set_irqs;
	uint32_t data = s->flags & UVF_VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & UVF_VFIO_IRQ_SET_ACTION_TYPE_MASK;
	struct irq_index *x;
	int r;

	if ((r = validate(d, s)))
		return r;
	if (data == UVF_VFIO_IRQ_SET_DATA_EVENTFD)
		for (unsigned i = 0; i < req->nfds; i++)
			if ((r = check_eventfd(req->fds[i])))
				return r;
	if (d->ops->irq_set && (r = d->ops->irq_set(d, s->index, s->flags, s->start, s->count)))
		return r;
	x = &d->irqs[s->index];

	if (action == UVF_VFIO_IRQ_SET_ACTION_TRIGGER && data == UVF_VFIO_IRQ_SET_DATA_NONE &&
	    s->count == 0) {
		release_index(d, s->index, 0, x->count);
		return 0;
	}
	for (uint32_t i = 0; i < s->count; i++) {
		struct irq_vec *v = &x->vec[s->start + i];
		bool on = data != UVF_VFIO_IRQ_SET_DATA_BOOL || s->bools[i];
		int fd = -1;

		if (data == UVF_VFIO_IRQ_SET_DATA_EVENTFD && req->nfds) {
			fd = req->fds[i];
			req->fds[i] = -1;	/* ours now */
		}
		switch (action) {
		case UVF_VFIO_IRQ_SET_ACTION_TRIGGER:
			if (data == UVF_VFIO_IRQ_SET_DATA_EVENTFD) {
				if (v->efd >= 0)
					close(v->efd);
				v->efd = fd;
			} else if (on) {
				uvf_irq_trigger(d, s->index, s->start + i);
			}
			break;
		case UVF_VFIO_IRQ_SET_ACTION_MASK:
			if (on)
				v->masked = true;
			break;
		case UVF_VFIO_IRQ_SET_ACTION_UNMASK:
			if (data == UVF_VFIO_IRQ_SET_DATA_EVENTFD)
				set_unmask_efd(d, v, fd);
			else if (on)
				unmask(d, s->index, s->start + i);
			break;
		}
	}
	return 0;
}
