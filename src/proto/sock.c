/* UNIX socket helpers with SCM_RIGHTS. */
#include "proto/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uvfio/vfio-user.h>

#define CMSG_FDS_MAX	UVF_VU_MAX_MSG_FDS

ssize_t uvf_sock_send(int sock, const struct iovec *iov, int iovcnt,
		      const int *fds, unsigned nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CMSG_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	ssize_t n;

	if (nfds > CMSG_FDS_MAX)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t uvf_sock_recv(int sock, void *buf, size_t len, int *fds, unsigned *nfds,
		      unsigned max_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CMSG_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	int bad = 0;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t cnt;
		int *in;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		in = (int *)(void *)CMSG_DATA(c);
		for (size_t i = 0; i < cnt; i++) {
			int fd;

			memcpy(&fd, in + i, sizeof(fd));
			if (*nfds < max_fds) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				bad = 1;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		bad = 1;
	return bad ? -EBADMSG : n;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len);
	return 0;
}

int uvf_sock_listen(const char *path, int *out)
{
	struct sockaddr_un sa;
	struct stat st;
	int s, r;

	if ((r = fill_addr(&sa, path)))
		return r;
	/* Replace a stale socket, never another kind of file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		unlink(path);
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0) {
		r = -errno;
		close(s);
		return r;
	}
	*out = s;
	return 0;
}

int uvf_sock_connect(const char *path, int *out)
{
	struct sockaddr_un sa;
	int s, r;

	if ((r = fill_addr(&sa, path)))
		return r;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(s);
		return r;
	}
	*out = s;
	return 0;
}

void uvf_close_fds(int *fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
