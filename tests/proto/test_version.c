/* SPDX-License-Identifier: MIT */
/*
 * test_version.c - VERSION (1) against a running uvfiod: negotiation,
 * the capabilities JSON the server answers, extensions granted only when
 * asked, and every way a VERSION or its absence can be wrong
 * (vfio-user-protocol.md §4.1, §11).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "vu.h"

/* Send VERSION major.minor with raw JSON bytes (jlen bytes, as given). */
static int version_raw(struct vu_conn *c, uint16_t major, uint16_t minor, const void *json,
		       size_t jlen, const int *fds, unsigned nfds, struct vu_msg *reply)
{
	uint8_t p[512];

	assert_true(4 + jlen <= sizeof(p));
	uvf_put16(p, major);
	uvf_put16(p + 2, minor);
	if (jlen)
		memcpy(p + 4, json, jlen);
	return vu_call(c, UVF_VU_CMD_VERSION, p, 4 + jlen, fds, nfds, reply);
}

static int version(struct vu_conn *c, uint16_t minor, const char *json, struct vu_msg *reply)
{
	return version_raw(c, 0, minor, json, json ? strlen(json) + 1 : 0, NULL, 0, reply);
}

/* The reply's JSON: NUL-terminated, exactly at the end, an object. */
static json_object *reply_json(const struct vu_msg *m)
{
	const char *s = (const char *)m->payload + 4;
	size_t len = m->len - 4;
	json_object *o;

	assert_true(m->len > 4);
	assert_int_equal(s[len - 1], '\0');
	assert_int_equal(strlen(s), len - 1);
	o = json_tokener_parse(s);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static json_object *caps_of(json_object *root)
{
	json_object *caps;

	assert_true(json_object_object_get_ex(root, "capabilities", &caps));
	assert_true(json_object_is_type(caps, json_type_object));
	return caps;
}

static int64_t cap_int(json_object *caps, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(caps, key, &v));
	assert_true(json_object_is_type(v, json_type_int));
	return json_object_get_int64(v);
}

static void test_version_0_0_answers_0_0_with_server_caps(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;
	json_object *root, *caps, *v;

	assert_int_equal(version(c, 0, "{\"capabilities\":{\"max_msg_fds\":16}}", &m), 0);
	assert_int_equal(uvf_get16(m.payload), 0);
	assert_int_equal(uvf_get16(m.payload + 2), 0);
	assert_int_equal(m.nfds, 0);
	root = reply_json(&m);
	caps = caps_of(root);
	assert_int_equal(cap_int(caps, "max_msg_fds"), UVF_VU_MAX_MSG_FDS);
	assert_int_equal(cap_int(caps, "max_data_xfer_size"), UVF_VU_DEFAULT_MAX_DATA_XFER);
	assert_int_equal(cap_int(caps, "max_dma_maps"), UVF_VU_DEFAULT_MAX_DMA_MAPS);
	assert_int_equal(cap_int(caps, "pgsizes"), 4096);
	assert_true(json_object_object_get_ex(caps, "write_multiple", &v));
	assert_true(json_object_get_boolean(v));
	/* No extension unless asked for. */
	assert_false(json_object_object_get_ex(caps, "uvfio", NULL));
	json_object_put(root);
	vu_msg_free(&m);
	vu_expect_usable(c);
}

static void test_version_minor_answered_min_of_client_and_2(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(version(c, 5, "{}", &m), 0);
	assert_int_equal(uvf_get16(m.payload + 2), UVF_VU_VERSION_MINOR);
	vu_msg_free(&m);
}

static void test_version_minor_1_answered_1(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(version(c, 1, "{}", &m), 0);
	assert_int_equal(uvf_get16(m.payload + 2), 1);
	vu_msg_free(&m);
}

static void test_version_without_json_uses_defaults(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;
	json_object *root;

	assert_int_equal(version(c, 0, NULL, &m), 0);
	/* The server always answers with JSON (QEMU needs it). */
	root = reply_json(&m);
	json_object_put(root);
	vu_msg_free(&m);
	vu_expect_usable(c);
}

