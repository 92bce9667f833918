/* The migration walker as a device sees it, over the protocol: for each of
 * the four flag sets, every (from, to) pair reaches `to` through exactly
 * the hops of the kernel's table (or fails with EINVAL, state unchanged);
 * a failure injected on every arc leaves the state at the last hop
 * reached (or ERROR); reset from every state gives RUNNING and ends the
 * data session; PROBE and bad-argument cases answer as the kernel does;
 * stream data a device hands out by reference arrives intact. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <uvfio/client.h>
#include <uvfio/device.h>
#include <uvfio/vfio-user.h>

#include "migration/fsm.h"
#include "proto/wire.h"
#include "testutil.h"

#define S(x) UVF_MIG_STATE_##x
#define ALL_FLAGS (UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P | \
		   UVF_VFIO_MIGRATION_PRE_COPY)

/* ---- a device that records every arc it is asked to make ---- */

struct walkdev {
	pthread_mutex_t lock;		/* hooks run on the loop thread */
	enum uvf_mig_state arcs[32][2];
	int narcs;
	int fail_from, fail_to, fail_err;	/* inject: fail this arc once */
	/* The data stream, produced through save_data_ref. */
	enum { DATA_NONE, DATA_REF, DATA_BAD_REF, DATA_REUSE, DATA_FAIL } data_mode;
	size_t data_pos;
	unsigned refs;			/* replies that ended in a reference */
	bool park_next;			/* the next arc completes later */
};

/* The stream of the DATA_ modes: STREAM_LEN bytes of a pattern. */
#define STREAM_LEN	(4u << 20)
static uint8_t stream[STREAM_LEN];
/* DATA_REUSE hands out every read from this one buffer, rewritten at each
 * call, as the contract allows: a reference is valid until the next call. */
static uint8_t reuse[1u << 20];
/* DATA_FAIL produces this many bytes, then fails. */
#define FAIL_AT		1000u

static int hook(struct uvf_device *dev, enum uvf_mig_state from, enum uvf_mig_state to)
{
	struct walkdev *w = uvf_device_priv(dev);
	int r = 0;

	pthread_mutex_lock(&w->lock);
	if (w->narcs < 32) {
		w->arcs[w->narcs][0] = from;
		w->arcs[w->narcs][1] = to;
		w->narcs++;
	}
	if ((int)from == w->fail_from && (int)to == w->fail_to) {
		r = w->fail_err;
		w->fail_from = w->fail_to = -1;
	} else if (w->park_next) {
		r = -EINPROGRESS;	/* uvf_mig_arc_done() later */
		w->park_next = false;
	}
	pthread_mutex_unlock(&w->lock);
	return r;
}

static long save_data(struct uvf_device *dev, void *buf, size_t len)
{
	(void)dev;
	(void)buf;
	(void)len;
	return 0;
}

/* DATA_REF: the first bytes of each call copied, the rest by reference
 * when it fills the read (the contract); DATA_BAD_REF: a reference that
 * does not (a device bug the server must refuse). */
static long save_data_ref(struct uvf_device *dev, void *buf, size_t len, const void **ref,
			  size_t *ref_len)
{
	struct walkdev *w = uvf_device_priv(dev);
	size_t n, copied;

	pthread_mutex_lock(&w->lock);
	if (w->data_mode == DATA_FAIL && w->data_pos >= FAIL_AT) {
		pthread_mutex_unlock(&w->lock);
		return -EIO;		/* the device fails after producing bytes */
	}
	n = w->data_mode == DATA_NONE ? 0 : STREAM_LEN - w->data_pos;
	if (w->data_mode == DATA_FAIL && n > FAIL_AT - w->data_pos)
		n = FAIL_AT - w->data_pos;
	n = n < len ? n : len;
	copied = n == len && n > 10 ? 10 : n;
	if (w->data_mode == DATA_BAD_REF && n) {
		copied = 0;
		n = (n + 1) / 2;
	}
	if (w->data_mode == DATA_REUSE && n == sizeof(reuse)) {
		memcpy(reuse, stream + w->data_pos, n);
		copied = 0;
		*ref = reuse;
		*ref_len = n;
		w->refs++;
		w->data_pos += n;
		pthread_mutex_unlock(&w->lock);
		return (long)n;
	}
	memcpy(buf, stream + w->data_pos, copied);
	*ref = n > copied ? stream + w->data_pos + copied : NULL;
	*ref_len = n - copied;
	w->refs += *ref_len != 0;
	w->data_pos += n;
	pthread_mutex_unlock(&w->lock);
	return (long)n;
}

