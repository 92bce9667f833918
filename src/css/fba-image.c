/* SPDX-License-Identifier: MIT */
/*
 * css/fba-image.c - the FBA disk's backing file.
 *
 * Every pread, pwrite and fdatasync is one "backend I/O": the unit the
 * fault knob counts, so a test can fail the 1st, 2nd, ... I/O of an
 * operation in a loop (SQLite's I/O-error loops).  Writes go out with
 * pwrite and are made durable by uvf_css_fba_image_flush(), which the disk
 * calls before it returns the status of a Write command.
 */
#include "css/fba-image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int uvf_css_fba_image_open(struct uvf_css_fba_image *img, const char *path,
			   uint32_t blocks, uint32_t blksize)
{
	off_t size = (off_t)blocks * blksize;
	struct stat st;
	int ret;

	memset(img, 0, sizeof(*img));
	img->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (img->fd < 0)
		return -errno;
	if (fstat(img->fd, &st) < 0)
		goto err_errno;
	if (st.st_size < size) {
		/* Extend (holes read as zeros) and make the size durable. */
		if (ftruncate(img->fd, size) < 0 || fsync(img->fd) < 0)
			goto err_errno;
	}
	img->blocks = blocks;
	img->blksize = blksize;
	pthread_mutex_init(&img->lock, NULL);
	return 0;

err_errno:
	ret = -errno;
	close(img->fd);
	img->fd = -1;
	return ret;
}

void uvf_css_fba_image_close(struct uvf_css_fba_image *img)
{
	if (img->fd < 0)
		return;
	close(img->fd);
	img->fd = -1;
	pthread_mutex_destroy(&img->lock);
}

/* Count one backend I/O and say whether the fault knob fails it. */
static enum uvf_css_fba_io count_io(struct uvf_css_fba_image *img)
{
	enum uvf_css_fba_io ret = UVF_CSS_FBA_IO_OK;

	pthread_mutex_lock(&img->lock);
	img->ios++;
	if (img->fail_at && img->ios >= img->fail_at) {
		if (img->fail_persist) {
			ret = UVF_CSS_FBA_IO_INJECTED_PERM;
		} else {
			ret = UVF_CSS_FBA_IO_INJECTED;	/* once: ios just reached fail_at */
			img->fail_at = 0;
		}
	}
	pthread_mutex_unlock(&img->lock);
	return ret;
}

static bool full_io(ssize_t (*fn)(int, void *, size_t, off_t), int fd,
		    uint8_t *p, size_t len, off_t off)
{
	ssize_t n;

	while (len) {
		n = fn(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return true;
}

static ssize_t pwrite_cast(int fd, void *p, size_t len, off_t off)
{
	return pwrite(fd, p, len, off);
}

enum uvf_css_fba_io uvf_css_fba_image_read(struct uvf_css_fba_image *img,
					   uint32_t block, uint32_t n,
					   void *buf)
{
	enum uvf_css_fba_io ret = count_io(img);

	if (ret != UVF_CSS_FBA_IO_OK)
		return ret;
	if (!full_io(pread, img->fd, buf, (size_t)n * img->blksize,
		     (off_t)block * img->blksize))
		return UVF_CSS_FBA_IO_HOST_ERR;
	return UVF_CSS_FBA_IO_OK;
}

enum uvf_css_fba_io uvf_css_fba_image_write(struct uvf_css_fba_image *img,
					    uint32_t block, uint32_t n,
					    const void *buf)
{
	static const uint8_t zeros[4096];
	enum uvf_css_fba_io ret = count_io(img);
	off_t off = (off_t)block * img->blksize;
	uint32_t i;

	if (ret != UVF_CSS_FBA_IO_OK)
		return ret;
	if (buf)
		return full_io(pwrite_cast, img->fd, (uint8_t *)buf,
			       (size_t)n * img->blksize, off) ?
		       UVF_CSS_FBA_IO_OK : UVF_CSS_FBA_IO_HOST_ERR;
	for (i = 0; i < n; i++, off += img->blksize)
		if (!full_io(pwrite_cast, img->fd, (uint8_t *)zeros,
			     img->blksize, off))
			return UVF_CSS_FBA_IO_HOST_ERR;
	return UVF_CSS_FBA_IO_OK;
}

enum uvf_css_fba_io uvf_css_fba_image_flush(struct uvf_css_fba_image *img)
{
	enum uvf_css_fba_io ret = count_io(img);

	if (ret != UVF_CSS_FBA_IO_OK)
		return ret;
	return fdatasync(img->fd) < 0 ? UVF_CSS_FBA_IO_HOST_ERR :
					UVF_CSS_FBA_IO_OK;
}

void uvf_css_fba_image_fail(struct uvf_css_fba_image *img, unsigned nth,
			    bool persist)
{
	pthread_mutex_lock(&img->lock);
	img->fail_at = nth ? img->ios + nth : 0;
	img->fail_persist = persist;
	pthread_mutex_unlock(&img->lock);
}

unsigned long uvf_css_fba_image_ios(struct uvf_css_fba_image *img)
{
	unsigned long n;

	pthread_mutex_lock(&img->lock);
	n = img->ios;
	pthread_mutex_unlock(&img->lock);
	return n;
}
