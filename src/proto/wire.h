/* Host-order get/put helpers for vfio-user wire fields.
 *
 * vfio-user integers are in the host's byte order but the buffers that hold
 * them have no alignment guarantee, so every access goes through memcpy.
 * Never cast a message buffer to a struct pointer.
 */
#ifndef UVF_PROTO_WIRE_H
#define UVF_PROTO_WIRE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t uvf_get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t uvf_get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t uvf_get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void uvf_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void uvf_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void uvf_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

#endif