static int resume_data(struct uvf_device *dev, const void *buf, size_t len)
{
	(void)dev;
	(void)buf;
	(void)len;
	return 0;
}

static int data_size(struct uvf_device *dev, uint64_t *bytes)
{
	(void)dev;
	*bytes = 0;
	return 0;
}

static int precopy_info(struct uvf_device *dev, uint64_t *initial, uint64_t *dirty)
{
	(void)dev;
	*initial = *dirty = 0;
	return 0;
}

static const struct uvf_mig_ops walk_mig = {
	.flags = ALL_FLAGS,
	.stop = hook, .start = hook, .p2p = hook, .save_begin = hook, .save_end = hook,
	.resume_begin = hook, .resume_end = hook,
	.save_data = save_data, .save_data_ref = save_data_ref,
	.resume_data = resume_data, .data_size = data_size,
	.precopy_info = precopy_info,
};

static const struct uvf_device_ops walk_ops = { 0 };

/* ---- harness: loop thread + server, client in the test thread ---- */

struct env {
	struct uvf_loop *loop;
	struct uvf_server *srv;
	struct uvf_device *dev;
	struct walkdev w;
	pthread_t th;
	struct uvf_client *c;
	char sock[256];
	int fds0;
	int set_result;
};

static void *loop_main(void *arg)
{
	uvf_loop_run(((struct env *)arg)->loop);
	return NULL;
}

struct flags_call {
	struct uvf_device *dev;
	uint64_t flags;
	int r;
	pthread_mutex_t m;
	pthread_cond_t cv;
	bool done;
};

static void set_flags_on_loop(struct uvf_loop *loop, void *arg)
{
	struct flags_call *f = arg;

	(void)loop;
	pthread_mutex_lock(&f->m);
	f->r = uvf_device_set_mig_flags(f->dev, f->flags);
	f->done = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->m);
}

/* Device state is the loop thread's: change it there. */
static int set_flags(struct env *e, uint64_t flags)
{
	struct flags_call f = { .dev = e->dev, .flags = flags };

	pthread_mutex_init(&f.m, NULL);
	pthread_cond_init(&f.cv, NULL);
	assert_int_equal(uvf_loop_post(e->loop, set_flags_on_loop, &f), 0);
	pthread_mutex_lock(&f.m);
	while (!f.done)
		pthread_cond_wait(&f.cv, &f.m);
	pthread_mutex_unlock(&f.m);
	pthread_mutex_destroy(&f.m);
	pthread_cond_destroy(&f.cv);
	return f.r;
}

static int setup(void **state)
{
	static struct env e;

	memset(&e, 0, sizeof(e));
	e.fds0 = uvf_test_count_fds();
	pthread_mutex_init(&e.w.lock, NULL);
	e.w.fail_from = e.w.fail_to = -1;
	uvf_test_tmppath(e.sock, sizeof(e.sock), "walk.sock");
	assert_int_equal(uvf_loop_create(&e.loop), 0);
	assert_int_equal(uvf_server_create(e.loop, &e.srv), 0);
	assert_int_equal(uvf_device_create(e.loop, "walk", UVF_VFIO_DEVICE_FLAGS_RESET, 1, 0,
					   &walk_ops, &e.w, &e.dev), 0);
	assert_int_equal(uvf_device_set_migration(e.dev, &walk_mig), 0);
	assert_int_equal(uvf_server_add_device(e.srv, e.dev, e.sock), 0);
	assert_int_equal(pthread_create(&e.th, NULL, loop_main, &e), 0);
	assert_int_equal(uvf_client_connect(e.sock, NULL, &e.c), 0);
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	uvf_client_close(e->c);
	uvf_loop_stop(e->loop);
	pthread_join(e->th, NULL);
	uvf_server_destroy(e->srv);
	uvf_device_destroy(e->dev);
	uvf_loop_destroy(e->loop);
	pthread_mutex_destroy(&e->w.lock);
	assert_int_equal(uvf_test_count_fds(), e->fds0);
	return 0;
}

