/* SPDX-License-Identifier: MIT */
/*
 * test_mig_mem.c - migrating the mem device between two uvfiod processes
 * over their sockets (migration.md §11 items 8, 10, 17-23, 32): STOP_COPY
 * and PRE_COPY (with a writer changing memory through mmap until the
 * stop), re-chunked resume, the saving/resuming direction rules, reset
 * from every state, the resume cap, and a corrupted image that must leave
 * the destination as it was.
 *
 * Two daemons serve for the whole run: A with the source device, B with
 * the destination, a capped destination and one of another size.  Every
 * test connects its own clients (a disconnect resets the device).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <uvfio/client.h>

#include "spawn.h"
#include "testutil.h"

#define MEM_SIZE	(1u << 20)
#define CAP_BYTES	(64u << 10)
#define PG		4096u
/* memstream.h, restated: header, one record head per 256 pages, BLOB
 * head + the mem device's 16-byte blob, END. */
#define FULL_IMAGE	(48u + 16u + MEM_SIZE + 16u + 16u + 16u)	/* one PAGES record */

#define S(x) UVF_MIG_STATE_##x

struct daemon {
	pid_t pid;
};

static struct daemon dA, dB;
static char sock_src[256], sock_dst[256], sock_cap[256], sock_odd[256];
static int fds_at_start;

/* ---- daemons ------------------------------------------------------------------ */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* uvfiod with one to three devices (dev3 only with dev2). */
static void daemon_start(struct daemon *d, const char *dev1, const char *dev2, const char *dev3)
{
	const char *path = getenv("UVFIOD");
	const char *args[] = { "--log-level", "error", "--device", dev1,
			       dev2 ? "--device" : NULL, dev2, dev3 ? "--device" : NULL, dev3,
			       NULL };

	if (!path)
		die("UVFIOD is not set (run through meson test)");
	d->pid = uvf_spawn_uvfiod(path, args);
	if (d->pid < 0)
		die("uvfiod did not start");
}

static void daemon_stop(struct daemon *d)
{
	if (uvf_spawn_stop(d->pid))
		die("uvfiod did not stop cleanly");
}

static int group_setup(void **state)
{
	char a[300], b1[300], b2[300], b3[300];

	(void)state;
	uvf_test_tmppath(sock_src, sizeof(sock_src), "mem-src.sock");
	uvf_test_tmppath(sock_dst, sizeof(sock_dst), "mem-dst.sock");
	uvf_test_tmppath(sock_cap, sizeof(sock_cap), "mem-cap.sock");
	uvf_test_tmppath(sock_odd, sizeof(sock_odd), "mem-odd.sock");
	snprintf(a, sizeof(a), "mem,socket=%s,size=%u", sock_src, MEM_SIZE);
	snprintf(b1, sizeof(b1), "mem,socket=%s,size=%u", sock_dst, MEM_SIZE);
	snprintf(b2, sizeof(b2), "mem,socket=%s,size=%u,resume_cap=%u", sock_cap, MEM_SIZE,
		 CAP_BYTES);
	snprintf(b3, sizeof(b3), "mem,socket=%s,size=%u", sock_odd, 2 * MEM_SIZE);
	daemon_start(&dA, a, NULL, NULL);
	daemon_start(&dB, b1, b2, b3);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	daemon_stop(&dA);
	daemon_stop(&dB);
	unlink(sock_src);
	unlink(sock_dst);
	unlink(sock_cap);
	unlink(sock_odd);
	rmdir(uvf_test_tmpdir());
	return 0;
}

