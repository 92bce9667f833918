/* Internal view of a device: what core/, migration/ and server/ share.
 * Device backends use only uvfio/device.h. */
#ifndef UVF_CORE_CORE_H
#define UVF_CORE_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <uvfio/device.h>

#include "proto/proto.h"

struct uvf_dirty_log;

struct irq_vec {
	int efd;		/* trigger eventfd, -1 */
	int unmask_efd;		/* VMM -> device unmask irqfd, -1 */
	bool masked, pending;
};

struct irq_index {
	uint32_t count, flags;
	struct irq_vec *vec;
};

struct dma_map {
	uint64_t iova, size;
	uint32_t prot;
	int fd;			/* -1: message DMA */
	uint64_t offset;	/* file offset of iova */
	void *map_base;		/* rounded mmap window, for munmap */
	size_t map_len;
	uint8_t *host;		/* host address of iova */
};

/* The server side of a device's current connection, as the core sees it. */
struct uvf_link_ops {
	/* Send the reply of a parked command (payload built by the core). */
	void (*reply)(void *conn, uint16_t msg_id, uint16_t cmd, int err,
		      struct uvf_msgbuf *payload);
	/* Send a server->client command (DMA_READ/WRITE); the reply comes
	 * back through uvf_core_dma_reply().  Returns the msg_id used. */
	int (*request)(void *conn, uint16_t cmd, const struct iovec *iov, int iovcnt,
		       uint16_t *msg_id);
};

enum park_kind { PARK_NONE, PARK_MIG, PARK_RESET };

struct dma_req;

struct uvf_device {
	struct uvf_loop *loop;
	char *name;
	uint32_t flags;
	unsigned num_regions, num_irqs;
	struct uvf_region *regions;
	struct irq_index *irqs;
	const struct uvf_device_ops *ops;
	void *priv;
	uint64_t irq_dropped;

	/* DMA: maps sorted by iova, non-overlapping. */
	struct dma_map *maps;
	unsigned nmaps, cap_maps;
	uint32_t max_maps;
	struct uvf_dirty_log *dirty;
	struct dma_req *dma_reqs;	/* outstanding message DMA */

	/* Migration (migration/mig.c). */
	const struct uvf_mig_ops *mig;
	uint64_t mig_flags;		/* offered to the current client */
	enum uvf_mig_state state;
	enum uvf_mig_state target;	/* of the walk under way */
	enum uvf_mig_state target_hop;	/* the arc whose hook is pending */
	bool walking;
	bool session;			/* a data session is open */
	bool save_eof;			/* STOP_COPY data fully read */
	int save_err;			/* save_data failed after producing bytes */
	uint64_t resume_bytes, resume_cap;

	/* The one parked client command, if any. */
	struct {
		enum park_kind kind;
		uint16_t msg_id, cmd;
		uint32_t argsz;
		uint8_t echo[UVF_VFIO_DEVICE_FEATURE_SIZE + UVF_VFIO_MIG_STATE_SIZE];
		uint32_t echo_len;
	} park;

	/* Connection. */
	void *conn;
	const struct uvf_link_ops *link;
	struct uvf_caps caps;		/* what was negotiated with the client */
};

/* A reply under construction. */
struct uvf_reply {
	struct uvf_msgbuf *mb;		/* header begun; append the payload */
	const void *extra;		/* sent after mb without a copy */
	uint32_t extra_len;
	int fd;				/* fd to pass (not owned), -1 */
};

/* Handle one decoded client command.  0: reply built in rep; -EINPROGRESS:
 * parked, the core replies later through link->reply; other: error reply. */
int uvf_core_dispatch(struct uvf_device *dev, struct uvf_req *req, struct uvf_reply *rep);
/* Is this command held back while a command of the device is parked? */
bool uvf_core_cmd_waits_for_park(const struct uvf_req *req);
bool uvf_core_parked(const struct uvf_device *dev);

/* Connection life cycle (server/). */
void uvf_core_attach(struct uvf_device *dev, void *conn, const struct uvf_link_ops *link,
		     const struct uvf_caps *caps);
void uvf_core_detach(struct uvf_device *dev);
/* A DMA_READ/DMA_WRITE reply from the client. */
void uvf_core_dma_reply(struct uvf_device *dev, const struct uvf_req *req, int err);

/* Pieces of dispatch, one file each. */
int uvf_region_info(struct uvf_device *dev, const struct uvf_req *req, struct uvf_reply *rep);
int uvf_region_access(struct uvf_device *dev, const struct uvf_req *req, struct uvf_reply *rep);
int uvf_region_write_multi(struct uvf_device *dev, const struct uvf_req *req,
			   struct uvf_reply *rep);
int uvf_irq_info(struct uvf_device *dev, const struct uvf_req *req, struct uvf_reply *rep);
int uvf_irq_set(struct uvf_device *dev, struct uvf_req *req);
void uvf_irq_release_all(struct uvf_device *dev);
void uvf_irq_free(struct uvf_device *dev);
int uvf_dma_map_add(struct uvf_device *dev, struct uvf_req *req);
int uvf_dma_map_remove(struct uvf_device *dev, const struct uvf_req *req, struct uvf_reply *rep);
void uvf_dma_remove_all(struct uvf_device *dev);
int uvf_dma_log_feature(struct uvf_device *dev, const struct uvf_req_feature *f,
			struct uvf_reply *rep);
void uvf_dma_log_stop(struct uvf_device *dev);
void uvf_dma_cancel_requests(struct uvf_device *dev);
int uvf_feature_dispatch(struct uvf_device *dev, const struct uvf_req *req,
			 struct uvf_reply *rep);

/* migration/mig.c */
int uvf_mig_feature(struct uvf_device *dev, const struct uvf_req *req, struct uvf_reply *rep);
int uvf_mig_data_read(struct uvf_device *dev, const struct uvf_req *req, struct uvf_reply *rep);
int uvf_mig_data_write(struct uvf_device *dev, const struct uvf_req *req);
int uvf_mig_precopy_info(struct uvf_device *dev, const struct uvf_req *req,
			 struct uvf_reply *rep);
/* Reset: end any session, cancel a walk, state RUNNING. */
void uvf_mig_reset(struct uvf_device *dev);
bool uvf_mig_dma_allowed(const struct uvf_device *dev);
bool uvf_mig_irq_allowed(const struct uvf_device *dev);

/* Send the reply of the parked command and clear the park. */
void uvf_core_park_reply(struct uvf_device *dev, int err, struct uvf_msgbuf *payload);

/* core/feature.c: the kernel's per-feature check.  *probe_only is set when
 * the request was a PROBE that is now answered (reply with the echo). */
int uvf_feature_check(const struct uvf_req_feature *f, uint32_t supported, uint32_t minsz,
		      bool *probe_only);
int uvf_feature_reply_probe(const struct uvf_req_feature *f, struct uvf_reply *rep);

#endif
