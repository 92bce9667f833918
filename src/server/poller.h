/* The loop's seam over epoll: the loop never sees an epoll_event, so a test
 * can drive it with a scripted fake. */
#ifndef UVF_SERVER_POLLER_H
#define UVF_SERVER_POLLER_H

#include <stdint.h>

struct uvf_poller;

struct uvf_poll_event {
	uint64_t key;		/* what the loop registered */
	unsigned events;	/* UVF_EV_* */
};

int uvf_poller_create(struct uvf_poller **out);
void uvf_poller_destroy(struct uvf_poller *p);
int uvf_poller_add(struct uvf_poller *p, int fd, unsigned events, uint64_t key);
int uvf_poller_mod(struct uvf_poller *p, int fd, unsigned events, uint64_t key);
void uvf_poller_del(struct uvf_poller *p, int fd);
/* Returns the number of events stored (<= max), or -errno. */
int uvf_poller_wait(struct uvf_poller *p, struct uvf_poll_event *ev, int max, int timeout_ms);

#endif