static int setup(void **state)
{
	(void)state;
	fds_at_start = uvf_test_count_fds();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(uvf_test_count_fds(), fds_at_start);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

/* One device as a test sees it: a client and the region mapped. */
struct dev {
	struct uvf_client *c;
	uint8_t *map;
	size_t map_len;
};

static void dev_open(struct dev *d, const char *sock, bool precopy_ext)
{
	struct uvf_client_opts o = { .precopy_info = precopy_ext, .precopy_enomsg = precopy_ext,
				     .timeout_ms = 20000 };
	void *p = NULL;

	assert_int_equal(uvf_client_connect(sock, &o, &d->c), 0);
	assert_int_equal(uvf_client_region_mmap(d->c, 0, &p, &d->map_len), 0);
	d->map = p;
}

static void dev_close(struct dev *d)
{
	munmap(d->map, d->map_len);
	uvf_client_close(d->c);
}

static enum uvf_mig_state state_of(struct dev *d)
{
	enum uvf_mig_state s = S(ERROR);

	assert_int_equal(uvf_client_mig_get_state(d->c, &s), 0);
	return s;
}

static void set_state(struct dev *d, enum uvf_mig_state s)
{
	assert_int_equal(uvf_client_mig_set_state(d->c, s), 0);
	assert_int_equal(state_of(d), s);
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = rng(&s);

		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

/* Fill the source: first half through REGION_WRITE, second through mmap. */
static void fill_source(struct dev *d, uint8_t *expect, uint64_t seed)
{
	fill_random(expect, MEM_SIZE, seed);
	assert_int_equal(uvf_client_region_write(d->c, 0, 0, expect, MEM_SIZE / 2), 0);
	memcpy(d->map + MEM_SIZE / 2, expect + MEM_SIZE / 2, MEM_SIZE / 2);
}

/* The device's memory both through REGION_READ and through mmap. */
static void expect_contents(struct dev *d, const uint8_t *expect)
{
	uint8_t *buf = malloc(MEM_SIZE);

	assert_non_null(buf);
	assert_int_equal(uvf_client_region_read(d->c, 0, 0, buf, MEM_SIZE), 0);
	assert_memory_equal(buf, expect, MEM_SIZE);
	assert_memory_equal(d->map, expect, MEM_SIZE);
	free(buf);
}

struct image {
	uint8_t *data;
	size_t len, cap;
};

static void image_put(struct image *im, const void *p, size_t n)
{
	if (im->len + n > im->cap) {
		im->cap = (im->len + n) * 2;
		im->data = realloc(im->data, im->cap);
		assert_non_null(im->data);
	}
	memcpy(im->data + im->len, p, n);
	im->len += n;
}

/* Read the stream until a short read; the count. */
static size_t read_until_short(struct dev *d, struct image *im, size_t chunk)
{
	uint8_t *buf = malloc(chunk);
	size_t total = 0;

	assert_non_null(buf);
	for (;;) {
		long n = uvf_client_mig_read(d->c, buf, chunk);

		if (n == -ENOMSG)
			break;
		assert_true(n >= 0);
		image_put(im, buf, (size_t)n);
		total += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	free(buf);
	return total;
}

/* Write an image re-chunked: 1-byte writes first, then odd sizes, then
 * whatever is left in one call (the client splits at 1 MiB). */
static int write_rechunked(struct dev *d, const uint8_t *p, size_t len)
{
	static const size_t sizes[] = { 7, 4093, 65537, 3, 16, 12289 };
	size_t at = 0;
	unsigned k = 0;
	int r;

	while (at < len && at < 100)
		if ((r = uvf_client_mig_write(d->c, p + at++, 1)))
			return r;
	while (at < len && at < 300000) {
		size_t n = sizes[k++ % 6];

		n = n < len - at ? n : len - at;
		if ((r = uvf_client_mig_write(d->c, p + at, n)))
			return r;
		at += n;
	}
	return at < len ? uvf_client_mig_write(d->c, p + at, len - at) : 0;
}

/* A complete STOP_COPY image of the source. */
static struct image save_stopcopy(struct dev *src)
{
	struct image im = { 0 };
	uint64_t est = 0;
	uint8_t b[16];

	assert_int_equal(uvf_client_mig_data_size(src->c, &est), 0);
	set_state(src, S(STOP_COPY));
	read_until_short(src, &im, 1 << 20);
	assert_int_equal(im.len, FULL_IMAGE);
	assert_true(im.len <= est);
	/* The end is permanent. */
	assert_int_equal(uvf_client_mig_read(src->c, b, sizeof(b)), 0);
	assert_int_equal(uvf_client_mig_read(src->c, b, sizeof(b)), 0);
	return im;
}

/* ---- STOP_COPY -------------------------------------------------------------------- */

static void test_stopcopy_roundtrip(void **state)
{
	uint8_t *expect = malloc(MEM_SIZE), *old = malloc(MEM_SIZE);
	struct dev src, dst;
	struct image im;

	(void)state;
	assert_non_null(expect);
	assert_non_null(old);
	dev_open(&src, sock_src, false);
	dev_open(&dst, sock_dst, false);
	fill_source(&src, expect, 1);
	fill_random(old, MEM_SIZE, 2);
	memcpy(dst.map, old, MEM_SIZE);

	im = save_stopcopy(&src);
	set_state(&dst, S(RESUMING));
	/* Entering RESUMING does not touch the memory; loading neither. */
	assert_int_equal(write_rechunked(&dst, im.data, im.len), 0);
	assert_memory_equal(dst.map, old, MEM_SIZE);
	set_state(&dst, S(RUNNING));
	expect_contents(&dst, expect);

	/* The source runs on, unchanged. */
	set_state(&src, S(RUNNING));
	expect_contents(&src, expect);
	free(im.data);
	free(expect);
	free(old);
	dev_close(&src);
	dev_close(&dst);
}

/* ---- PRE_COPY with a writer ------------------------------------------------------- */

struct writer {
	uint8_t *map;
	atomic_bool stop;
	atomic_ulong writes;
	pthread_t tid;
	uint64_t seed;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t s = w->seed;

	while (!atomic_load(&w->stop)) {
		size_t off = (size_t)(rng(&s) % (MEM_SIZE - 64));
		uint64_t v = rng(&s);

		memcpy(w->map + off, &v, sizeof(v));
		atomic_fetch_add(&w->writes, 1);
		if (atomic_load(&w->writes) % 64 == 0) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

/* Copy one pre-copy round from src to dst; returns the bytes. */
static size_t precopy_round(struct dev *src, struct dev *dst, uint64_t *last_initial)
{
	struct image im = { 0 };
	uint64_t initial = 0, dirty = 0;
	size_t n = read_until_short(src, &im, 65536);

	if (im.len)
		assert_int_equal(uvf_client_mig_write(dst->c, im.data, im.len), 0);
	free(im.data);
	assert_int_equal(uvf_client_precopy_info(src->c, &initial, &dirty), 0);
	assert_true(initial <= *last_initial);
	*last_initial = initial;
	return n;
}

static void precopy_with_writer(bool p2p)
{
	uint8_t *expect = malloc(MEM_SIZE);
	struct dev src, dst;
	struct writer w = { .seed = p2p ? 3 : 4 };
	uint64_t last_initial = UINT64_MAX;
	struct image tail = { 0 };
	size_t later = 0;
	int rounds;

	assert_non_null(expect);
	dev_open(&src, sock_src, true);
	dev_open(&dst, sock_dst, true);
	fill_source(&src, expect, 5);
	set_state(&dst, S(RESUMING));
	w.map = src.map;
	assert_int_equal(pthread_create(&w.tid, NULL, writer_main, &w), 0);
	/* The workload runs before pre-copy starts and all through it. */
	while (atomic_load(&w.writes) < 1000)
		sched_yield();
	set_state(&src, S(PRE_COPY));
	for (rounds = 0; rounds < 40 && (rounds < 4 || later == 0); rounds++) {
		size_t n = precopy_round(&src, &dst, &last_initial);

		if (last_initial == 0 && rounds > 0)
			later += n;
		/* And through the socket, now and then. */
		if (rounds % 2)
			assert_int_equal(uvf_client_region_write(src.c, 0, (uint64_t)rounds * PG,
								 &rounds, sizeof(rounds)), 0);
	}
	/* The changes came through as later rounds. */
	assert_true(later > 0);
	/* The guest stops before its devices do. */
	atomic_store(&w.stop, true);
	pthread_join(w.tid, NULL);
	if (p2p)
		set_state(&src, S(PRE_COPY_P2P));
	memcpy(expect, src.map, MEM_SIZE);
	set_state(&src, S(STOP_COPY));
	read_until_short(&src, &tail, 1 << 20);
	assert_int_equal(write_rechunked(&dst, tail.data, tail.len), 0);
	set_state(&dst, S(RUNNING));
	expect_contents(&dst, expect);
	set_state(&src, S(RUNNING));
	free(tail.data);
	free(expect);
	dev_close(&src);
	dev_close(&dst);
}

static void test_precopy_writer(void **state)
{
	(void)state;
	precopy_with_writer(false);
}

static void test_precopy_p2p_writer(void **state)
{
	(void)state;
	precopy_with_writer(true);
}

/* PRECOPY_INFO and the temporary end of pre-copy data (items 15, 18, 19). */
static void test_precopy_info(void **state)
{
	struct dev src, dst;
	uint64_t initial, dirty, last = UINT64_MAX;
	uint8_t page[PG], buf[64];
	struct image im = { 0 };

	(void)state;
	dev_open(&src, sock_src, true);
	dev_open(&dst, sock_dst, true);
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), -EINVAL);
	set_state(&src, S(PRE_COPY));
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), 0);
	assert_int_equal(initial, 48 + MEM_SIZE);
	assert_int_equal(dirty, 0);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(uvf_client_mig_read(src.c, buf, sizeof(buf)), (long)sizeof(buf));
		image_put(&im, buf, sizeof(buf));
		assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), 0);
		assert_true(initial < last);
		last = initial;
	}
	read_until_short(&src, &im, 1 << 20);
	read_until_short(&src, &im, 1 << 20);
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), 0);
	assert_int_equal(initial + dirty, 0);
	/* Idle: "nothing now", repeatedly, never an end of stream. */
	assert_int_equal(uvf_client_mig_read(src.c, buf, sizeof(buf)), -ENOMSG);
	assert_int_equal(uvf_client_mig_read(src.c, buf, sizeof(buf)), -ENOMSG);
	/* The device keeps running: a write shows up as dirty bytes, then
	 * as data. */
	memset(page, 0xab, sizeof(page));
	assert_int_equal(uvf_client_region_write(src.c, 0, 5 * PG, page, PG), 0);
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), 0);
	assert_int_equal(initial, 0);
	assert_int_equal(dirty, PG);
	assert_int_equal(read_until_short(&src, &im, 1 << 20), 16 + PG);
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), 0);
	assert_int_equal(initial + dirty, 0);
	/* Outside the pre-copy states: EINVAL. */
	set_state(&src, S(STOP_COPY));
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), -EINVAL);
	/* The pre-copy part and the tail together form one loadable image. */
	read_until_short(&src, &im, 1 << 20);
	set_state(&dst, S(RESUMING));
	assert_int_equal(uvf_client_mig_write(dst.c, im.data, im.len), 0);
	set_state(&dst, S(RUNNING));
	assert_memory_equal(dst.map, src.map, MEM_SIZE);
	set_state(&src, S(RUNNING));
	free(im.data);
	dev_close(&src);
	dev_close(&dst);
}

