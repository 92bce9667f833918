/* uvfioctl: talk to a uvfio device from the command line.
 *
 *   uvfioctl info SOCKET [--json]
 *   uvfioctl read SOCKET REGION OFFSET SIZE
 *   uvfioctl write SOCKET REGION OFFSET HEXBYTES
 *   uvfioctl state SOCKET [STATE]
 *   uvfioctl migrate SOURCE DEST [--precopy] [--progress]
 *   uvfioctl ccw SOCKET read|write BLOCK [COUNT] [--file F]
 *
 * Exit 0 on success; non-zero with a one-line message otherwise. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migration/fsm.h"

#include <uvfio/client.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "uvfioctl: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: uvfioctl info SOCKET [--json]\n"
		   "       uvfioctl read SOCKET REGION OFFSET SIZE\n"
		   "       uvfioctl write SOCKET REGION OFFSET HEXBYTES\n"
		   "       uvfioctl state SOCKET [STATE]\n"
		   "       uvfioctl migrate SOURCE DEST [--precopy] [--progress]\n"
		   "       uvfioctl ccw SOCKET read|write BLOCK [COUNT] [--file F]\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end ? -EINVAL : 0;
}

static const char *dev_kind(uint32_t flags)
{
	if (flags & UVF_VFIO_DEVICE_FLAGS_PCI)
		return "pci";
	if (flags & UVF_VFIO_DEVICE_FLAGS_CCW)
		return "ccw";
	return "other";
}

static int cmd_info(struct uvf_client *c, bool json)
{
	struct uvf_client_device_info di;
	json_object *root = NULL, *regions = NULL, *irqs = NULL;
	int r = uvf_client_device_info(c, &di);

	if (r)
		return fail("DEVICE_GET_INFO", r);
	if (json) {
		root = json_object_new_object();
		regions = json_object_new_array();
		irqs = json_object_new_array();
		json_object_object_add(root, "type", json_object_new_string(dev_kind(di.flags)));
		json_object_object_add(root, "flags", json_object_new_int64(di.flags));
		json_object_object_add(root, "num_regions", json_object_new_int64(di.num_regions));
		json_object_object_add(root, "num_irqs", json_object_new_int64(di.num_irqs));
	} else {
		printf("device: %s, flags 0x%x%s%s, %u regions, %u irqs\n", dev_kind(di.flags),
		       di.flags, di.flags & UVF_VFIO_DEVICE_FLAGS_RESET ? " RESET" : "",
		       di.flags & UVF_VFIO_DEVICE_FLAGS_CCW ? " CCW" : "", di.num_regions,
		       di.num_irqs);
	}
	for (uint32_t i = 0; i < di.num_regions; i++) {
		struct uvf_client_region reg;

		if ((r = uvf_client_region_info(c, i, &reg)))
			return fail("DEVICE_GET_REGION_INFO", r);
		uvf_client_region_release(&reg);
		if (json) {
			json_object *o = json_object_new_object(), *sp = json_object_new_array();

			json_object_object_add(o, "index", json_object_new_int64(i));
			json_object_object_add(o, "size", json_object_new_int64((int64_t)reg.size));
			json_object_object_add(o, "flags", json_object_new_int64(reg.flags));
			json_object_object_add(o, "read", json_object_new_boolean(reg.flags & 1));
			json_object_object_add(o, "write", json_object_new_boolean(reg.flags & 2));
			json_object_object_add(o, "mmap", json_object_new_boolean(reg.flags & 4));
			for (uint32_t k = 0; k < reg.nr_sparse; k++) {
				json_object *a = json_object_new_object();

				json_object_object_add(a, "offset",
						       json_object_new_int64((int64_t)reg.sparse[k].offset));
				json_object_object_add(a, "size",
						       json_object_new_int64((int64_t)reg.sparse[k].size));
				json_object_array_add(sp, a);
			}
			json_object_object_add(o, "sparse_mmap", sp);
			if (reg.has_type) {
				json_object_object_add(o, "type", json_object_new_int64(reg.type));
				json_object_object_add(o, "subtype", json_object_new_int64(reg.subtype));
			}
			json_object_array_add(regions, o);
			continue;
		}
		if (!reg.size)
			continue;
		printf("region %u: size 0x%llx %s%s%s", i, (unsigned long long)reg.size,
		       reg.flags & 1 ? "R" : "-", reg.flags & 2 ? "W" : "-",
		       reg.flags & 4 ? "M" : "-");
		for (uint32_t k = 0; k < reg.nr_sparse; k++)
			printf(" sparse[0x%llx+0x%llx]", (unsigned long long)reg.sparse[k].offset,
			       (unsigned long long)reg.sparse[k].size);
		if (reg.has_type)
			printf(" type %u/%u", reg.type, reg.subtype);
		printf("\n");
	}
	for (uint32_t i = 0; i < di.num_irqs; i++) {
		uint32_t flags, count;

		if ((r = uvf_client_irq_info(c, i, &flags, &count)))
			return fail("DEVICE_GET_IRQ_INFO", r);
		if (json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "index", json_object_new_int64(i));
			json_object_object_add(o, "count", json_object_new_int64(count));
			json_object_object_add(o, "flags", json_object_new_int64(flags));
			json_object_array_add(irqs, o);
		} else {
			printf("irq %u: count %u flags 0x%x%s%s%s\n", i, count, flags,
			       flags & 1 ? " EVENTFD" : "", flags & 2 ? " MASKABLE" : "",
			       flags & 4 ? " AUTOMASKED" : "");
		}
	}
	if (json) {
		json_object_object_add(root, "regions", regions);
		json_object_object_add(root, "irqs", irqs);
		printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
	}
	return 0;
}

static int cmd_read(struct uvf_client *c, char **argv)
{
	uint64_t region, off, size;
	uint8_t *buf;
	int r;

	if (parse_u64(argv[0], &region) || parse_u64(argv[1], &off) || parse_u64(argv[2], &size) ||
	    size > (64u << 20))
		return fail("read: bad REGION, OFFSET or SIZE (at most 64 MiB)", EINVAL);
	buf = malloc(size ? size : 1);
	if (!buf)
		return fail("read", ENOMEM);
	r = uvf_client_region_read(c, (unsigned)region, off, buf, size);
	if (r) {
		free(buf);
		return fail("REGION_READ", r);
	}
	for (uint64_t i = 0; i < size; i += 16) {
		printf("%08llx:", (unsigned long long)(off + i));
		for (uint64_t k = i; k < i + 16 && k < size; k++)
			printf(" %02x", buf[k]);
		printf("\n");
	}
	free(buf);
	return 0;
}

static int cmd_write(struct uvf_client *c, char **argv)
{
	uint64_t region, off;
	const char *hex = argv[2];
	size_t n = strlen(hex) / 2;
	uint8_t *buf;
	int r;

	if (parse_u64(argv[0], &region) || parse_u64(argv[1], &off) || strlen(hex) % 2 || !n)
		return fail("write: bad REGION, OFFSET or HEXBYTES", EINVAL);
	buf = malloc(n);
	if (!buf)
		return fail("write", ENOMEM);
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			free(buf);
			return fail("write: HEXBYTES is not hex", EINVAL);
		}
		buf[i] = (uint8_t)v;
	}
	r = uvf_client_region_write(c, (unsigned)region, off, buf, n);
	free(buf);
	return r ? fail("REGION_WRITE", r) : 0;
}

/* Run a channel program on a ccw-dasd: read blocks (hex dump, or into
 * --file) or write them (from --file, or a recognisable pattern). */