static void test_version_unknown_keys_ignored(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(version(c, 0,
				 "{\"capabilities\":{\"migration\":{\"pgsize\":4096,"
				 "\"max_bitmap_size\":268435456},\"max_msg_fds\":16,"
				 "\"max_data_xfer_size\":1048576,\"pgsizes\":4096,"
				 "\"max_dma_maps\":65535,\"write_multiple\":true},"
				 "\"vendor\":[1,2,3]}", &m), 0);
	vu_msg_free(&m);
	vu_expect_usable(c);
}

static void expect_extensions(struct vu_conn *c, const char *json, bool pi, bool pe, bool ri)
{
	struct vu_msg m;
	json_object *root, *caps, *ext, *v;

	assert_int_equal(version(c, 2, json, &m), 0);
	root = reply_json(&m);
	caps = caps_of(root);
	if (!pi && !pe && !ri) {
		assert_false(json_object_object_get_ex(caps, "uvfio", NULL));
	} else {
		assert_true(json_object_object_get_ex(caps, "uvfio", &ext));
		assert_int_equal(json_object_object_get_ex(ext, "precopy_info", &v), pi);
		if (pi)
			assert_true(json_object_get_boolean(v));
		assert_int_equal(json_object_object_get_ex(ext, "precopy_enomsg", &v), pe);
		if (pe)
			assert_true(json_object_get_boolean(v));
		assert_int_equal(json_object_object_get_ex(ext, "remap_irq", &v), ri);
		if (ri)
			assert_true(json_object_get_boolean(v));
	}
	json_object_put(root);
	vu_msg_free(&m);
}

static void test_version_grants_only_the_extension_asked(void **state)
{
	expect_extensions(*state, "{\"capabilities\":{\"uvfio\":{\"precopy_info\":true}}}",
			  true, false, false);
}

static void test_version_grants_all_extensions_asked(void **state)
{
	expect_extensions(*state, "{\"capabilities\":{\"uvfio\":{\"precopy_info\":true,"
			  "\"precopy_enomsg\":true,\"remap_irq\":true}}}", true, true, true);
}

static void test_version_extension_false_not_granted(void **state)
{
	expect_extensions(*state, "{\"capabilities\":{\"uvfio\":{\"precopy_info\":false,"
			  "\"remap_irq\":false}}}", false, false, false);
}

static void test_version_unknown_extension_not_granted(void **state)
{
	expect_extensions(*state, "{\"capabilities\":{\"uvfio\":{\"teleport\":true}}}",
			  false, false, false);
}

static void test_version_twice_refused_einval_connection_usable(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(version(c, 0, "{}", NULL), 0);
	assert_int_equal(version(c, 0, "{}", NULL), -EINVAL);
	vu_expect_usable(c);
}

static void test_version_major_1_refused_then_0_accepted(void **state)
{
	struct vu_conn *c = *state;
	uint8_t j[] = "{}";

	assert_int_equal(version_raw(c, 1, 0, j, sizeof(j), NULL, 0, NULL), -EINVAL);
	/* Not negotiated yet: a correct VERSION still works. */
	assert_int_equal(version(c, 0, "{}", NULL), 0);
	vu_expect_usable(c);
}

static void test_command_before_version_einval_then_version_works(void **state)
{
	struct vu_conn *c = *state;
	struct vu_msg m;

	assert_int_equal(vu_get_info(c, 16, &m), -EINVAL);
	vu_msg_free(&m);
	assert_int_equal(vu_dma_map(c, 3, 0, 0x10000, 0x1000, -1), -EINVAL);
	assert_int_equal(version(c, 0, "{}", NULL), 0);
	vu_expect_usable(c);
}

