/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-crash.c - durability: a child process writes blocks
 * through the CSS and the FBA disk and reports, over a pipe, each block
 * whose final status (CE+DE) it has seen; the parent SIGKILLs it at a
 * random moment.  Every reported block must then be in the image: the
 * disk made it durable before presenting the status.
 *
 * (A SIGKILL keeps the page cache, so this pins the ordering "written
 * before status"; fdatasync before status is what extends it to power
 * loss, and fba-image.c does that.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "testutil.h"

#define BS		512u
#define BLOCKS		4096u
#define PER_ROUND	512u
#define ROUNDS		8u
#define PROG		0x1000u
#define DATA		0x10000u

static uint8_t pat(uint32_t block, unsigned i)
{
	return (uint8_t)(block * 131 + i * 7 + 1);
}

/* ---- the child: no cmocka here, any failure is an exit code ------------- */

static void child_put_ccw(uint8_t *mem, uint32_t at, uint8_t cmd,
			  uint8_t flags, uint16_t count, uint32_t cda)
{
	mem[at] = cmd;
	mem[at + 1] = flags;
	uvf_css_put_be16(mem + at + 2, count);
	uvf_css_put_be32(mem + at + 4, cda);
}

static int child_wait_final(struct uvf_css_sch *sch, int efd,
			    struct uvf_css_irb *irb)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	uint64_t v;
	int i;

	for (i = 0; i < 5000; i++) {
		if (uvf_css_tsch(sch, irb) == 0)
			return 0;
		if (poll(&pfd, 1, 1) > 0 && read(efd, &v, sizeof(v)) < 0)
			return -1;
	}
	return -1;
}

static void child(const char *image, unsigned round, int wfd)
{
	struct uvf_css_fba_config fcfg = {
		.path = image, .blocks = BLOCKS, .blksize = BS,
	};
	struct uvf_css_sch_config scfg = { .devno = 0x100,
					   .ops = &uvf_css_fba_ops };
	struct uvf_css_schib schib;
	struct uvf_css_irb irb;
	struct uvf_css_orb orb;
	struct uvf_css_sch *sch;
	struct uvf_css_fba *fba;
	struct uvf_css *css;
	uint32_t block, b, n, i;
	uint8_t *mem;
	int efd;

	srand(round * 977 + 1);
	mem = calloc(1, 1 << 20);
	efd = eventfd(0, EFD_CLOEXEC);
	if (!mem || efd < 0 || uvf_css_create(&css, 0) ||
	    uvf_css_mem_map(css, 0, mem, 1 << 20, 3) ||
	    uvf_css_fba_open(&fcfg, &fba))
		_exit(2);
	scfg.dev = fba;
	if (uvf_css_sch_create(css, &scfg, &sch) ||
	    uvf_css_sch_set_doorbell(sch, efd))
		_exit(3);
	uvf_css_stsch(sch, &schib);
	uvf_css_put_be16(schib.pmcw.flags, UVF_CSS_PMCW_DNV | UVF_CSS_PMCW_ENA);
	if (uvf_css_msch(sch, &schib))
		_exit(4);

	block = round * PER_ROUND;
	while (block < (round + 1) * PER_ROUND) {
		n = 1 + (uint32_t)rand() % 4;
		if (block + n > (round + 1) * PER_ROUND)
			n = (round + 1) * PER_ROUND - block;
		for (b = 0; b < n; b++)
			for (i = 0; i < BS; i++)
				mem[DATA + b * BS + i] = pat(block + b, i);
		/* DE (mask 0), Locate (write), Write of n blocks. */
		memset(mem + 0x800, 0, 24);
		uvf_css_put_be16(mem + 0x802, BS);
		uvf_css_put_be32(mem + 0x804, block);
		uvf_css_put_be32(mem + 0x80C, n - 1);
		mem[0x810] = UVF_CSS_FBA_OP_WRITE_VERIFY;
		uvf_css_put_be16(mem + 0x812, (uint16_t)n);
		child_put_ccw(mem, PROG, UVF_CSS_FBA_DEFINE_EXT, UVF_CSS_CCW_CC,
			      16, 0x800);
		child_put_ccw(mem, PROG + 8, UVF_CSS_FBA_LOCATE, UVF_CSS_CCW_CC,
			      8, 0x810);
		child_put_ccw(mem, PROG + 16, UVF_CSS_FBA_WRITE, 0,
			      (uint16_t)(n * BS), DATA);
		make_orb(&orb, PROG, 0);
		if (uvf_css_ssch(sch, &orb) || child_wait_final(sch, efd, &irb))
			_exit(5);
		if (irb.scsw.dstat != (UVF_CSS_DS_CE | UVF_CSS_DS_DE) ||
		    irb.scsw.cstat)
			_exit(6);
		for (b = 0; b < n; b++, block++)
			if (write(wfd, &block, sizeof(block)) != sizeof(block))
				_exit(7);
	}
	_exit(0);	/* finished the round before the kill: fine too */
}

/* ---- the parent --------------------------------------------------------- */

static void verify_block(int fd, uint32_t block)
{
	uint8_t buf[BS];
	unsigned i;

	assert_int_equal(pread(fd, buf, BS, (off_t)block * BS), BS);
	for (i = 0; i < BS; i++)
		if (buf[i] != pat(block, i))
			fail_msg("reported block %u lost (byte %u)", block, i);
}

static void reported_writes_survive_sigkill(void **state)
{
	int fds = uvf_test_count_fds();
	unsigned round, reported = 0;
	char image[256];
	int status;

	uvf_test_tmppath(image, sizeof(image), "crash.img");
	unlink(image);
	srand(12345);
	for (round = 0; round < ROUNDS; round++) {
		unsigned want = 1 + (unsigned)rand() % 120, got = 0;
		uint32_t blocks[PER_ROUND], block;
		int p[2], fd;
		pid_t pid;
		unsigned i;

		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			child(image, round, p[1]);
		}
		close(p[1]);
		/* Kill after a random number of reports, or (odd rounds)
		 * after a random moment. */
		if (round & 1) {
			poll(NULL, 0, 1 + rand() % 30);
			kill(pid, SIGKILL);
		}
		while (read(p[0], &block, sizeof(block)) == sizeof(block)) {
			assert_true(got < PER_ROUND);
			blocks[got++] = block;
			if (got == want && !(round & 1))
				kill(pid, SIGKILL);
		}
		close(p[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true((WIFSIGNALED(status) &&
			     WTERMSIG(status) == SIGKILL) ||
			    (WIFEXITED(status) && WEXITSTATUS(status) == 0));

		fd = open(image, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		for (i = 0; i < got; i++)
			verify_block(fd, blocks[i]);
		close(fd);
		reported += got;
	}
	print_message("%u reported blocks verified over %u kills\n",
		      reported, ROUNDS);
	assert_true(reported > 0);
	unlink(image);
	assert_int_equal(uvf_test_count_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reported_writes_survive_sigkill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