static void clear_log(struct env *e)
{
	pthread_mutex_lock(&e->w.lock);
	e->w.narcs = 0;
	pthread_mutex_unlock(&e->w.lock);
}

static void inject(struct env *e, int from, int to, int err)
{
	pthread_mutex_lock(&e->w.lock);
	e->w.fail_from = from;
	e->w.fail_to = to;
	e->w.fail_err = err;
	pthread_mutex_unlock(&e->w.lock);
}

static enum uvf_mig_state get_state(struct env *e)
{
	enum uvf_mig_state s;

	assert_int_equal(uvf_client_mig_get_state(e->c, &s), 0);
	return s;
}

/* Bring the device to `s` from a reset (RUNNING); false if s is not
 * reachable with these flags (unsupported, or ERROR). */
static bool reach(struct env *e, uint64_t flags, enum uvf_mig_state s)
{
	assert_int_equal(uvf_client_reset(e->c), 0);
	assert_int_equal(set_flags(e, flags), 0);
	if (!uvf_mig_state_supported(flags, s))
		return false;
	assert_int_equal(uvf_client_mig_set_state(e->c, s), 0);
	assert_int_equal(get_state(e), s);
	return true;
}

static const uint64_t flag_sets[] = {
	UVF_VFIO_MIGRATION_STOP_COPY,
	UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_P2P,
	UVF_VFIO_MIGRATION_STOP_COPY | UVF_VFIO_MIGRATION_PRE_COPY,
	ALL_FLAGS,
};

/* Every (from, to) pair: the device sees exactly the hops of the table. */
static void every_pair_walks_the_table_hop_by_hop(void **state)
{
	struct env *e = *state;

	for (size_t f = 0; f < 4; f++) {
		uint64_t flags = flag_sets[f];

		for (int from = 1; from < UVF_MIG_STATE_NR; from++) {
			for (int to = 0; to <= UVF_MIG_STATE_NR; to++) {
				enum uvf_mig_state hops[UVF_MIG_PATH_MAX];
				int n, r;

				if (!reach(e, flags, (enum uvf_mig_state)from))
					continue;
				clear_log(e);
				n = uvf_mig_path(flags, (uint32_t)from, (uint32_t)to, hops);
				r = uvf_client_mig_set_state(e->c, (enum uvf_mig_state)to);
				if (n < 0) {
					assert_int_equal(r, -EINVAL);
					assert_int_equal(get_state(e), from);
					assert_int_equal(e->w.narcs, 0);
					continue;
				}
				assert_int_equal(r, 0);
				assert_int_equal(get_state(e), to);
				pthread_mutex_lock(&e->w.lock);
				assert_int_equal(e->w.narcs, n);
				for (int i = 0, at = from; i < n; at = hops[i], i++) {
					assert_int_equal(e->w.arcs[i][0], at);
					assert_int_equal(e->w.arcs[i][1], hops[i]);
				}
				pthread_mutex_unlock(&e->w.lock);
			}
		}
	}
}

/* A failure on any arc of a multi-step request stops the walk at the last
 * state reached; -EIO means the device could not restore any state. */
