/* SPDX-License-Identifier: MIT */
/*
 * pci/remap.h - the device side of the region-remap IRQ handshake
 * (uvfio/vfio-user.h, "Region-remap IRQ"), usable by any device that
 * changes which of its regions may be mmap'ed.
 *
 * Model.  The layout of the device's regions has a generation number.  A
 * device that changed a region (with uvf_device_set_region) calls
 * uvf_remap_change(): the generation goes up, the changed regions are
 * recorded, and the IRQ is signalled.  The VMM answers with REMAP_ACK
 * naming the generation it handled.  A change may ask to wait for that
 * acknowledgement: a device does so for the arc into PRE_COPY, whose hook
 * then returns -EINPROGRESS and finishes from the done callback, with 0
 * when the acknowledgement came or -ETIMEDOUT when the timer ran out.
 *
 * Why each piece is there (the 2020 "REMAP_BAR_REGION" objections):
 *  - Signal and acknowledgement travel different ways (eventfd one way,
 *    a DEVICE_FEATURE SET the other) and the acknowledgement names its
 *    generation, so coalesced signals, a lost or a repeated
 *    acknowledgement cannot be mistaken for one another: only an
 *    acknowledgement of the current, not yet acknowledged generation
 *    counts; everything else is answered with success and ignored.
 *  - Nothing blocks: the state change is parked by the core (its reply is
 *    deferred) while the loop keeps serving REMAP_INFO, REMAP_ACK, region
 *    info and region I/O, and a timer bounds the wait.
 *  - The refusal rule is part of the protocol: a client that negotiated
 *    remap_irq and has no eventfd on the IRQ is refused with EPERM; one
 *    that did not negotiate never sees the IRQ (DEVICE_GET_INFO leaves the
 *    index out) and is simply not offered PRE_COPY.
 *  - `regions` accumulates every region changed since the last
 *    acknowledgement, so a VMM that saw only the newest signal still
 *    re-queries everything that changed.
 *
 * One object per device, embedded; owned by the loop thread.
 */
#ifndef UVF_PCI_REMAP_H
#define UVF_PCI_REMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uvfio/device.h>

#define UVF_REMAP_DEFAULT_TIMEOUT_MS	2000

typedef void (*uvf_remap_done_fn)(struct uvf_device *dev, int err);

/* Embed in the device; fields are private to remap.c. */
struct uvf_remap {
	struct uvf_device *dev;
	unsigned irq_index;
	uint64_t timeout_ms;
	uint64_t generation, acked, regions;
	bool waiting;
	uint64_t timer;
	uvf_remap_done_fn done;
};

/* The IRQ index (>= 5) must exist in the device (num_irqs > irq_index). */
void uvf_remap_init(struct uvf_remap *rm, struct uvf_device *dev, unsigned irq_index,
		    uint64_t timeout_ms);

/* From the device's attach op: make the IRQ index visible (count 1,
 * EVENTFD) to a client that negotiated remap_irq and invisible to others,
 * and start a new generation count (the new client has seen no layout). */
int uvf_remap_attach(struct uvf_remap *rm);

/* Did the current client negotiate remap_irq? */
bool uvf_remap_negotiated(const struct uvf_remap *rm);
/* ... and put an eventfd on the IRQ? */
bool uvf_remap_enabled(const struct uvf_remap *rm);
/* Is a change waiting for its acknowledgement? */
bool uvf_remap_waiting(const struct uvf_remap *rm);
uint64_t uvf_remap_generation(const struct uvf_remap *rm);

/*
 * The device just changed `regions` (bitmap of region indexes).  Bumps the
 * generation and signals the IRQ (if the client has it).  With `done`,
 * waits for the acknowledgement of this generation: done(dev, 0) on it,
 * done(dev, -ETIMEDOUT) after the timeout; exactly one of them, unless
 * uvf_remap_cancel() runs first.  -EBUSY if a wait is already under way
 * (nothing changed then), -ENOMEM if the timer cannot be armed.
 */
int uvf_remap_change(struct uvf_remap *rm, uint64_t regions, uvf_remap_done_fn done);

/* Forget a wait without calling done (reset, disconnect, destroy). */
void uvf_remap_cancel(struct uvf_remap *rm);

/*
 * The device's feature op for UVF_FEATURE_REMAP_INFO (GET) and
 * UVF_FEATURE_REMAP_ACK (SET); arguments as uvf_device_ops.feature.
 * -ENOTTY for any other feature, and for both when the client did not
 * negotiate remap_irq; -EINVAL for a wrong op or short data.
 */
int uvf_remap_feature(struct uvf_remap *rm, uint32_t feature, uint32_t op, const void *in,
		      size_t in_len, void *out, size_t out_cap, size_t *out_len);

#endif /* UVF_PCI_REMAP_H */
