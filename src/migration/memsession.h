/* SPDX-License-Identifier: MIT */
/*
 * migration/memsession.h - the data session of a device whose migratable
 * state is a memory block plus a register blob (migration/memstream.h):
 * at most one saver or loader at a time, opened and closed by the device's
 * arcs, and the data callbacks of struct uvf_mig_ops, so every such
 * device routes them here instead of writing them again.
 *
 * The device fills dev, mem, size, stream_id and blob_len once; the rest
 * is the session's.  Loop thread only, like every mig op.  Failures are
 * logged against dev and returned as negative errnos.
 */
#ifndef UVF_MIGRATION_MEMSESSION_H
#define UVF_MIGRATION_MEMSESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migration/memstream.h"

struct uvf_device;

struct uvf_memsession {
	struct uvf_device *dev;		/* named in log lines */
	void *mem;
	uint64_t size;
	uint32_t stream_id;		/* the device's, checked by the loader */
	size_t blob_len;		/* the device blob is exactly this long */
	struct uvf_memstream_saver *saver;
	struct uvf_memstream_loader *loader;
};

/* End any session (session_end, reset, a new session). */
void uvf_memsession_end(struct uvf_memsession *s);

/*
 * A saving stream.  precopy: tracks changes until final(); else the memory
 * must be frozen and blob (blob_len bytes) is the device's final state,
 * given now.  Ends any earlier session; on failure there is none.
 */
int uvf_memsession_save(struct uvf_memsession *s, bool precopy, const void *blob);

/* The device stopped in pre-copy: blob is its final state.  -EIO without
 * a saving stream. */
int uvf_memsession_final(struct uvf_memsession *s, const void *blob);

/* A resuming stream (ends any earlier session). */
int uvf_memsession_resume(struct uvf_memsession *s);

/*
 * RESUMING->STOP: validate the whole image (check() sees the blob first),
 * then copy the memory in; *blob, if asked for, stays valid until the
 * session ends.  On failure nothing was changed.
 */
int uvf_memsession_apply(struct uvf_memsession *s, uvf_memstream_blob_check_fn check, void *arg,
			 const void **blob);

/* The uvf_mig_ops data callbacks: save_data_ref, resume_data, data_size,
 * precopy_info.  -EINVAL when the session is not of that kind. */
long uvf_memsession_read(struct uvf_memsession *s, void *buf, size_t len, const void **ref,
			 size_t *ref_len);
int uvf_memsession_write(struct uvf_memsession *s, const void *buf, size_t len);
uint64_t uvf_memsession_size(const struct uvf_memsession *s);
int uvf_memsession_precopy_info(struct uvf_memsession *s, uint64_t *initial, uint64_t *dirty);

#endif
