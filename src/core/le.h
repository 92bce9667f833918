/* Explicitly little-endian fields (migration streams and blobs, PCI
 * registers and config space), byte by byte: any alignment, any host.
 * vfio-user fields are host-order instead: proto/wire.h. */
#ifndef UVF_CORE_LE_H
#define UVF_CORE_LE_H

#include <stdint.h>

/* The low n (1..8) bytes of v at p, least significant first. */
static inline void uvf_le_put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t uvf_le_get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static inline void uvf_le_put32(uint8_t *p, uint32_t v) { uvf_le_put(p, v, 4); }
static inline void uvf_le_put64(uint8_t *p, uint64_t v) { uvf_le_put(p, v, 8); }
static inline uint32_t uvf_le_get32(const uint8_t *p) { return (uint32_t)uvf_le_get(p, 4); }
static inline uint64_t uvf_le_get64(const uint8_t *p) { return uvf_le_get(p, 8); }

#endif