static void failure_on_every_arc_leaves_last_hop(void **state)
{
	struct env *e = *state;
	unsigned tried = 0;

	for (size_t f = 0; f < 4; f++) {
		uint64_t flags = flag_sets[f];

		for (int from = 1; from < UVF_MIG_STATE_NR; from++) {
			for (int to = 1; to < UVF_MIG_STATE_NR; to++) {
				enum uvf_mig_state hops[UVF_MIG_PATH_MAX];
				int n = uvf_mig_path(flags, (uint32_t)from, (uint32_t)to, hops);

				for (int k = 0; k < n; k++) {
					int a = k ? (int)hops[k - 1] : from;
					int err = (k % 2) ? -EIO : -EAGAIN;

					if (!reach(e, flags, (enum uvf_mig_state)from))
						break;
					inject(e, a, (int)hops[k], err);
					assert_int_equal(uvf_client_mig_set_state(e->c,
							 (enum uvf_mig_state)to), err);
					assert_int_equal(get_state(e), err == -EIO ? S(ERROR) : a);
					tried++;
				}
			}
		}
	}
	assert_true(tried > 100);
	/* ERROR: every SET fails, reset recovers. */
	assert_int_equal(uvf_client_reset(e->c), 0);
	assert_int_equal(set_flags(e, ALL_FLAGS), 0);
	inject(e, S(RUNNING), S(RUNNING_P2P), -EIO);
	assert_int_equal(uvf_client_mig_set_state(e->c, S(STOP)), -EIO);
	assert_int_equal(get_state(e), S(ERROR));
	for (int to = 0; to < UVF_MIG_STATE_NR; to++)
		if (to != S(ERROR))
			assert_int_equal(uvf_client_mig_set_state(e->c, (enum uvf_mig_state)to),
					 -EINVAL);
	assert_int_equal(uvf_client_reset(e->c), 0);
	assert_int_equal(get_state(e), S(RUNNING));
}