static int cmd_ccw(struct uvf_client *c, int argc, char **argv)
{
	struct uvf_client_ccw cc;
	uint64_t block, count = 1;
	const char *file = NULL;
	bool write;
	uint8_t *buf, irb[96];
	size_t len;
	int r, i = 1;

	if (argc < 2 || (strcmp(argv[0], "read") && strcmp(argv[0], "write")) ||
	    parse_u64(argv[1], &block) || block > UINT32_MAX)
		return fail("ccw: want read|write BLOCK [COUNT] [--file F]", EINVAL);
	write = !strcmp(argv[0], "write");
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (parse_u64(argv[i], &count) || !count || count > 96)
			return fail("ccw: COUNT is 1..96", EINVAL);
	}
	if ((r = uvf_client_ccw_open(c, 1 << 20, &cc)))
		return fail("ccw: cannot set the device up (is it a ccw device?)", r);
	len = (size_t)count * 512;
	buf = calloc(1, len);
	if (!buf) {
		uvf_client_ccw_close(&cc);
		return fail("ccw", ENOMEM);
	}
	if (write) {
		FILE *f = file ? fopen(file, "rb") : NULL;

		if (file && (!f || fread(buf, 1, len, f) == 0)) {
			if (f)
				fclose(f);
			free(buf);
			uvf_client_ccw_close(&cc);
			return fail("ccw: cannot read --file", errno ? errno : EIO);
		}
		if (f)
			fclose(f);
		if (!file)
			for (size_t k = 0; k < len; k += 512)
				snprintf((char *)buf + k, 512, "uvfio block %llu",
					 (unsigned long long)(block + k / 512));
	}
	r = uvf_client_ccw_fba_rw(&cc, write, (uint32_t)block, (uint32_t)count, buf, irb);
	if (r == -EIO) {
		fprintf(stderr, "uvfioctl: ccw %s: device status 0x%02x, subchannel status 0x%02x\n",
			argv[0], irb[8], irb[9]);
	} else if (r) {
		fail("ccw: channel program", r);
	} else if (!write && file) {
		FILE *f = fopen(file, "wb");

		if (!f || fwrite(buf, 1, len, f) != len)
			r = -EIO;
		if (f)
			fclose(f);
	} else if (!write) {
		for (size_t k = 0; k < len; k += 16) {
			printf("%08llx:", (unsigned long long)(block * 512 + k));
			for (size_t j = k; j < k + 16; j++)
				printf(" %02x", buf[j]);
			printf("\n");
		}
	} else {
		printf("wrote %llu block(s) at %llu\n", (unsigned long long)count,
		       (unsigned long long)block);
	}
	free(buf);
	uvf_client_ccw_close(&cc);
	return r ? 1 : 0;
}

