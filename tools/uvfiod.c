/* uvfiod: serve VFIO devices over vfio-user, one socket per device.
 *
 *   uvfiod [--log-level error|warn|info|debug] [--foreground]
 *          --device TYPE,socket=PATH[,key=value...]   (repeatable)
 *
 * Prints "ready" on stdout once every socket listens; exits 0 on SIGTERM or
 * SIGINT after closing sockets and flushing images; non-zero with a
 * one-line reason on bad arguments. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <uvfio/device.h>

#include "devices/devices.h"

#define MAX_DEVICES 32

struct dev_type {
	const char *name;
	int (*create)(struct uvf_loop *loop, const struct uvf_devargs *a,
		      struct uvf_device **out);
};

static const struct dev_type types[] = {
	{ "mem", uvf_mem_device_create },
	{ "ccw-dasd", uvf_ccw_device_create },
	{ "pci-dma", uvf_pci_dma_device_create },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: uvfiod [--log-level error|warn|info|debug] [--foreground]\n"
		"              --device TYPE,socket=PATH[,key=value...] ...\n"
		"types: mem (size=BYTES[,resume_cap=BYTES])\n"
		"       ccw-dasd (image=FILE[,blocks=N][,blksize=512|1024|2048|4096]"
		"[,devno=0.0.XXXX])\n"
		"       pci-dma (mem=BYTES[,remap_timeout_ms=MS][,resume_cap=BYTES])\n");
}

static void on_signal(struct uvf_loop *loop, int fd, unsigned events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		uvf_loop_stop(loop);
}

static int parse_level(const char *s, enum uvf_log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum uvf_log_level)i;
			return 0;
		}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct uvf_device *devs[MAX_DEVICES];
	const char *specs[MAX_DEVICES];
	struct uvf_server *srv = NULL;
	struct uvf_loop *loop = NULL;
	unsigned ndev = 0, nspec = 0;
	int sfd = -1, ret = 1, r;
	sigset_t mask;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			if (nspec == MAX_DEVICES) {
				fprintf(stderr, "uvfiod: at most %d devices\n", MAX_DEVICES);
				return 2;
			}
			specs[nspec++] = argv[++i];
		} else if (!strcmp(argv[i], "--log-level") && i + 1 < argc) {
			enum uvf_log_level lvl;

			if (parse_level(argv[++i], &lvl)) {
				fprintf(stderr, "uvfiod: unknown log level '%s'\n", argv[i]);
				return 2;
			}
			uvf_log_set_level(lvl);
		} else if (!strcmp(argv[i], "--foreground")) {
			/* uvfiod never daemonizes; accepted for compatibility. */
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "uvfiod: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!nspec) {
		fprintf(stderr, "uvfiod: no --device given\n");
		usage(stderr);
		return 2;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((r = uvf_loop_create(&loop)) || (r = uvf_server_create(loop, &srv))) {
		fprintf(stderr, "uvfiod: cannot start: %s\n", strerror(-r));
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || uvf_loop_add_fd(loop, sfd, UVF_EV_READ, on_signal, NULL)) {
		fprintf(stderr, "uvfiod: cannot watch signals: %s\n", strerror(errno));
		goto out;
	}

	for (unsigned i = 0; i < nspec; i++) {
		struct uvf_devargs a;
		const struct dev_type *t = NULL;
		const char *sock;

		if (uvf_devargs_parse(specs[i], &a)) {
			fprintf(stderr, "uvfiod: bad --device '%s': want TYPE,socket=PATH[,k=v]\n",
				specs[i]);
			goto out;
		}
		for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			if (!strcmp(types[k].name, a.type))
				t = &types[k];
		sock = uvf_devargs_get(&a, "socket");
		if (!t || !sock) {
			fprintf(stderr, "uvfiod: --device '%s': %s\n", specs[i],
				!t ? "unknown device type" : "socket=PATH is required");
			uvf_devargs_free(&a);
			goto out;
		}
		r = t->create(loop, &a, &devs[ndev]);
		if (r) {
			fprintf(stderr, "uvfiod: --device '%s': %s\n", specs[i], strerror(-r));
			uvf_devargs_free(&a);
			goto out;
		}
		ndev++;
		r = uvf_server_add_device(srv, devs[ndev - 1], sock);
		uvf_devargs_free(&a);
		if (r) {
			fprintf(stderr, "uvfiod: cannot listen on '%s': %s\n", sock, strerror(-r));
			goto out;
		}
	}

	printf("ready\n");
	fflush(stdout);
	ret = uvf_loop_run(loop) ? 1 : 0;
out:
	uvf_server_destroy(srv);
	while (ndev)
		uvf_device_destroy(devs[--ndev]);
	if (sfd >= 0)
		close(sfd);
	uvf_loop_destroy(loop);
	return ret;
}
