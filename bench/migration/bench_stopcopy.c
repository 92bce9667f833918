/* SPDX-License-Identifier: MIT */
/*
 * bench_stopcopy.c - STOP_COPY of a 256 MiB mem device between two uvfiod
 * processes, against a floor measured in the same run.
 *
 * Measured (the downtime of a migration whose pre-copy sent nothing):
 * source RUNNING->STOP_COPY, every chunk read from the source and written
 * to the destination through the client library in max_data_xfer_size
 * (1 MiB) chunks, then destination RESUMING->RUNNING (validation and
 * apply).  The destination enters RESUMING before the clock starts, as it
 * does in a real migration (it gets ready before the source stops); that
 * step is shown apart.  The stream is copied serially (read, write, as
 * uvf_client_migrate does) and pipelined (reader and writer threads, as
 * when source and destination are different hosts); the JSON line reports
 * the faster.
 *
 * Floor: a memcpy of 256 MiB plus pushing 256 MiB through a socketpair in
 * 1 MiB chunks (a reader thread on the other end), i.e. one copy of the
 * state and one trip through a socket.  The real path has more of both:
 * memory -> reply buffer (+checksum) -> socket -> client -> socket ->
 * staging copy (+checksum) -> device memory, which is why "near the floor"
 * means a ratio well below 1 and the table shows where the time goes.
 *
 * Usage: bench-stopcopy [repetitions]   (default 5; UVFIOD overrides the
 * daemon path)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uvfio/client.h>
#include "../common/bench.h"
#include "spawn.h"

#ifndef UVFIOD_PATH
#define UVFIOD_PATH "uvfiod"
#endif

#define MIB		(1ull << 20)
#define STATE_SIZE	(256 * MIB)
#define CHUNK		MIB

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_u64);
	return v[n / 2];
}

static double mib_s(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes / MIB / ((double)ns / 1e9) : 0;
}

/* ---- daemons ----------------------------------------------------------------- */

static pid_t spawn(const char *dev)
{
	const char *args[] = { "--log-level", "error", "--device", dev, NULL };

	return uvf_spawn_uvfiod(getenv("UVFIOD") ? getenv("UVFIOD") : UVFIOD_PATH, args);
}

/* ---- floor --------------------------------------------------------------------- */

struct sink {
	int fd;
	uint64_t bytes;
};

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	uint8_t *buf = malloc(CHUNK);

	while (buf) {
		ssize_t n = read(s->fd, buf, CHUNK);

		if (n <= 0)
			break;
		s->bytes += (uint64_t)n;
	}
	free(buf);
	return NULL;
}

static uint64_t floor_socket(const uint8_t *src)
{
	struct sink s = { 0 };
	pthread_t tid;
	uint64_t t;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 0;
	s.fd = sv[1];
	pthread_create(&tid, NULL, sink_main, &s);
	t = now_ns();
	for (uint64_t off = 0; off < STATE_SIZE;) {
		ssize_t n = write(sv[0], src + off, CHUNK);

		if (n <= 0)
			break;
		off += (uint64_t)n;
	}
	shutdown(sv[0], SHUT_WR);
	pthread_join(tid, NULL);
	t = now_ns() - t;
	close(sv[0]);
	close(sv[1]);
	return s.bytes == STATE_SIZE ? t : 0;
}

static uint64_t floor_memcpy(uint8_t *dst, const uint8_t *src)
{
	uint64_t t = now_ns();

	memcpy(dst, src, STATE_SIZE);
	__asm__ volatile("" : : "r"(dst) : "memory");
	return now_ns() - t;
}

/* ---- the migration ------------------------------------------------------------- */

struct times {
	uint64_t resuming, total, enter, stream, apply;
};

/*
 * The stream copy.  Serial: read a chunk, write it, repeat (what
 * uvf_client_migrate does).  Pipelined: a reader thread and a writer
 * thread with a ring of chunks between them, so the source daemon, the
 * socket trips and the destination daemon overlap, as they do when source
 * and destination are different hosts.
 */
#define RING	4

struct pipe_run {
	struct uvf_client *src, *dst;
	uint8_t *buf[RING];
	size_t len[RING];
	unsigned head, tail;	/* filled: [tail, head) */
	bool eof;
	int err;
	uint64_t moved;
	pthread_mutex_t lock;
	pthread_cond_t cv;
};

