#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz/proto harnesses.

corpus-decode/: one valid vfio-user message per command (and per common
form of it), as fuzz_decode.c takes them: header + payload, host (little)
endian.

corpus-server/: one short session per command group for fuzz_server.c,
each starting with VERSION (the harness attaches the fds: a memfd to
DMA_MAP, eventfds to SET_IRQS with DATA_EVENTFD).  The mem device it
serves is 64 KiB with one region and one IRQ.

Run from anywhere: python3 fuzz/proto/mkcorpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, GET_REGION_INFO, GET_REGION_IO_FDS = 1, 2, 3, 4, 5, 6
GET_IRQ_INFO, SET_IRQS, REGION_READ, REGION_WRITE, DMA_READ, DMA_WRITE = 7, 8, 9, 10, 11, 12
DEVICE_RESET, DIRTY_PAGES, REGION_WRITE_MULTI, DEVICE_FEATURE = 13, 14, 15, 16
MIG_DATA_READ, MIG_DATA_WRITE, MIG_PRECOPY_INFO = 17, 18, 0x100

REPLY, NO_REPLY = 0x1, 0x10
GET, SET, PROBE = 1 << 16, 1 << 17, 1 << 18
NONE, BOOL, EVENTFD = 1, 2, 4
MASK, UNMASK, TRIGGER = 8, 16, 32

QEMU_JSON = (b'{"capabilities":{"migration":{"pgsize":4096,"max_bitmap_size":268435456},'
             b'"max_msg_fds":16,"max_data_xfer_size":1048576,"pgsizes":4096,'
             b'"max_dma_maps":65535,"write_multiple":true}}\0')
EXT_JSON = (b'{"capabilities":{"max_msg_fds":16,"uvfio":{"precopy_info":true,'
            b'"precopy_enomsg":true,"remap_irq":true}}}\0')

_id = [0]


def msg(cmd, payload=b'', flags=0):
    _id[0] = (_id[0] + 1) & 0xffff
    return struct.pack('<HHIII', _id[0], cmd, 16 + len(payload), flags, 0) + payload


def version(json=b'{}\0', minor=0):
    return msg(VERSION, struct.pack('<HH', 0, minor) + json)


def dma_map(iova, size, offset=0, flags=3):
    return msg(DMA_MAP, struct.pack('<IIQQQ', 32, flags, offset, iova, size))


def dma_unmap(iova, size, flags=0):
    return msg(DMA_UNMAP, struct.pack('<IIQQ', 24, flags, iova, size))


def info(cmd, argsz, index=0):
    if cmd == GET_REGION_INFO:
        return msg(cmd, struct.pack('<IIIIQQ', argsz, 0, index, 0, 0, 0))
    return msg(cmd, struct.pack('<IIII', argsz, 0, index, 0))


def set_irqs(flags, start, count, data=b''):
    return msg(SET_IRQS, struct.pack('<IIIII', 20 + len(data), flags, 0, start, count) + data)


def region_rw(cmd, off, count, data=b'', flags=0):
    return msg(cmd, struct.pack('<QII', off, 0, count) + data, flags)


def write_multi(recs, flags=0):
    p = struct.pack('<Q', len(recs))
    for off, data in recs:
        p += struct.pack('<QII', off, 0, len(data)) + data.ljust(8, b'\0')
    return msg(REGION_WRITE_MULTI, p, flags)


def feature(argsz, flags, data=b''):
    return msg(DEVICE_FEATURE, struct.pack('<II', argsz, flags) + data)


def mig_state(state):
    return feature(16, SET | 2, struct.pack('<II', state, 0xffffffff))


def log_start(page, ranges):
    d = struct.pack('<QII', page, len(ranges), 0)
    for iova, length in ranges:
        d += struct.pack('<QQ', iova, length)
    return feature(8 + len(d), SET | 6, d)


def log_report(iova, length, page, bitmap_bytes):
    return feature(8 + 24 + bitmap_bytes, GET | 8, struct.pack('<QQQ', iova, length, page))


def mig_read(size):
    return msg(MIG_DATA_READ, struct.pack('<II', 8 + size, size))


def mig_write(data):
    return msg(MIG_DATA_WRITE, struct.pack('<II', 8, len(data)) + data)