static int cmd_state(struct uvf_client *c, int argc, char **argv)
{
	enum uvf_mig_state st;
	int r;

	if (argc == 1) {
		if (uvf_mig_state_parse(argv[0], &st))
			return fail("state: unknown state name", EINVAL);
		if ((r = uvf_client_mig_set_state(c, st)))
			return fail("MIG_DEVICE_STATE SET", r);
	}
	if ((r = uvf_client_mig_get_state(c, &st)))
		return fail("MIG_DEVICE_STATE GET", r);
	printf("%s\n", uvf_mig_state_name(st));
	return 0;
}

static void show_progress(void *arg, const struct uvf_migrate_progress *p)
{
	static const char *const phase[] = { "pre-copy", "stop-copy", "done" };
	bool tty = *(bool *)arg;
	uint64_t total = p->estimate > p->bytes ? p->estimate : p->bytes;
	int width = 30, fill = total ? (int)(p->bytes * (uint64_t)width / total) : width;

	if (fill > width)
		fill = width;
	fprintf(stderr, "%s%-9s [%.*s%*s] %8.1f MiB  round %u  initial %llu  dirty %llu%s",
		tty ? "\r" : "", phase[p->phase], fill, "##############################",
		width - fill, "", (double)p->bytes / (1 << 20), p->rounds,
		(unsigned long long)p->initial, (unsigned long long)p->dirty,
		tty ? "\033[K" : "\n");
	if (tty && p->phase == 2)
		fputc('\n', stderr);
}

static int cmd_migrate(const char *src_path, const char *dst_path, int argc, char **argv)
{
	struct uvf_client_opts co = { .precopy_info = true, .precopy_enomsg = true };
	struct uvf_migrate_opts mo = { 0 };
	struct uvf_migrate_stats st;
	struct uvf_client_remap *remap = NULL;
	struct uvf_client *src, *dst;
	bool progress = false, tty = isatty(2);
	int r;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--precopy"))
			mo.precopy = true;
		else if (!strcmp(argv[i], "--progress"))
			progress = true;
		else
			return fail("migrate: unknown option", EINVAL);
	}
	if (progress) {
		mo.progress = show_progress;
		mo.arg = &tty;
	}
	/* A device that must take its mmap'ed regions back to pre-copy asks
	 * through the remap IRQ; we map nothing, so the handler only has to
	 * re-query and acknowledge. */
	co.remap_irq = mo.precopy;
	if ((r = uvf_client_connect(src_path, &co, &src)))
		return fail("cannot connect to the source", r);
	if ((r = uvf_client_connect(dst_path, &co, &dst))) {
		uvf_client_close(src);
		return fail("cannot connect to the destination", r);
	}
	if (mo.precopy && (r = uvf_client_remap_start(src, NULL, NULL, &remap)) &&
	    r != -ENOTSUP) {
		uvf_client_close(src);
		uvf_client_close(dst);
		return fail("cannot enable the source's remap IRQ", r);
	}
	r = uvf_client_migrate(src, dst, &mo, &st);
	uvf_client_remap_stop(remap);
	uvf_client_close(src);
	uvf_client_close(dst);
	if (r)
		return fail("migration failed (source kept running)", r);
	printf("migrated: %llu bytes pre-copy in %u rounds, %llu bytes stop-copy; "
	       "downtime %.3f ms, total %.3f ms\n",
	       (unsigned long long)st.precopy_bytes, st.rounds,
	       (unsigned long long)st.stopcopy_bytes, (double)st.downtime_us / 1000,
	       (double)st.total_us / 1000);
	return 0;
}

int main(int argc, char **argv)
{
	struct uvf_client *c;
	int r, ret;

	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "migrate")) {
		if (argc < 4) {
			usage(stderr);
			return 2;
		}
		return cmd_migrate(argv[2], argv[3], argc - 4, argv + 4);
	}
	r = uvf_client_connect(argv[2], NULL, &c);
	if (r) {
		fprintf(stderr, "uvfioctl: cannot connect to %s: %s\n", argv[2], strerror(-r));
		return 1;
	}
	if (!strcmp(argv[1], "info") && (argc == 3 || (argc == 4 && !strcmp(argv[3], "--json"))))
		ret = cmd_info(c, argc == 4);
	else if (!strcmp(argv[1], "read") && argc == 6)
		ret = cmd_read(c, argv + 3);
	else if (!strcmp(argv[1], "write") && argc == 6)
		ret = cmd_write(c, argv + 3);
	else if (!strcmp(argv[1], "state") && argc <= 4)
		ret = cmd_state(c, argc - 3, argv + 3);
	else if (!strcmp(argv[1], "ccw"))
		ret = cmd_ccw(c, argc - 3, argv + 3);
	else {
		usage(stderr);
		ret = 2;
	}
	uvf_client_close(c);
	return ret;
}