static void *reader_main(void *arg)
{
	struct pipe_run *p = arg;

	for (;;) {
		long n;

		pthread_mutex_lock(&p->lock);
		while (p->head - p->tail == RING && !p->err)
			pthread_cond_wait(&p->cv, &p->lock);
		pthread_mutex_unlock(&p->lock);
		if (p->err)
			break;
		n = uvf_client_mig_read(p->src, p->buf[p->head % RING], CHUNK);
		pthread_mutex_lock(&p->lock);
		if (n < 0) {
			p->err = (int)n;
		} else {
			p->len[p->head % RING] = (size_t)n;
			p->head++;
			p->eof = (size_t)n < CHUNK;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->lock);
		if (n < 0 || (size_t)n < CHUNK)
			break;
	}
	return NULL;
}

static int stream_pipelined(struct uvf_client *src, struct uvf_client *dst, uint8_t **bufs,
			    uint64_t *moved)
{
	struct pipe_run p = { .src = src, .dst = dst };
	pthread_t tid;
	int err;

	for (int i = 0; i < RING; i++)
		p.buf[i] = bufs[i];
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cv, NULL);
	pthread_create(&tid, NULL, reader_main, &p);
	for (;;) {
		size_t n;
		int r;

		pthread_mutex_lock(&p.lock);
		while (p.head == p.tail && !p.eof && !p.err)
			pthread_cond_wait(&p.cv, &p.lock);
		if (p.err || p.head == p.tail) {
			pthread_mutex_unlock(&p.lock);
			break;
		}
		n = p.len[p.tail % RING];
		pthread_mutex_unlock(&p.lock);
		r = n ? uvf_client_mig_write(dst, p.buf[p.tail % RING], n) : 0;
		pthread_mutex_lock(&p.lock);
		if (r)
			p.err = r;
		p.moved += n;
		p.tail++;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.lock);
		if (r)
			break;
	}
	pthread_join(tid, NULL);
	err = p.err;
	*moved = p.moved;
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cv);
	return err;
}

static int to_dst(void *arg, const void *data, size_t len)
{
	return uvf_client_mig_write(arg, data, len);
}

/* One thread, reads pipelined (uvf_client_mig_read_stream, as the
 * library's migration driver does). */
static int stream_serial(struct uvf_client *src, struct uvf_client *dst, uint8_t *buf,
			 uint64_t *moved)
{
	long long n = uvf_client_mig_read_stream(src, CHUNK, 3, to_dst, dst);

	(void)buf;
	if (n < 0)
		return (int)n;
	*moved += (uint64_t)n;
	return 0;
}

static int migrate(struct uvf_client *src, struct uvf_client *dst, uint8_t **bufs, bool pipelined,
		   struct times *t)
{
	uint64_t t0 = now_ns(), t1, t2, moved = 0;
	int r;

	/* The destination gets ready before the source stops. */
	if ((r = uvf_client_mig_set_state(dst, UVF_MIG_STATE_RESUMING)))
		return r;
	t->resuming = now_ns() - t0;
	t0 = now_ns();
	if ((r = uvf_client_mig_set_state(src, UVF_MIG_STATE_STOP_COPY)))
		return r;
	t1 = now_ns();
	r = pipelined ? stream_pipelined(src, dst, bufs, &moved)
		      : stream_serial(src, dst, bufs[0], &moved);
	if (r)
		return r;
	t2 = now_ns();
	if ((r = uvf_client_mig_set_state(dst, UVF_MIG_STATE_RUNNING)))
		return r;
	t->apply = now_ns() - t2;
	t->stream = t2 - t1;
	t->enter = t1 - t0;
	t->total = now_ns() - t0;
	if (moved < STATE_SIZE)
		return -EPROTO;
	return uvf_client_mig_set_state(src, UVF_MIG_STATE_RUNNING);
}

/* The STOP_COPY phase as the source produces it: the device state read
 * out of the source daemon by a client (what the memcpy + socket floor
 * models: the daemon copies the state into messages and the socket moves
 * them).  Returns the stream time. */
