/* epoll backend of the loop's poller seam. */
#include "server/poller.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <uvfio/loop.h>

#define MAX_BATCH 64

struct uvf_poller {
	int epfd;
};

int uvf_poller_create(struct uvf_poller **out)
{
	struct uvf_poller *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0) {
		int r = -errno;

		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void uvf_poller_destroy(struct uvf_poller *p)
{
	if (!p)
		return;
	close(p->epfd);
	free(p);
}

static uint32_t to_epoll(unsigned events)
{
	return (events & UVF_EV_READ ? EPOLLIN : 0) | (events & UVF_EV_WRITE ? EPOLLOUT : 0);
}

static int ctl(struct uvf_poller *p, int op, int fd, unsigned events, uint64_t key)
{
	struct epoll_event e = { .events = to_epoll(events), .data.u64 = key };

	return epoll_ctl(p->epfd, op, fd, &e) < 0 ? -errno : 0;
}

int uvf_poller_add(struct uvf_poller *p, int fd, unsigned events, uint64_t key)
{
	return ctl(p, EPOLL_CTL_ADD, fd, events, key);
}

int uvf_poller_mod(struct uvf_poller *p, int fd, unsigned events, uint64_t key)
{
	return ctl(p, EPOLL_CTL_MOD, fd, events, key);
}

void uvf_poller_del(struct uvf_poller *p, int fd)
{
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
}

int uvf_poller_wait(struct uvf_poller *p, struct uvf_poll_event *ev, int max, int timeout_ms)
{
	struct epoll_event e[MAX_BATCH];
	int n;

	if (max > MAX_BATCH)
		max = MAX_BATCH;
	n = epoll_wait(p->epfd, e, max, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		ev[i].key = e[i].data.u64;
		ev[i].events = (e[i].events & EPOLLIN ? UVF_EV_READ : 0) |
			       (e[i].events & EPOLLOUT ? UVF_EV_WRITE : 0) |
			       (e[i].events & (EPOLLERR | EPOLLHUP) ? UVF_EV_ERROR : 0);
	}
	return n;
}
