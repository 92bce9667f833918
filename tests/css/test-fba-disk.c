/* SPDX-License-Identifier: MIT */
/*
 * tests/css/test-fba-disk.c - the FBA disk beyond the fba-disk.md §5 table:
 * concurrent sense, every block size, the image file, and halting a write
 * program before each of its CCWs.
 */
#include "fba-util.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void concurrent_sense_in_ecw(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	struct prog p = fba_prog_new(e);
	unsigned i;

	env_enable(e, true);
	fba_emit(&p, 0x1F, SLI, 0, 0);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_ALERT, UC_END, 0);
	assert_int_equal(uvf_css_irb_erw(&irb),
			 UVF_CSS_ERW_CONS | 24u << UVF_CSS_ERW_SCNT_SHIFT);
	assert_int_equal(irb.ecw[0], UVF_CSS_SNS0_CMD_REJECT);
	for (i = 24; i < 32; i++)
		assert_int_equal(irb.ecw[i], 0);
	/* Delivered: nothing left at the device. */
	env_enable(e, false);
	assert_int_equal(fba_sense(e)[0], 0);
	env_free(e);
}

static void block_sizes(void **state)
{
	static const uint16_t sizes[] = { 512, 1024, 2048, 4096 };
	struct uvf_css_irb irb;
	unsigned s, i;

	for (s = 0; s < 4; s++) {
		struct env *e = env_new_fba(16, sizes[s], false);
		struct stat st;

		assert_int_equal(stat(e->image, &st), 0);
		assert_int_equal(st.st_size, 16 * sizes[s]);
		for (i = 0; i < 3u * sizes[s]; i++)
			e->mem[DATA + i] = (uint8_t)(i * 5 + s);
		fba_rw_program(e, PROG, true, 13, 3, DATA, sizes[s]);
		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_OK, CE_DE, 0);
		fba_rw_program(e, PROG, false, 13, 3, DATA + 0x40000, sizes[s]);
		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_OK, CE_DE, 0);
		assert_memory_equal(e->mem + DATA + 0x40000, e->mem + DATA,
				    3u * sizes[s]);
		/* Writing past the device end: the extent is refused. */
		fba_rw_program(e, PROG, true, 15, 2, DATA, sizes[s]);
		run(e, PROG, 0, &irb);
		check_scsw(&irb, FINAL_ALERT, UC_END, 0);
		env_free(e);
	}
}

static void open_rejects_bad_config_and_keeps_data(void **state)
{
	struct uvf_css_fba_config cfg = { .blocks = 8, .blksize = 500 };
	struct uvf_css_fba *fba;
	char path[256];
	int fds = uvf_test_count_fds();

	uvf_test_tmppath(path, sizeof(path), "fba-reopen.img");
	unlink(path);
	cfg.path = path;
	assert_int_equal(uvf_css_fba_open(&cfg, &fba), -EINVAL);
	cfg.blksize = 512;
	cfg.blocks = 0;
	assert_int_equal(uvf_css_fba_open(&cfg, &fba), -EINVAL);
	cfg.blocks = 8;
	cfg.path = "/nonexistent-dir/x.img";
	assert_true(uvf_css_fba_open(&cfg, &fba) < 0);
	cfg.path = path;
	assert_int_equal(uvf_css_fba_open(&cfg, &fba), 0);
	uvf_css_fba_close(fba);
	{
		int fd = open(path, O_WRONLY | O_CLOEXEC);

		assert_int_equal(pwrite(fd, "hello", 5, 512), 5);
		close(fd);
	}
	/* Reopening keeps the image; a larger one keeps its size. */
	cfg.blocks = 4;
	assert_int_equal(uvf_css_fba_open(&cfg, &fba), 0);
	uvf_css_fba_close(fba);
	{
		struct stat st;
		char buf[5];
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_size, 8 * 512);
		assert_int_equal(pread(fd, buf, 5, 512), 5);
		assert_memory_equal(buf, "hello", 5);
		close(fd);
	}
	unlink(path);
	assert_int_equal(uvf_test_count_fds(), fds);
}

/* Halt a §4.2 write of 8 blocks before each of its 17 CCWs: exactly the
 * blocks whose Write ran are on the disk, the rest keep their data. */
static void halt_write_program_at_every_ccw(void **state)
{
	struct env *e = fba_disk();
	struct uvf_css_irb irb;
	unsigned k, b, written;

	for (k = 0; k < 17; k++) {
		fba_image_fill(e, 50, 8, BS);
		memset(e->mem + DATA, 0, 8 * BS);
		fba_program_42(e, true, 50, 8, DATA);
		uvf_css_sch_pause_at(e->sch, (int)k);
		start(e, PROG, 0);
		assert_int_equal(uvf_css_sch_wait_paused(e->sch, WAIT_MS), 0);
		assert_int_equal(uvf_css_hsch(e->sch), 0);
		assert_int_equal(wait_irb(e, &irb, NULL), 0);
		assert_int_equal(uvf_css_scsw_fc(&irb.scsw),
				 UVF_CSS_FC_START | UVF_CSS_FC_HALT);
		assert_cpa(&irb, PROG + 8 * k);
		/* Commands 0..k-1 ran: DE, then Locate/Write pairs. */
		written = k >= 1 ? (k - 1) / 2 : 0;
		for (b = 0; b < 8; b++)
			assert_true(fba_block_is(e, 50 + b, b < written));
		uvf_css_sch_pause_at(e->sch, -1);
	}
	/* The disk still works. */
	fba_program_42(e, false, 50, 8, DATA + 0x40000);
	run(e, PROG, 0, &irb);
	check_scsw(&irb, FINAL_OK, CE_DE, 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(concurrent_sense_in_ecw),
		cmocka_unit_test(block_sizes),
		cmocka_unit_test(open_rejects_bad_config_and_keeps_data),
		cmocka_unit_test(halt_write_program_at_every_ccw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