static int save_only(struct uvf_client *src, uint8_t *buf, uint64_t *ns)
{
	uint64_t t0, moved = 0;
	int r;

	if ((r = uvf_client_mig_set_state(src, UVF_MIG_STATE_STOP_COPY)))
		return r;
	t0 = now_ns();
	(void)buf;
	{
		/* Three reads in flight: the daemon fills the next reply while
		 * this one is copied out. */
		long long n = uvf_client_mig_read_stream(src, CHUNK, 3, NULL, NULL);

		if (n < 0)
			return (int)n;
		moved = (uint64_t)n;
	}
	*ns = now_ns() - t0;
	if (moved < STATE_SIZE)
		return -EPROTO;
	return uvf_client_mig_set_state(src, UVF_MIG_STATE_RUNNING);
}

struct series {
	uint64_t *resuming, *total, *enter, *stream, *apply;
};

static int series_alloc(struct series *s, int reps)
{
	s->resuming = calloc((size_t)reps, 8);
	s->total = calloc((size_t)reps, 8);
	s->enter = calloc((size_t)reps, 8);
	s->stream = calloc((size_t)reps, 8);
	s->apply = calloc((size_t)reps, 8);
	return s->resuming && s->total && s->enter && s->stream && s->apply ? 0 : -ENOMEM;
}

static void series_free(struct series *s)
{
	free(s->resuming);
	free(s->total);
	free(s->enter);
	free(s->stream);
	free(s->apply);
}

static void row(const char *what, uint64_t ns, bool rate)
{
	if (rate)
		printf("%-46s %9.1f %9.0f\n", what, ns / 1e6, mib_s(STATE_SIZE, ns));
	else
		printf("%-46s %9.1f %9s\n", what, ns / 1e6, "");
}

