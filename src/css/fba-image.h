/* SPDX-License-Identifier: MIT */
/*
 * css/fba-image.h - the FBA disk's backing file, with I/O fault injection.
 */
#ifndef UVF_CSS_FBA_IMAGE_H
#define UVF_CSS_FBA_IMAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct uvf_css_fba_image {
	int fd;
	uint32_t blocks;
	uint32_t blksize;
	/* Leaf lock for the fault knob and the I/O counter, which a test
	 * thread changes while the worker does I/O. */
	pthread_mutex_t lock;
	unsigned long ios;
	unsigned long fail_at;	/* ios value that fails; 0: none */
	bool fail_persist;
};

/* Result of one backend I/O. */
enum uvf_css_fba_io {
	UVF_CSS_FBA_IO_OK,
	UVF_CSS_FBA_IO_HOST_ERR,	/* the host file failed */
	UVF_CSS_FBA_IO_INJECTED,	/* uvf_css_fba_fail_io() */
	UVF_CSS_FBA_IO_INJECTED_PERM,	/* ... persistent */
};

int uvf_css_fba_image_open(struct uvf_css_fba_image *img, const char *path,
			   uint32_t blocks, uint32_t blksize);
void uvf_css_fba_image_close(struct uvf_css_fba_image *img);
enum uvf_css_fba_io uvf_css_fba_image_read(struct uvf_css_fba_image *img,
					   uint32_t block, uint32_t n,
					   void *buf);
/* buf NULL writes zeros. */
enum uvf_css_fba_io uvf_css_fba_image_write(struct uvf_css_fba_image *img,
					    uint32_t block, uint32_t n,
					    const void *buf);
enum uvf_css_fba_io uvf_css_fba_image_flush(struct uvf_css_fba_image *img);
void uvf_css_fba_image_fail(struct uvf_css_fba_image *img, unsigned nth,
			    bool persist);
unsigned long uvf_css_fba_image_ios(struct uvf_css_fba_image *img);

#endif
