#!/usr/bin/env python3
"""Print one closing line for all test runs: 'uvfio: N passed, N failed'.

Reads the testlog.json of every build directory given; each test counts
once per build (plain, sanitizers), so the line covers everything run."""
import json
import sys

passed = failed = skipped = 0
optional = set()
args = []
for a in sys.argv[1:]:
    if a.startswith("--optional="):
        optional.add(a.split("=", 1)[1])
    else:
        args.append(a)
for build in args:
    try:
        with open(f"{build}/meson-logs/testlog.json") as f:
            for line in f:
                t = json.loads(line)
                res = t.get("result")
                if res in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif res == "SKIP":
                    skipped += 1
                else:
                    failed += 1
                    print(f"FAILED: {build}: {t.get('name')} ({res})")
    except FileNotFoundError:
        if build in optional:
            print(f"note: no tests ran in {build}")
            continue
        print(f"missing test log for {build}")
        failed += 1
line = f"uvfio: {passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