/* A cancelled pre-copy (PRE_COPY->RUNNING) ends the stream; a new one
 * starts from the beginning. */
static void test_precopy_cancel(void **state)
{
	struct dev src;
	uint8_t buf[64];
	uint64_t initial, dirty;

	(void)state;
	dev_open(&src, sock_src, true);
	set_state(&src, S(PRE_COPY));
	assert_int_equal(uvf_client_mig_read(src.c, buf, 48), 48);
	assert_memory_equal(buf, "UVFMSTRM", 8);
	/* Item 17: moves inside the saving group keep the stream. */
	set_state(&src, S(PRE_COPY_P2P));
	set_state(&src, S(PRE_COPY));
	assert_int_equal(uvf_client_mig_read(src.c, buf, 8), 8);
	assert_memory_equal(buf, "\x01\0\0\0\0\x01\0\0", 8);	/* PAGES, 256 */
	set_state(&src, S(RUNNING));
	assert_int_equal(uvf_client_mig_read(src.c, buf, sizeof(buf)), -EINVAL);
	set_state(&src, S(PRE_COPY));
	assert_int_equal(uvf_client_precopy_info(src.c, &initial, &dirty), 0);
	assert_int_equal(initial, 48 + MEM_SIZE);
	assert_int_equal(uvf_client_mig_read(src.c, buf, 8), 8);
	assert_memory_equal(buf, "UVFMSTRM", 8);
	dev_close(&src);
}