def write(dirname, name, data):
    d = os.path.join(HERE, dirname)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def decode_corpus():
    c = {
        'version': version(QEMU_JSON),
        'version-ext': version(EXT_JSON, 2),
        'version-nojson': version(b''),
        'dma-map': dma_map(0x100000, 0x10000),
        'dma-unmap': dma_unmap(0x100000, 0x10000),
        'dma-unmap-all': dma_unmap(0, 0, 2),
        'get-info': info(GET_INFO, 16),
        'get-region-info': info(GET_REGION_INFO, 64),
        'get-region-io-fds': info(GET_REGION_IO_FDS, 16),
        'get-irq-info': info(GET_IRQ_INFO, 16),
        'set-irqs-eventfd': set_irqs(EVENTFD | TRIGGER, 0, 1),
        'set-irqs-bool': set_irqs(BOOL | UNMASK, 0, 2, b'\1\0'),
        'set-irqs-none': set_irqs(NONE | TRIGGER, 0, 1),
        'region-read': region_rw(REGION_READ, 0x100, 8),
        'region-write': region_rw(REGION_WRITE, 0x100, 8, b'abcdefgh'),
        'region-write-posted': region_rw(REGION_WRITE, 0x100, 4, b'abcd', NO_REPLY),
        'region-write-multi': write_multi([(0, b'12345678'), (8, b'x')], NO_REPLY),
        'device-reset': msg(DEVICE_RESET),
        'dirty-pages': msg(DIRTY_PAGES, struct.pack('<II', 8, 1)),
        'feature-migration': feature(16, GET | 1),
        'feature-state-get': feature(16, GET | 2),
        'feature-state-set': mig_state(1),
        'feature-probe': feature(8, PROBE | SET | 6),
        'feature-log-start': log_start(4096, [(0x100000, 0x10000), (0x200000, 0x1000)]),
        'feature-log-report': log_report(0x100000, 0x10000, 4096, 8),
        'feature-log-stop': feature(8, SET | 7),
        'feature-data-size': feature(16, GET | 9),
        'mig-data-read': mig_read(64),
        'mig-data-write': mig_write(b'\0' * 32),
        'precopy-info': msg(MIG_PRECOPY_INFO, struct.pack('<II', 24, 0)),
        'dma-read-reply': msg(DMA_READ, struct.pack('<QQ', 0x100000, 8) + b'\xaa' * 8, REPLY),
        'dma-write-reply': msg(DMA_WRITE, struct.pack('<QQ', 0x100000, 8), REPLY),
    }
    for name, data in c.items():
        write('corpus-decode', name, data)


def server_corpus():
    v = version(QEMU_JSON)
    s = {
        'version-only': v,
        'version-ext': version(EXT_JSON, 2) + msg(MIG_PRECOPY_INFO, struct.pack('<II', 24, 0)),
        'info': v + info(GET_INFO, 16) + info(GET_REGION_INFO, 32) +
                info(GET_REGION_INFO, 64) + info(GET_REGION_IO_FDS, 16) + info(GET_IRQ_INFO, 16),
        'dma': v + dma_map(0x100000, 0x10000) + dma_map(0x200000, 0x1000, 0x1000) +
               dma_unmap(0x100000, 0x10000) + dma_unmap(0, 0, 2),
        'irq': v + set_irqs(EVENTFD | TRIGGER, 0, 1) + set_irqs(EVENTFD | UNMASK, 0, 1) +
               set_irqs(NONE | TRIGGER, 0, 1) + set_irqs(NONE | MASK, 0, 1) +
               set_irqs(BOOL | UNMASK, 0, 1, b'\1') + set_irqs(NONE | TRIGGER, 0, 0),
        'region': v + region_rw(REGION_WRITE, 0x100, 8, b'abcdefgh') +
                  region_rw(REGION_WRITE, 0x200, 2, b'xy', NO_REPLY) +
                  region_rw(REGION_READ, 0x100, 256) + region_rw(REGION_READ, 0, 0x10000),
        'write-multi': v + write_multi([(0, b'12345678'), (0xfff8, b'abcdefgh')]) +
                       write_multi([(4, b'z')], NO_REPLY) + region_rw(REGION_READ, 0, 16),
        'reset': v + set_irqs(EVENTFD | TRIGGER, 0, 1) + msg(DEVICE_RESET) +
                 set_irqs(NONE | TRIGGER, 0, 1),
        'logging': v + dma_map(0x100000, 0x10000) + log_start(4096, []) +
                   log_report(0x100000, 0x10000, 4096, 8) + feature(8, SET | 7) +
                   log_start(4096, [(0x100000, 0x10000)]) +
                   log_report(0x100000, 0x10000, 0x10000, 8),
        'migration-save': v + feature(16, GET | 1) + feature(16, GET | 9) + mig_state(1) +
                          mig_state(3) + mig_read(4096) + mig_read(65536) + mig_read(4096) +
                          mig_state(1) + mig_state(2),
        'migration-precopy': version(EXT_JSON, 2) + mig_state(6) +
                             msg(MIG_PRECOPY_INFO, struct.pack('<II', 24, 0)) +
                             mig_read(4096) + region_rw(REGION_WRITE, 0, 4, b'dirt') +
                             mig_state(3) + mig_read(65536) + mig_state(2),
        'migration-resume': v + mig_state(1) + mig_state(4) + mig_write(b'\0' * 64) +
                            mig_state(1) + mig_state(2),
        'feature-probe': v + feature(8, PROBE | SET | 2) + feature(8, PROBE | GET | 8) +
                         feature(16, GET | 0x8001),
        'errors': v + msg(0x77, b'\0' * 8) + info(GET_INFO, 15) +
                  region_rw(REGION_READ, 0x10000, 1) + dma_unmap(0x5000, 0x1000) +
                  msg(VERSION, struct.pack('<HH', 0, 0) + b'{}\0') + info(GET_INFO, 16),
        'before-version': info(GET_INFO, 16) + v + info(GET_INFO, 16),
        'dma-replies': v + dma_map(0x100000, 0x10000) +
                       msg(DMA_READ, b'', REPLY | 0x20)[:12] + struct.pack('<I', 14) +
                       msg(DMA_READ, struct.pack('<QQ', 0x100000, 4) + b'abcd', REPLY) +
                       msg(DMA_WRITE, b'', REPLY) + msg(GET_INFO, b'', REPLY),
    }
    for name, data in s.items():
        write('corpus-server', name, data)


if __name__ == '__main__':
    decode_corpus()
    server_corpus()
