/* UNIX socket helpers: SCM_RIGHTS fd passing and listen/connect.
 * All return a byte count, 0, or a negative errno. */
#ifndef UVF_PROTO_SOCK_H
#define UVF_PROTO_SOCK_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* One sendmsg() of iov with nfds fds attached (MSG_NOSIGNAL).  Returns the
 * bytes sent (possibly fewer than asked on a non-blocking socket). */
ssize_t uvf_sock_send(int sock, const struct iovec *iov, int iovcnt,
		      const int *fds, unsigned nfds);
/* One recvmsg() into buf.  fds that arrive are stored in fds[*nfds..] up to
 * max_fds; extra or truncated fds are closed and -EBADMSG returned after
 * the data was consumed (the caller treats the stream as broken).  Returns
 * bytes read, 0 at EOF, -EAGAIN when nothing is there. */
ssize_t uvf_sock_recv(int sock, void *buf, size_t len, int *fds, unsigned *nfds,
		      unsigned max_fds);
/* Create a listening, non-blocking, close-on-exec socket at path (a stale
 * socket file is replaced). */
int uvf_sock_listen(const char *path, int *out);
/* Connect a blocking, close-on-exec socket to path. */
int uvf_sock_connect(const char *path, int *out);
/* Close every fd in fds[0..n) that is >= 0 and mark it -1. */
void uvf_close_fds(int *fds, unsigned n);

#endif