static uint64_t print_series(const char *name, struct series *s, int reps)
{
	char what[80];
	uint64_t total = median(s->total, reps);

	snprintf(what, sizeof(what), "%s: dst SET RESUMING (before the stop)", name);
	row(what, median(s->resuming, reps), false);
	snprintf(what, sizeof(what), "%s: src SET STOP_COPY", name);
	row(what, median(s->enter, reps), false);
	snprintf(what, sizeof(what), "%s: stream source -> destination", name);
	row(what, median(s->stream, reps), true);
	snprintf(what, sizeof(what), "%s: SET RUNNING (validate, apply)", name);
	row(what, median(s->apply, reps), true);
	snprintf(what, sizeof(what), "%s: total (downtime)", name);
	row(what, total, true);
	return total;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5, ret = 1, r;
	char sock_src[64], sock_dst[64], dev[160];
	struct uvf_client *src = NULL, *dst = NULL;
	struct series ser[2] = { { 0 } };
	uint64_t *fm = NULL, *fs = NULL, *so = NULL;
	uint8_t *a = NULL, *b = NULL, *bufs[RING] = { 0 };
	void *smap = NULL, *dmap = NULL;
	size_t slen = 0, dlen = 0;
	pid_t pa = -1, pb = -1;
	uint64_t seed = 1;

	if (reps < 1)
		reps = 1;
	signal(SIGPIPE, SIG_IGN);
	snprintf(sock_src, sizeof(sock_src), "/tmp/bench-stopcopy-%d-src.sock", (int)getpid());
	snprintf(sock_dst, sizeof(sock_dst), "/tmp/bench-stopcopy-%d-dst.sock", (int)getpid());
	snprintf(dev, sizeof(dev), "mem,socket=%s,size=256M", sock_src);
	pa = spawn(dev);
	snprintf(dev, sizeof(dev), "mem,socket=%s,size=256M", sock_dst);
	pb = spawn(dev);
	if (pa < 0 || pb < 0)
		goto out;
	if ((r = uvf_client_connect(sock_src, NULL, &src)) ||
	    (r = uvf_client_connect(sock_dst, NULL, &dst)) ||
	    (r = uvf_client_region_mmap(src, 0, &smap, &slen)) ||
	    (r = uvf_client_region_mmap(dst, 0, &dmap, &dlen))) {
		fprintf(stderr, "bench-stopcopy: connect: %s\n", strerror(-r));
		goto out;
	}
	a = malloc(STATE_SIZE);
	b = malloc(STATE_SIZE);
	fm = calloc((size_t)reps, 8);
	fs = calloc((size_t)reps, 8);
	so = calloc((size_t)reps, 8);
	for (int i = 0; i < RING; i++)
		if (!(bufs[i] = malloc(CHUNK)))
			goto out;
	if (!a || !b || !fm || !fs || !so || series_alloc(&ser[0], reps) || series_alloc(&ser[1], reps))
		goto out;

	/* Incompressible contents, written by the "guest" through mmap. */
	for (uint64_t i = 0; i < STATE_SIZE / 8; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		((uint64_t *)smap)[i] = seed;
	}
	memcpy(a, smap, STATE_SIZE);
	memset(b, 1, STATE_SIZE);

	/* One warm-up round per mode (the first touch of fresh memory costs
	 * page faults that say nothing about the stream), then interleaved
	 * repetitions so both modes see the same machine. */
	for (int i = -1; i < reps; i++) {
		for (int mode = 0; mode < 2; mode++) {
			struct times t = { 0 };

			memset(dmap, 0, STATE_SIZE);
			if ((r = migrate(src, dst, bufs, mode == 1, &t))) {
				fprintf(stderr, "bench-stopcopy: migration failed: %s\n",
					strerror(-r));
				goto out;
			}
			if (i == -1 && memcmp(dmap, a, STATE_SIZE)) {
				fprintf(stderr, "bench-stopcopy: destination differs\n");
				goto out;
			}
			if (i < 0)
				continue;
			ser[mode].resuming[i] = t.resuming;
			ser[mode].total[i] = t.total;
			ser[mode].enter[i] = t.enter;
			ser[mode].stream[i] = t.stream;
			ser[mode].apply[i] = t.apply;
		}
		if ((r = save_only(src, bufs[0], &so[i < 0 ? 0 : i]))) {
			fprintf(stderr, "bench-stopcopy: save failed: %s\n", strerror(-r));
			goto out;
		}
		fm[i < 0 ? 0 : i] = floor_memcpy(b, a);
		fs[i < 0 ? 0 : i] = floor_socket(a);
		if (!fs[i < 0 ? 0 : i]) {
			fprintf(stderr, "bench-stopcopy: socketpair floor failed\n");
			goto out;
		}
	}

	{
		uint64_t mm = median(fm, reps), mk = median(fs, reps), fl = mm + mk, best, t;
		double rate, frate = mib_s(STATE_SIZE, fl);

		printf("STOP_COPY of a 256 MiB mem device, uvfiod -> client -> uvfiod, "
		       "1 MiB chunks (median of %d)\n", reps);
		printf("%-46s %9s %9s\n", "", "ms", "MiB/s");
		row("floor: memcpy 256 MiB", mm, true);
		row("floor: socketpair 256 MiB in 1 MiB chunks", mk, true);
		row("floor: memcpy + socketpair", fl, true);
		best = print_series("serial", &ser[0], reps);
		t = print_series("pipelined", &ser[1], reps);
		best = t < best ? t : best;
		row("source STOP_COPY stream read by a client", median(so, reps), true);
		printf("{\"bench\":\"stopcopy_read_256m\",\"mib_s\":%.1f,\"floor_mib_s\":%.1f,"
		       "\"ratio\":%.3f}\n", mib_s(STATE_SIZE, median(so, reps)), frate,
		       mib_s(STATE_SIZE, median(so, reps)) / frate);
		rate = mib_s(STATE_SIZE, best);
		printf("{\"bench\":\"stopcopy_256m\",\"mib_s\":%.1f,\"floor_mib_s\":%.1f,"
		       "\"ratio\":%.3f}\n", rate, frate, frate > 0 ? rate / frate : 0);
	}
	ret = 0;
out:
	if (smap)
		munmap(smap, slen);
	if (dmap)
		munmap(dmap, dlen);
	uvf_client_close(src);
	uvf_client_close(dst);
	uvf_spawn_stop(pa);
	uvf_spawn_stop(pb);
	unlink(sock_src);
	unlink(sock_dst);
	free(a);
	free(b);
	for (int i = 0; i < RING; i++)
		free(bufs[i]);
	free(fm);
	free(fs);
	free(so);
	series_free(&ser[0]);
	series_free(&ser[1]);
	return ret;
}