/* Reset from every state: RUNNING, and the data session is gone. */
static void reset_from_every_state_gives_running(void **state)
{
	struct env *e = *state;
	uint8_t buf[16];

	for (int s = 1; s < UVF_MIG_STATE_NR; s++) {
		assert_true(reach(e, ALL_FLAGS, (enum uvf_mig_state)s));
		assert_int_equal(uvf_client_reset(e->c), 0);
		assert_int_equal(get_state(e), S(RUNNING));
		assert_int_equal(uvf_client_mig_read(e->c, buf, sizeof(buf)), -EINVAL);
		assert_int_equal(uvf_client_mig_write(e->c, buf, sizeof(buf)), -EINVAL);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel's loop spun forever here until 2026 (migration.md §5.3). */
static void stop_copy_to_pre_copy_fails_at_once(void **state)
{
	struct env *e = *state;
	uint64_t t0;

	for (size_t f = 2; f < 4; f++) {
		assert_true(reach(e, flag_sets[f], S(STOP_COPY)));
		clear_log(e);
		t0 = now_ns();
		assert_int_equal(uvf_client_mig_set_state(e->c, S(PRE_COPY)), -EINVAL);
		if (flag_sets[f] & UVF_VFIO_MIGRATION_P2P)
			assert_int_equal(uvf_client_mig_set_state(e->c, S(PRE_COPY_P2P)), -EINVAL);
		assert_true(now_ns() - t0 < 100000000ull);	/* well under a second */
		assert_int_equal(get_state(e), S(STOP_COPY));
		assert_int_equal(e->w.narcs, 0);
	}
}

/* Raw DEVICE_FEATURE messages: PROBE, bad flags, argsz, GET|SET. */
static int feature_raw(struct env *e, uint32_t argsz, uint32_t flags, const void *data,
		       size_t len)
{
	uint8_t q[64], a[64];

	uvf_put32(q, argsz);
	uvf_put32(q + 4, flags);
	if (len)
		memcpy(q + 8, data, len);
	return uvf_client_call(e->c, UVF_VU_CMD_DEVICE_FEATURE, 0, q, 8 + len, NULL, 0, a,
			       sizeof(a), NULL, NULL);
}

static void probe_and_bad_arguments(void **state)
{
	struct env *e = *state;
	const uint32_t GET = UVF_VFIO_DEVICE_FEATURE_GET, SET = UVF_VFIO_DEVICE_FEATURE_SET;
	const uint32_t PROBE = UVF_VFIO_DEVICE_FEATURE_PROBE;
	const uint32_t MIG = UVF_VFIO_DEVICE_FEATURE_MIGRATION;
	const uint32_t STATE = UVF_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	uint8_t st[8] = { 0 };

	assert_true(reach(e, ALL_FLAGS, S(RUNNING)));
	/* PROBE of supported ops succeeds and changes nothing. */
	assert_int_equal(feature_raw(e, 16, PROBE | GET | MIG, NULL, 0), 0);
	assert_int_equal(feature_raw(e, 16, PROBE | GET | SET | STATE, NULL, 0), 0);
	assert_int_equal(get_state(e), S(RUNNING));
	/* PROBE of an unsupported op: SET on MIGRATION. */
	assert_int_equal(feature_raw(e, 16, PROBE | SET | MIG, NULL, 0), -EINVAL);
	/* Unknown flag bits, GET|SET without PROBE, no op, argsz < 8. */
	assert_int_equal(feature_raw(e, 16, (1u << 19) | GET | MIG, NULL, 0), -EINVAL);
	assert_int_equal(feature_raw(e, 16, GET | SET | STATE, st, 8), -EINVAL);
	assert_int_equal(feature_raw(e, 16, MIG, NULL, 0), -EINVAL);
	assert_int_equal(feature_raw(e, 7, GET | MIG, NULL, 0), -EINVAL);
	/* argsz too small for the answer; SET data too short. */
	assert_int_equal(feature_raw(e, 15, GET | MIG, NULL, 0), -EINVAL);
	assert_int_equal(feature_raw(e, 16, SET | STATE, st, 7), -EINVAL);
	/* Target states that cannot be asked for. */
	uvf_put32(st, S(ERROR));
	assert_int_equal(feature_raw(e, 16, SET | STATE, st, 8), -EINVAL);
	uvf_put32(st, 8);
	assert_int_equal(feature_raw(e, 16, SET | STATE, st, 8), -EINVAL);
	uvf_put32(st, 0xffffffffu);
	assert_int_equal(feature_raw(e, 16, SET | STATE, st, 8), -EINVAL);
	assert_int_equal(get_state(e), S(RUNNING));
	/* Flags narrowed: a state needing absent flags is EINVAL. */
	assert_int_equal(set_flags(e, UVF_VFIO_MIGRATION_STOP_COPY), 0);
	assert_int_equal(uvf_client_mig_set_state(e->c, S(PRE_COPY)), -EINVAL);
	assert_int_equal(uvf_client_mig_set_state(e->c, S(RUNNING_P2P)), -EINVAL);
	{
		uint64_t flags;

		assert_int_equal(uvf_client_mig_flags(e->c, &flags), 0);
		assert_int_equal(flags, UVF_VFIO_MIGRATION_STOP_COPY);
	}
	/* SET to the current state is a no-op success. */
	clear_log(e);
	assert_int_equal(uvf_client_mig_set_state(e->c, S(RUNNING)), 0);
	assert_int_equal(e->w.narcs, 0);
}

static void set_data_mode(struct env *e, int mode)
{
	pthread_mutex_lock(&e->w.lock);
	e->w.data_mode = mode;
	e->w.data_pos = 0;
	e->w.refs = 0;
	pthread_mutex_unlock(&e->w.lock);
}

/* Replies whose tail the device hands out by reference carry exactly the
 * stream; a reference that does not fill the read is refused with EIO,
 * for good, and a reset starts over. */
static void data_by_reference(void **state)
{
	struct env *e = *state;
	static uint8_t got[STREAM_LEN + 65536];
	size_t total = 0;
	long n;

	for (size_t i = 0; i < STREAM_LEN; i++)
		stream[i] = (uint8_t)(i * 7 + i / 251);
	assert_true(reach(e, UVF_VFIO_MIGRATION_STOP_COPY, S(STOP_COPY)));
	set_data_mode(e, DATA_REF);
	do {
		n = uvf_client_mig_read(e->c, got + total, 65536);
		assert_true(n >= 0);
		total += (size_t)n;
	} while (n == 65536);
	assert_int_equal(total, STREAM_LEN);
	assert_memory_equal(got, stream, STREAM_LEN);
	pthread_mutex_lock(&e->w.lock);
	assert_true(e->w.refs >= STREAM_LEN / 65536);	/* the path was taken */
	pthread_mutex_unlock(&e->w.lock);
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), 0);

	assert_true(reach(e, UVF_VFIO_MIGRATION_STOP_COPY, S(STOP_COPY)));
	set_data_mode(e, DATA_BAD_REF);
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), -EIO);
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), -EIO);
	set_data_mode(e, DATA_NONE);
	assert_int_equal(uvf_client_reset(e->c), 0);
	assert_int_equal(get_state(e), S(RUNNING));

	/* A device failing after it produced bytes: those bytes first, then
	 * the error on every read (the stream has a hole) until a reset. */
	assert_true(reach(e, UVF_VFIO_MIGRATION_STOP_COPY, S(STOP_COPY)));
	set_data_mode(e, DATA_FAIL);
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), FAIL_AT);
	assert_memory_equal(got, stream, FAIL_AT);
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), -EIO);
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), -EIO);
	set_data_mode(e, DATA_NONE);
	assert_int_equal(uvf_client_reset(e->c), 0);
	assert_true(reach(e, UVF_VFIO_MIGRATION_STOP_COPY, S(STOP_COPY)));
	assert_int_equal(uvf_client_mig_read(e->c, got, 65536), 0);	/* a fresh session */
	assert_int_equal(uvf_client_reset(e->c), 0);
}