/* A client without the uvfio extensions: PRE_COPY still works, and the
 * temporary end of data is a short (empty) reply. */
static void test_precopy_plain_client(void **state)
{
	struct dev src, dst;
	struct image im = { 0 };
	uint8_t buf[64];

	(void)state;
	dev_open(&src, sock_src, false);
	dev_open(&dst, sock_dst, false);
	set_state(&src, S(PRE_COPY));
	assert_true(read_until_short(&src, &im, 1 << 20) > MEM_SIZE);
	assert_int_equal(uvf_client_mig_read(src.c, buf, sizeof(buf)), 0);
	assert_int_equal(uvf_client_mig_read(src.c, buf, sizeof(buf)), 0);
	memset(src.map + 7 * PG, 0x42, 100);	/* through mmap */
	assert_int_equal(read_until_short(&src, &im, 1 << 20), 16 + PG);
	set_state(&src, S(STOP_COPY));
	read_until_short(&src, &im, 1 << 20);
	set_state(&dst, S(RESUMING));
	assert_int_equal(write_rechunked(&dst, im.data, im.len), 0);
	set_state(&dst, S(RUNNING));
	assert_memory_equal(dst.map, src.map, MEM_SIZE);
	set_state(&src, S(RUNNING));
	free(im.data);
	dev_close(&src);
	dev_close(&dst);
}

