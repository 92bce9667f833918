/* VERSION capabilities: the JSON object of the VERSION payload, parsed and
 * built with json-c.  Unknown keys are ignored (a peer may know more than
 * we do); a known key of the wrong type is an error. */
#include "proto/proto.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

void uvf_caps_defaults(struct uvf_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->max_msg_fds = 1;
	c->max_data_xfer_size = UVF_VU_DEFAULT_MAX_DATA_XFER;
	c->max_dma_maps = UVF_VU_DEFAULT_MAX_DMA_MAPS;
	c->pgsizes = 4096;
}

static int get_u64(json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	/* json-c keeps big positives as uint64 and saturates get_int64, so
	 * take the sign from one and the value from the other. */
	n = json_object_get_int64(v);
	if (n < 0 || json_object_get_uint64(v) > max)
		return -EINVAL;
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_bool(json_object *o, const char *key, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*out = json_object_get_boolean(v);
	return 0;
}

static int parse_caps(json_object *caps, struct uvf_caps *c)
{
	uint64_t fds = c->max_msg_fds, xfer = c->max_data_xfer_size;
	uint64_t maps = c->max_dma_maps;
	json_object *ext;
	int r;

	if (!json_object_is_type(caps, json_type_object))
		return -EINVAL;
	if ((r = get_u64(caps, "max_msg_fds", 1024, &fds)) ||
	    (r = get_u64(caps, "max_data_xfer_size", UINT32_MAX, &xfer)) ||
	    (r = get_u64(caps, "max_dma_maps", UINT32_MAX, &maps)) ||
	    (r = get_u64(caps, "pgsizes", UINT64_MAX >> 1, &c->pgsizes)) ||
	    (r = get_bool(caps, "write_multiple", &c->write_multiple)))
		return r;
	c->max_msg_fds = (uint32_t)fds;
	c->max_data_xfer_size = (uint32_t)xfer;
	c->max_dma_maps = (uint32_t)maps;

	if (json_object_object_get_ex(caps, "uvfio", &ext)) {
		if (!json_object_is_type(ext, json_type_object))
			return -EINVAL;
		if ((r = get_bool(ext, "precopy_info", &c->precopy_info)) ||
		    (r = get_bool(ext, "precopy_enomsg", &c->precopy_enomsg)) ||
		    (r = get_bool(ext, "remap_irq", &c->remap_irq)))
			return r;
	}
	return 0;
}

int uvf_caps_parse(const char *json, size_t len, struct uvf_caps *out)
{
	struct json_tokener *tok;
	json_object *root, *caps;
	int r = 0;

	uvf_caps_defaults(out);
	if (len == 0)
		return 0;
	/* The text must end with its NUL and hold no other NUL. */
	if (json[len - 1] != '\0' || strlen(json) != len - 1)
		return -EINVAL;
	if (len - 1 > INT32_MAX)
		return -EINVAL;

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)(len - 1));
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) != len - 1)
		r = -EINVAL;
	json_tokener_free(tok);
	if (r) {
		json_object_put(root);
		return r;
	}
	if (!json_object_is_type(root, json_type_object))
		r = -EINVAL;
	else if (json_object_object_get_ex(root, "capabilities", &caps))
		r = parse_caps(caps, out);
	json_object_put(root);
	return r;
}

int uvf_caps_build(const struct uvf_caps *c, char **out, size_t *out_len)
{
	json_object *root = json_object_new_object();
	json_object *caps = json_object_new_object();
	json_object *ext = NULL;
	const char *s;
	int r = -ENOMEM;

	if (!root || !caps)
		goto out;
	json_object_object_add(root, "capabilities", caps);
	json_object_object_add(caps, "max_msg_fds", json_object_new_int64(c->max_msg_fds));
	json_object_object_add(caps, "max_data_xfer_size",
			       json_object_new_int64(c->max_data_xfer_size));
	json_object_object_add(caps, "max_dma_maps", json_object_new_int64(c->max_dma_maps));
	json_object_object_add(caps, "pgsizes", json_object_new_int64((int64_t)c->pgsizes));
	if (c->write_multiple)
		json_object_object_add(caps, "write_multiple", json_object_new_boolean(1));
	if (c->precopy_info || c->precopy_enomsg || c->remap_irq) {
		ext = json_object_new_object();
		if (!ext)
			goto out;
		if (c->precopy_info)
			json_object_object_add(ext, "precopy_info", json_object_new_boolean(1));
		if (c->precopy_enomsg)
			json_object_object_add(ext, "precopy_enomsg", json_object_new_boolean(1));
		if (c->remap_irq)
			json_object_object_add(ext, "remap_irq", json_object_new_boolean(1));
		json_object_object_add(caps, "uvfio", ext);
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (!s)
		goto out;
	*out_len = strlen(s) + 1;
	*out = malloc(*out_len);
	if (!*out)
		goto out;
	memcpy(*out, s, *out_len);
	r = 0;
out:
	if (root)
		json_object_put(root);
	else if (caps)
		json_object_put(caps);
	return r;
}
