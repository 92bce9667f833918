/* Internals shared by the client library's files. */
#ifndef UVF_CLIENT_IMPL_H
#define UVF_CLIENT_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <uvfio/client.h>

struct pending {
	struct pending *next;
	uint16_t id, cmd;
	bool done;
	int err;
	/* Reply payload: the first fixed_cap bytes go to fixed, the next
	 * data_cap bytes to data (e.g. straight into a caller's buffer). */
	void *fixed;
	size_t fixed_cap;
	void *data;
	size_t data_cap;
	size_t len;		/* full reply payload length */
	int rfd;		/* fd that came with the reply, -1 */
};

struct client_map {
	struct client_map *next;
	uint64_t iova, size;
	void *host;
};

struct uvf_client {
	int fd;
	int timeout_ms;
	pthread_mutex_t lock;		/* pend, next_id, reading, broken, maps */
	pthread_mutex_t send_lock;	/* one message at a time on the socket */
	pthread_cond_t cv;
	struct pending *pend;
	uint16_t next_id;
	bool reading;
	int broken;
	struct client_map *maps;
	struct uvf_client_server_caps caps;
};

/* Send a command and wait for its reply (xfer), or the two halves
 * separately so several commands can be in flight from one thread: p must
 * stay valid until uvf_client_wait(p) returned (replies are matched by id,
 * so they may be waited for in any order). */
int uvf_client_xfer(struct uvf_client *c, struct pending *p, uint16_t cmd, uint32_t flags,
		    struct iovec *iov, int iovcnt, const int *fds, unsigned nfds);
int uvf_client_send(struct uvf_client *c, struct pending *p, uint16_t cmd, uint32_t flags,
		    struct iovec *iov, int iovcnt, const int *fds, unsigned nfds);
int uvf_client_wait(struct uvf_client *c, struct pending *p);

#endif
