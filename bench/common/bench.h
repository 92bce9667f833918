/* Small helpers the benchmarks share: a monotonic clock, whole-buffer
 * blocking I/O for floor peers, sorting samples, pinning. */
#ifndef UVF_BENCH_BENCH_H
#define UVF_BENCH_BENCH_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* 0, or -1 at EOF or error. */
static inline int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (uint8_t *)buf + got, len - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static inline int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Run this process and every thread and child it makes from now on CPU 0.
 * On the VMs this runs on, a wake-up across vCPUs costs tens of
 * microseconds and lands wherever the scheduler put each thread, so
 * latency benchmarks and their floors run on one CPU and pay same-CPU
 * switches only (docs/design.md).
 */
static inline void bench_pin_cpu0(const char *who)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror(who);
}

#endif
