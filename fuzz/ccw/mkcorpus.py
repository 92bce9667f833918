#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz-ccw-cp (input format: fuzz-cp.c).

Each seed is a small, valid guest program of one kind (the shapes the
translator has rules for); the fuzzer mutates from there.  Files named
regress-* in the corpus are inputs the fuzzer once failed on, kept by hand.
  python3 fuzz/ccw/mkcorpus.py fuzz/ccw/corpus
"""
import os
import struct
import sys

F, P, I, A, U, B, H, T = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01
S_HI = 0x08                     # ORB S in the high ctl byte
CD, CC, SLI, SKP, PCI, IDA, SUS = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02
RD, WR, NOP, SNS, SMC, RDB, TIC = 0x02, 0x01, 0x03, 0x04, 0x07, 0x0C, 0x08
RW, R_, W_ = 3, 1, 2


class Mem:
    """Guest maps being filled."""

    def __init__(self):
        self.maps = []          # [addr, bytearray, prot]

    def map(self, addr, length, prot=RW):
        self.maps.append([addr, bytearray(length), prot])

    def put(self, addr, data):
        for base, buf, _ in self.maps:
            if base <= addr and addr + len(data) <= base + len(buf):
                buf[addr - base:addr - base + len(data)] = data
                return
        raise ValueError(hex(addr))

    def ccw1(self, addr, cmd, flags, count, cda):
        self.put(addr, struct.pack(">BBHI", cmd, flags, count, cda))

    def ccw0(self, addr, cmd, flags, count, cda):
        self.put(addr, struct.pack(">B3sBBH", cmd, cda.to_bytes(3, "big"),
                                   flags, 0, count))

    def idaw1(self, addr, a):
        self.put(addr, struct.pack(">I", a))

    def idaw2(self, addr, a):
        self.put(addr, struct.pack(">Q", a))


def seed(ctl_lo, cpa, mem, ctl_hi=0, lpm=0xFF, opts=0):
    out = bytes([ctl_lo, ctl_hi, lpm, opts]) + struct.pack(">I", cpa)
    out += bytes([len(mem.maps) - 1])
    for addr, buf, prot in mem.maps:
        out += struct.pack(">BIHB", addr >> 32, addr & 0xFFFFFFFF,
                           len(buf) - 1, prot)
    for _, buf, _ in mem.maps:
        out += bytes(buf)
    return out


def corpus():
    s = {}

    m = Mem(); m.map(0x1000, 0x2000)
    m.ccw1(0x1000, RD, CC, 64, 0x2000)
    m.ccw1(0x1008, WR, CC, 64, 0x2100)
    m.ccw1(0x1010, NOP, SLI, 0, 0)
    s["rw-direct"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000); m.map(0x100000000, 0x3000)
    m.ccw1(0x1000, RD, IDA | SLI, 5000, 0x1100)
    m.idaw2(0x1100, 0x100000100)
    m.idaw2(0x1108, 0x100001000)
    m.idaw2(0x1110, 0x100002000)
    s["ida2-high"] = seed(F | H, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x2000)
    m.ccw1(0x1000, WR, IDA | SLI, 3000, 0x1104)
    m.idaw1(0x1104, 0x1810)
    m.idaw1(0x1108, 0x2000)
    s["ida1"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x3000)
    m.ccw1(0x1000, RD, IDA | SLI, 4000, 0x1100)
    m.idaw2(0x1100, 0x1800)
    m.idaw2(0x1108, 0x2800)
    m.idaw2(0x1110, 0x3000)
    s["ida2-2k"] = seed(F | H | T, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000)
    m.ccw1(0x1000, NOP, CC, 0, 0)
    m.ccw1(0x1008, TIC, 0, 0, 0x1040)
    m.ccw1(0x1040, TIC, 0, 0, 0x1080)
    s["tic-tic"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000)
    m.ccw1(0x1000, RD, CC, 16, 0x1800)
    m.ccw1(0x1008, TIC, 0, 0, 0x1000)
    s["tic-loop"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x2000)
    m.ccw0(0x1000, WR, CC, 32, 0x2000)
    m.ccw0(0x1008, 0x18, 0, 0, 0x1100)
    m.ccw0(0x1100, RD, CC | IDA, 100, 0x1200)
    m.idaw1(0x1200, 0x2100)
    m.ccw0(0x1108, SNS, SLI, 8, 0x2200)
    s["fmt0"] = seed(0, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000)
    m.ccw1(0x1000, SMC, CC, 0, 0)
    m.ccw1(0x1008, TIC, 0, 0, 0x1000)
    m.ccw1(0x1010, RD, SLI, 32, 0x1800)
    s["sm-skip"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000)
    m.ccw1(0x1000, NOP, CC, 0, 0)
    m.ccw1(0x1008, RD, SUS | SLI, 32, 0x1800)
    s["suspend"] = seed(F, 0x1000, m, ctl_hi=S_HI)

    m = Mem(); m.map(0x1000, 0x2000)
    m.ccw1(0x1000, RD, CD, 16, 0x1800)
    m.ccw1(0x1008, RD, CD, 16, 0x2000)
    m.ccw1(0x1010, TIC, 0, 0, 0x1100)
    m.ccw1(0x1100, RD, SLI, 64, 0x2400)
    s["data-chain"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x3000)
    m.ccw1(0x1000, RDB, CC | SLI, 64, 0x2000 + 63)
    m.ccw1(0x1008, RDB, IDA | SLI, 3000, 0x1100)
    m.idaw2(0x1100, 0x2400)
    m.idaw2(0x1108, 0x1FFF)
    s["read-backward"] = seed(F | H, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000)
    m.ccw1(0x1000, RD, CC | PCI, 32, 0x1800)
    m.ccw1(0x1008, WR, PCI | SLI, 32, 0x1900)
    s["pci"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x2000)
    m.ccw1(0x1000, RD, IDA, 5000, 0x1100)
    m.idaw1(0x1100, 0x1810)
    m.idaw1(0x1104, 0x2010)
    s["bad-idaw"] = seed(F, 0x1000, m)

    m = Mem(); m.map(0x1000, 0x1000)
    m.ccw1(0x1000, RD, SLI, 64, 0x1800)
    s["cpa-misaligned"] = seed(F, 0x1004, m)

    m = Mem(); m.map(0x1000, 0x1000); m.map(0x3000, 0x1000, R_)
    m.map(0x5000, 0x1000, W_)
    m.ccw1(0x1000, RD, CC | SLI, 64, 0x3000)
    m.ccw1(0x1008, WR, SLI, 64, 0x5000)
    s["protection"] = seed(F, 0x1000, m)

    # FBA (option 1): DE, Locate, Read 2 blocks; and a write.
    for name, write in (("fba-read", False), ("fba-write", True)):
        m = Mem(); m.map(0x1000, 0x2000)
        de = struct.pack(">BBHIII", 0x00 if write else 0x40, 0, 512, 3, 0, 1)
        loc = struct.pack(">BBHI", 0x05 if write else 0x06, 0, 2, 0)
        m.put(0x1100, de)
        m.put(0x1110, loc)
        m.ccw1(0x1000, 0x63, CC, 16, 0x1100)
        m.ccw1(0x1008, 0x43, CC, 8, 0x1110)
        m.ccw1(0x1010, 0x41 if write else 0x42, CD, 512, 0x1800)
        m.ccw1(0x1018, 0x41 if write else 0x42, IDA, 512, 0x1200)
        m.idaw2(0x1200, 0x2000)
        s[name] = seed(F | H, 0x1000, m, opts=1)
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in corpus().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