/* A client that goes away mid-session leaves a RUNNING device with no
 * stream for the next one. */
static void test_disconnect_ends_session(void **state)
{
	static const enum uvf_mig_state states[] = { S(PRE_COPY), S(STOP_COPY), S(RESUMING) };
	struct dev d;
	uint8_t buf[64] = { 0 };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		dev_open(&d, sock_dst, true);
		set_state(&d, states[i]);
		if (states[i] == S(RESUMING))
			assert_int_equal(uvf_client_mig_write(d.c, "UVFM", 4), 0);
		else
			assert_int_equal(uvf_client_mig_read(d.c, buf, 20), 20);
		dev_close(&d);
		dev_open(&d, sock_dst, true);
		assert_int_equal(state_of(&d), S(RUNNING));
		assert_int_equal(uvf_client_mig_read(d.c, buf, sizeof(buf)), -EINVAL);
		assert_int_equal(uvf_client_mig_write(d.c, buf, sizeof(buf)), -EINVAL);
		dev_close(&d);
	}
}

/* ---- state rules ------------------------------------------------------------------ */

/* Item 8: STOP_COPY->PRE_COPY(_P2P) is refused at once and changes nothing. */
static void test_stopcopy_to_precopy(void **state)
{
	struct dev src;
	struct timespec t0, t1;
	uint8_t buf[64];

	(void)state;
	dev_open(&src, sock_src, false);
	set_state(&src, S(STOP_COPY));
	assert_int_equal(uvf_client_mig_read(src.c, buf, 48), 48);	/* stream header */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(uvf_client_mig_set_state(src.c, S(PRE_COPY)), -EINVAL);
	assert_int_equal(uvf_client_mig_set_state(src.c, S(PRE_COPY_P2P)), -EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
	assert_int_equal(state_of(&src), S(STOP_COPY));
	/* ... and the stream goes on where it was. */
	assert_int_equal(uvf_client_mig_read(src.c, buf, 8), 8);
	assert_memory_equal(buf, "\x01\0\0\0\0\x01\0\0", 8);	/* PAGES, 256 */
	dev_close(&src);
}

/* Item 22: reads only while saving, writes only while resuming. */
static void test_wrong_direction(void **state)
{
	static const enum uvf_mig_state saving[] = { S(PRE_COPY), S(PRE_COPY_P2P), S(STOP_COPY) };
	struct dev d;
	uint8_t buf[64] = { 0 };

	(void)state;
	dev_open(&d, sock_src, true);
	assert_int_equal(uvf_client_mig_read(d.c, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(uvf_client_mig_write(d.c, buf, sizeof(buf)), -EINVAL);
	for (unsigned i = 0; i < 3; i++) {
		set_state(&d, saving[i]);
		assert_int_equal(uvf_client_mig_write(d.c, buf, sizeof(buf)), -EINVAL);
		assert_int_equal(uvf_client_mig_read(d.c, buf, sizeof(buf)), (long)sizeof(buf));
		set_state(&d, S(RUNNING));
	}
	set_state(&d, S(RESUMING));
	assert_int_equal(uvf_client_mig_read(d.c, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(uvf_client_reset(d.c), 0);
	set_state(&d, S(STOP));
	assert_int_equal(uvf_client_mig_read(d.c, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(uvf_client_mig_write(d.c, buf, sizeof(buf)), -EINVAL);
	set_state(&d, S(RUNNING));
	dev_close(&d);
}

/* Item 10: reset from every state gives RUNNING and ends the session. */
static void test_reset_from_each_state(void **state)
{
	static const enum uvf_mig_state states[] = {
		S(RUNNING), S(STOP), S(STOP_COPY), S(RESUMING), S(RUNNING_P2P), S(PRE_COPY),
		S(PRE_COPY_P2P),
	};
	uint8_t *expect = malloc(MEM_SIZE);
	struct dev src, dst;
	struct image im;
	uint8_t buf[64];

	(void)state;
	assert_non_null(expect);
	dev_open(&src, sock_src, true);
	dev_open(&dst, sock_dst, true);
	fill_source(&src, expect, 9);
	im = save_stopcopy(&src);
	set_state(&src, S(RUNNING));

	for (unsigned i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		enum uvf_mig_state s = states[i];

		set_state(&dst, s);
		/* Half a session. */
		if (s == S(RESUMING))
			assert_int_equal(uvf_client_mig_write(dst.c, im.data, 1000), 0);
		if (s == S(STOP_COPY) || s == S(PRE_COPY) || s == S(PRE_COPY_P2P))
			assert_int_equal(uvf_client_mig_read(dst.c, buf, sizeof(buf)),
					 (long)sizeof(buf));
		assert_int_equal(uvf_client_reset(dst.c), 0);
		assert_int_equal(state_of(&dst), S(RUNNING));
		assert_int_equal(uvf_client_mig_read(dst.c, buf, sizeof(buf)), -EINVAL);
		assert_int_equal(uvf_client_mig_write(dst.c, buf, sizeof(buf)), -EINVAL);
	}
	/* A resume after the reset starts from scratch: the stale half
	 * image is gone. */
	set_state(&dst, S(RESUMING));
	assert_int_equal(uvf_client_mig_write(dst.c, im.data, im.len), 0);
	set_state(&dst, S(RUNNING));
	expect_contents(&dst, expect);
	free(im.data);
	free(expect);
	dev_close(&src);
	dev_close(&dst);
}

/* Item 23: MIG_DATA_SIZE in every state, >= the real size when idle. */
static void test_data_size(void **state)
{
	static const enum uvf_mig_state states[] = {
		S(RUNNING), S(STOP), S(STOP_COPY), S(RESUMING), S(RUNNING_P2P), S(PRE_COPY),
		S(PRE_COPY_P2P),
	};
	struct dev d;
	struct image im = { 0 };
	uint64_t est;

	(void)state;
	dev_open(&d, sock_src, true);
	for (unsigned i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		set_state(&d, states[i]);
		assert_int_equal(uvf_client_mig_data_size(d.c, &est), 0);
		assert_true(est >= FULL_IMAGE);
		/* (RESUMING->RUNNING would validate an empty image.) */
		assert_int_equal(uvf_client_reset(d.c), 0);
	}
	/* After a converged pre-copy only the blob and END remain. */
	set_state(&d, S(PRE_COPY));
	read_until_short(&d, &im, 1 << 20);
	read_until_short(&d, &im, 1 << 20);
	assert_int_equal(uvf_client_mig_data_size(d.c, &est), 0);
	im.len = 0;
	set_state(&d, S(STOP_COPY));
	read_until_short(&d, &im, 1 << 20);
	assert_true(im.len <= est);
	assert_int_equal(im.len, 16 + 16 + 16);
	assert_int_equal(uvf_client_mig_data_size(d.c, &est), 0);
	assert_int_equal(est, 0);
	set_state(&d, S(RUNNING));
	free(im.data);
	dev_close(&d);
}

/* ---- bad images ------------------------------------------------------------------- */

/* Item 21: over the resume cap, EFBIG at write time. */
static void test_resume_cap(void **state)
{
	uint8_t *expect = malloc(MEM_SIZE);
	struct dev src, cap;
	struct image im;

	(void)state;
	assert_non_null(expect);
	dev_open(&src, sock_src, false);
	dev_open(&cap, sock_cap, false);
	fill_source(&src, expect, 11);
	im = save_stopcopy(&src);
	set_state(&cap, S(RESUMING));
	assert_int_equal(uvf_client_mig_write(cap.c, im.data, CAP_BYTES - 1), 0);
	assert_int_equal(uvf_client_mig_write(cap.c, im.data + CAP_BYTES - 1, 1), 0);
	assert_int_equal(uvf_client_mig_write(cap.c, im.data + CAP_BYTES, 1), -EFBIG);
	assert_int_equal(uvf_client_mig_set_state(cap.c, S(RUNNING)), -ENODATA);
	assert_int_equal(uvf_client_reset(cap.c), 0);
	assert_int_equal(state_of(&cap), S(RUNNING));
	free(im.data);
	free(expect);
	dev_close(&src);
	dev_close(&cap);
}

/* Load `img` into dst from RUNNING; expect `werr` from the writes (0: all
 * accepted) and then `serr` from RESUMING->RUNNING; the memory must stay
 * as it was and a reset must bring the device back. */
static void load_must_fail(struct dev *dst, const uint8_t *old, const uint8_t *img, size_t len,
			   int werr, int serr)
{
	set_state(dst, S(RESUMING));
	assert_int_equal(write_rechunked(dst, img, len), werr);
	assert_int_equal(uvf_client_mig_set_state(dst->c, S(RUNNING)), serr);
	/* The failed arc (RESUMING->STOP) leaves the device RESUMING. */
	assert_int_equal(state_of(dst), S(RESUMING));
	assert_memory_equal(dst->map, old, MEM_SIZE);
	assert_int_equal(uvf_client_reset(dst->c), 0);
	assert_int_equal(state_of(dst), S(RUNNING));
	assert_memory_equal(dst->map, old, MEM_SIZE);
}

static void test_bad_images(void **state)
{
	uint8_t *expect = malloc(MEM_SIZE), *old = malloc(MEM_SIZE), *img;
	struct dev src, dst, odd;
	struct image im;

	(void)state;
	assert_non_null(expect);
	assert_non_null(old);
	dev_open(&src, sock_src, false);
	dev_open(&dst, sock_dst, false);
	fill_source(&src, expect, 13);
	fill_random(old, MEM_SIZE, 14);
	memcpy(dst.map, old, MEM_SIZE);
	im = save_stopcopy(&src);
	img = malloc(im.len);
	assert_non_null(img);

	/* Corrupted payload: accepted byte by byte, refused as a whole. */
	memcpy(img, im.data, im.len);
	img[48 + 16 + 300000] ^= 0x10;
	load_must_fail(&dst, old, img, im.len, 0, -EBADMSG);
	/* Corrupted checksum. */
	memcpy(img, im.data, im.len);
	img[im.len - 1] ^= 0x80;
	load_must_fail(&dst, old, img, im.len, 0, -EBADMSG);
	/* Truncated: one byte short, and half. */
	load_must_fail(&dst, old, im.data, im.len - 1, 0, -ENODATA);
	load_must_fail(&dst, old, im.data, im.len / 2, 0, -ENODATA);
	/* Nothing at all. */
	load_must_fail(&dst, old, im.data, 0, 0, -ENODATA);
	/* Foreign and wrong version: refused when the header is in. */
	memcpy(img, im.data, im.len);
	memcpy(img, "NOTMINE!", 8);
	load_must_fail(&dst, old, img, im.len, -EINVAL, -EINVAL);
	memcpy(img, im.data, im.len);
	img[8] ^= 0x40;			/* another version */
	load_must_fail(&dst, old, img, im.len, -EINVAL, -EINVAL);
	/* Extra bytes after the end. */
	memcpy(img, im.data, im.len);
	set_state(&dst, S(RESUMING));
	assert_int_equal(uvf_client_mig_write(dst.c, img, im.len), 0);
	assert_int_equal(uvf_client_mig_write(dst.c, img, 1), -EINVAL);
	assert_int_equal(uvf_client_reset(dst.c), 0);
	assert_memory_equal(dst.map, old, MEM_SIZE);

	/* A mem device of another size refuses the image at its header. */
	dev_open(&odd, sock_odd, false);
	set_state(&odd, S(RESUMING));
	assert_int_equal(uvf_client_mig_write(odd.c, im.data, 100), -EINVAL);
	assert_int_equal(uvf_client_reset(odd.c), 0);
	dev_close(&odd);

	/* After all that, the good image still loads. */
	set_state(&dst, S(RESUMING));
	assert_int_equal(write_rechunked(&dst, im.data, im.len), 0);
	set_state(&dst, S(RUNNING));
	expect_contents(&dst, expect);
	set_state(&src, S(RUNNING));
	free(img);
	free(im.data);
	free(expect);
	free(old);
	dev_close(&src);
	dev_close(&dst);
}

/* ---- the client's migration driver -------------------------------------------------- */

static void test_client_migrate(void **state)
{
	uint8_t *expect = malloc(MEM_SIZE);
	struct uvf_migrate_opts o = { .precopy = true, .chunk = 100000 };
	struct uvf_migrate_stats st;
	struct dev src, dst;

	(void)state;
	assert_non_null(expect);
	dev_open(&src, sock_src, true);
	dev_open(&dst, sock_dst, true);
	fill_source(&src, expect, 15);
	assert_int_equal(uvf_client_migrate(src.c, dst.c, &o, &st), 0);
	assert_true(st.precopy_bytes >= MEM_SIZE);
	assert_true(st.stopcopy_bytes < 4096);
	assert_int_equal(state_of(&dst), S(RUNNING));
	assert_int_equal(state_of(&src), S(STOP));
	expect_contents(&dst, expect);
	set_state(&src, S(RUNNING));
	free(expect);
	dev_close(&src);
	dev_close(&dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stopcopy_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_p2p_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precopy_plain_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stopcopy_to_precopy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_direction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_from_each_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disconnect_ends_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_migrate, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