struct reader {
	struct uvf_client *c;
	uint8_t *data;
	size_t len;
	long long n;
};

static int reader_collect(void *arg, const void *data, size_t len)
{
	struct reader *r = arg;

	if (r->len + len > STREAM_LEN)
		return -ENOSPC;
	memcpy(r->data + r->len, data, len);
	r->len += len;
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->n = uvf_client_mig_read_stream(r->c, sizeof(reuse), 3, reader_collect, r);
	return NULL;
}

static void *set_main(void *arg)
{
	struct env *e = arg;

	e->set_result = uvf_client_mig_set_state(e->c, S(STOP_COPY));
	return NULL;
}

static void arc_done_on_loop(struct uvf_loop *loop, void *arg)
{
	(void)loop;
	uvf_mig_arc_done(arg, 0);
}

/* MIG_DATA_READs held behind a parked SET are replayed one at a time: a
 * reply sent from device memory is out before the next read is produced,
 * even though the device reuses that memory at the next call. */
static void held_reads_replayed_one_reply_at_a_time(void **state)
{
	struct env *e = *state;
	struct reader r = { .c = e->c, .data = malloc(STREAM_LEN) };
	pthread_t set_thr, rd_thr;

	assert_non_null(r.data);
	for (size_t i = 0; i < STREAM_LEN; i++)
		stream[i] = (uint8_t)(i * 7 + i / 251);
	assert_true(reach(e, UVF_VFIO_MIGRATION_STOP_COPY, S(RUNNING)));
	set_data_mode(e, DATA_REUSE);
	pthread_mutex_lock(&e->w.lock);
	e->w.park_next = true;		/* RUNNING->STOP parks */
	pthread_mutex_unlock(&e->w.lock);
	assert_int_equal(pthread_create(&set_thr, NULL, set_main, e), 0);
	usleep(100 * 1000);		/* the SET is parked */
	assert_int_equal(pthread_create(&rd_thr, NULL, reader_main, &r), 0);
	usleep(100 * 1000);		/* three reads are held behind it */
	assert_int_equal(uvf_loop_post(e->loop, arc_done_on_loop, e->dev), 0);
	assert_int_equal(pthread_join(set_thr, NULL), 0);
	assert_int_equal(e->set_result, 0);
	assert_int_equal(pthread_join(rd_thr, NULL), 0);
	assert_int_equal(r.n, STREAM_LEN);
	assert_memory_equal(r.data, stream, STREAM_LEN);
	free(r.data);
	set_data_mode(e, DATA_NONE);
	assert_int_equal(uvf_client_reset(e->c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_pair_walks_the_table_hop_by_hop),
		cmocka_unit_test(failure_on_every_arc_leaves_last_hop),
		cmocka_unit_test(reset_from_every_state_gives_running),
		cmocka_unit_test(stop_copy_to_pre_copy_fails_at_once),
		cmocka_unit_test(probe_and_bad_arguments),
		cmocka_unit_test(data_by_reference),
		cmocka_unit_test(held_reads_replayed_one_reply_at_a_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
