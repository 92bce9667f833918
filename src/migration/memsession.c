/* A device's migration data session over memstream (memsession.h). */
#include <errno.h>
#include <string.h>

#include <uvfio/device.h>

#include "migration/memsession.h"

void uvf_memsession_end(struct uvf_memsession *s)
{
	uvf_memstream_saver_destroy(s->saver);
	uvf_memstream_loader_destroy(s->loader);
	s->saver = NULL;
	s->loader = NULL;
}

int uvf_memsession_save(struct uvf_memsession *s, bool precopy, const void *blob)
{
	int r;

	uvf_memsession_end(s);
	r = uvf_memstream_saver_create(s->mem, s->size, s->stream_id, precopy, &s->saver);
	if (!r && !precopy)
		r = uvf_memstream_saver_final(s->saver, blob, s->blob_len);
	if (r) {
		uvf_log(UVF_LOG_WARN, s->dev, "cannot open a %s stream: %s",
			precopy ? "pre-copy" : "saving", strerror(-r));
		uvf_memsession_end(s);
	}
	return r;
}

int uvf_memsession_final(struct uvf_memsession *s, const void *blob)
{
	int r;

	if (!s->saver)
		return -EIO;	/* a stop out of pre-copy without a stream: our bug */
	r = uvf_memstream_saver_final(s->saver, blob, s->blob_len);
	if (r)
		uvf_log(UVF_LOG_WARN, s->dev, "cannot finish the migration stream: %s",
			strerror(-r));
	return r;
}

int uvf_memsession_resume(struct uvf_memsession *s)
{
	int r;

	uvf_memsession_end(s);
	r = uvf_memstream_loader_create(s->mem, s->size, s->stream_id, s->blob_len, &s->loader);
	if (r)
		uvf_log(UVF_LOG_WARN, s->dev, "cannot open a resuming stream: %s", strerror(-r));
	return r;
}

int uvf_memsession_apply(struct uvf_memsession *s, uvf_memstream_blob_check_fn check, void *arg,
			 const void **blob)
{
	size_t len;
	int r;

	if (!s->loader)
		return -EINVAL;
	r = uvf_memstream_loader_finish(s->loader, check, arg, blob, &len);
	if (r)
		uvf_log(UVF_LOG_WARN, s->dev,
			"RESUMING->STOP: image rejected (%s); device unchanged, reset to start over",
			strerror(-r));
	return r;
}

long uvf_memsession_read(struct uvf_memsession *s, void *buf, size_t len, const void **ref,
			 size_t *ref_len)
{
	if (!s->saver)
		return -EINVAL;
	return uvf_memstream_saver_read_ref(s->saver, buf, len, ref, ref_len);
}

int uvf_memsession_write(struct uvf_memsession *s, const void *buf, size_t len)
{
	int r;

	if (!s->loader)
		return -EINVAL;
	r = uvf_memstream_loader_write(s->loader, buf, len);
	if (r)
		uvf_log(UVF_LOG_WARN, s->dev, "MIG_DATA_WRITE: bad image: %s", strerror(-r));
	return r;
}

uint64_t uvf_memsession_size(const struct uvf_memsession *s)
{
	return s->saver ? uvf_memstream_saver_size(s->saver, s->blob_len)
			: uvf_memstream_full_size(s->size, s->blob_len);
}

int uvf_memsession_precopy_info(struct uvf_memsession *s, uint64_t *initial, uint64_t *dirty)
{
	if (!s->saver)
		return -EINVAL;
	uvf_memstream_saver_precopy_info(s->saver, initial, dirty);
	return 0;
}
