/* Listening sockets: one per device, one client at a time.  While a client
 * is connected the listening socket is taken out of the loop, so the next
 * client waits in the backlog and is served when the current one leaves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/sock.h"
#include "server/conn.h"

struct listener {
	struct listener *next;
	struct uvf_server *srv;
	struct uvf_device *dev;
	char *path;
	int fd;
	struct conn *conn;
};

struct uvf_server {
	struct uvf_loop *loop;
	struct listener *listeners;
};

static void on_accept(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct listener *l = arg;
	int c;

	(void)events;
	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (uvf_conn_open(l, l->dev, c, &l->conn)) {
		uvf_log(UVF_LOG_ERROR, l->dev, "out of memory accepting a client on %s", l->path);
		close(c);
		return;
	}
	uvf_loop_del_fd(loop, fd);
	uvf_log(UVF_LOG_INFO, l->dev, "client connected on %s", l->path);
}

void uvf_listener_conn_gone(struct listener *l)
{
	l->conn = NULL;
	uvf_log(UVF_LOG_INFO, l->dev, "client left %s; device reset, waiting for the next",
		l->path);
	if (uvf_loop_add_fd(l->srv->loop, l->fd, UVF_EV_READ, on_accept, l))
		uvf_log(UVF_LOG_ERROR, l->dev, "cannot listen again on %s", l->path);
}

int uvf_server_create(struct uvf_loop *loop, struct uvf_server **out)
{
	struct uvf_server *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->loop = loop;
	*out = s;
	return 0;
}

int uvf_server_add_device(struct uvf_server *s, struct uvf_device *dev, const char *path)
{
	struct listener *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->srv = s;
	l->dev = dev;
	l->path = strdup(path);
	if (!l->path) {
		free(l);
		return -ENOMEM;
	}
	if ((r = uvf_sock_listen(path, &l->fd))) {
		free(l->path);
		free(l);
		return r;
	}
	if ((r = uvf_loop_add_fd(s->loop, l->fd, UVF_EV_READ, on_accept, l))) {
		close(l->fd);
		unlink(path);
		free(l->path);
		free(l);
		return r;
	}
	l->next = s->listeners;
	s->listeners = l;
	return 0;
}

void uvf_server_destroy(struct uvf_server *s)
{
	if (!s)
		return;
	while (s->listeners) {
		struct listener *l = s->listeners;

		s->listeners = l->next;
		if (l->conn) {
			struct conn *c = l->conn;

			/* Closing re-arms the listener: take it out again below. */
			uvf_conn_close(c);
		}
		uvf_loop_del_fd(s->loop, l->fd);
		close(l->fd);
		unlink(l->path);
		free(l->path);
		free(l);
	}
	free(s);
}