static void test_version_payload_3_bytes_einval(void **state)
{
	struct vu_conn *c = *state;
	uint8_t p[3] = { 0 };

	assert_int_equal(vu_call(c, UVF_VU_CMD_VERSION, p, 3, NULL, 0, NULL), -EINVAL);
	assert_int_equal(vu_call(c, UVF_VU_CMD_VERSION, NULL, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(version(c, 0, "{}", NULL), 0);
}

static void test_version_json_without_nul_einval(void **state)
{
	struct vu_conn *c = *state;

	assert_int_equal(version_raw(c, 0, 0, "{}", 2, NULL, 0, NULL), -EINVAL);
	assert_int_equal(version(c, 0, "{}", NULL), 0);
}

static void test_version_json_with_inner_nul_einval(void **state)
{
	struct vu_conn *c = *state;
	static const char j[] = "{}\0{}";

	assert_int_equal(version_raw(c, 0, 0, j, sizeof(j), NULL, 0, NULL), -EINVAL);
	assert_int_equal(version(c, 0, "{}", NULL), 0);
}

static void test_version_json_bad_einval(void **state)
{
	static const char *const bad[] = {
		"",					/* just the NUL */
		"{",
		"[]",
		"42",
		"{} {}",
		"{\"capabilities\":[]}",
		"{\"capabilities\":{\"max_msg_fds\":\"16\"}}",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_msg_fds\":1025}}",
		"{\"capabilities\":{\"max_msg_fds\":1.5}}",
		"{\"capabilities\":{\"max_data_xfer_size\":4294967296}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"uvfio\":true}}",
		"{\"capabilities\":{\"uvfio\":{\"remap_irq\":\"yes\"}}}",
	};
	struct vu_conn *c = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = version(c, 0, bad[i], NULL);

		if (r != -EINVAL)
			fail_msg("VERSION with '%s': %d, want -EINVAL", bad[i], r);
	}
	assert_int_equal(version(c, 0, "{}", NULL), 0);
}

static void test_version_limits_accepted_at_the_edge(void **state)
{
	struct vu_conn *c = *state;

	/* max_msg_fds 1024 is the top of the range (1025 is refused above). */
	assert_int_equal(version(c, 0, "{\"capabilities\":{\"max_msg_fds\":1024,"
				 "\"max_data_xfer_size\":4294967295}}", NULL), 0);
	vu_expect_usable(c);
}

static void test_version_with_fd_einval_fd_closed(void **state)
{
	struct vu_conn *c = *state;
	uint8_t j[] = "{}";
	int p[2];

	vu_pipe(p);
	assert_int_equal(version_raw(c, 0, 0, j, sizeof(j), &p[1], 1, NULL), -EINVAL);
	close(p[1]);
	assert_true(vu_pipe_closed(p[0], VU_TIMEOUT_MS));
	close(p[0]);
	assert_int_equal(version(c, 0, "{}", NULL), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, vu_test_setup_raw, vu_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_version_0_0_answers_0_0_with_server_caps),
		T(test_version_minor_answered_min_of_client_and_2),
		T(test_version_minor_1_answered_1),
		T(test_version_without_json_uses_defaults),
		T(test_version_unknown_keys_ignored),
		T(test_version_grants_only_the_extension_asked),
		T(test_version_grants_all_extensions_asked),
		T(test_version_extension_false_not_granted),
		T(test_version_unknown_extension_not_granted),
		T(test_version_twice_refused_einval_connection_usable),
		T(test_version_major_1_refused_then_0_accepted),
		T(test_command_before_version_einval_then_version_works),
		T(test_version_payload_3_bytes_einval),
		T(test_version_json_without_nul_einval),
		T(test_version_json_with_inner_nul_einval),
		T(test_version_json_bad_einval),
		T(test_version_limits_accepted_at_the_edge),
		T(test_version_with_fd_einval_fd_closed),
	};
#undef T

	return cmocka_run_group_tests_name("proto-version", tests, vu_group_setup,
					   vu_group_teardown);
}
