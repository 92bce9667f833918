# Thin wrapper over meson: `make run` (demo) and `make test` (every suite)
# are the two commands of the README.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
NINJA      := ninja -j2

.PHONY: all deps build run test test-plain check-sanitizers fuzz-quick bench fuzz clean

all: build

deps:
	@sh scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) >/dev/null

build: deps $(BUILD)/build.ninja
	@$(NINJA) -C $(BUILD)

run: build
	@BUILD=$(BUILD) sh scripts/demo.sh

test-plain: build
	-meson test -C $(BUILD) --print-errorlogs --num-processes 2

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false >/dev/null

$(TSAN_BUILD)/build.ninja:
	CC=clang meson setup $(TSAN_BUILD) -Db_sanitize=thread -Db_lundef=false >/dev/null

check-sanitizers: deps $(ASAN_BUILD)/build.ninja $(TSAN_BUILD)/build.ninja
	@$(NINJA) -C $(ASAN_BUILD)
	-UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 --timeout-multiplier 3
	@$(NINJA) -C $(TSAN_BUILD)
	-TSAN_OPTIONS=halt_on_error=1 meson test -C $(TSAN_BUILD) --print-errorlogs --num-processes 2 --timeout-multiplier 5

fuzz-quick: deps $(FUZZ_BUILD)/build.ninja
	@$(NINJA) -C $(FUZZ_BUILD)
	@meson configure $(FUZZ_BUILD) -Dfuzz_seconds=30 >/dev/null
	-meson test -C $(FUZZ_BUILD) --suite fuzz --num-processes 1 --print-errorlogs

test: test-plain check-sanitizers fuzz-quick
	@python3 scripts/test-summary.py $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) --optional=$(FUZZ_BUILD) $(FUZZ_BUILD)

bench: build
	@for b in $$(find $(BUILD)/bench -maxdepth 2 -type f -name 'bench-*' -perm -u+x | sort); do \
		echo "== $$b"; $$b || exit 1; done

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=disabled -Db_lundef=false >/dev/null

fuzz: deps $(FUZZ_BUILD)/build.ninja
	@$(NINJA) -C $(FUZZ_BUILD)
	@meson configure $(FUZZ_BUILD) -Dfuzz_seconds=$(FUZZ_SECONDS) >/dev/null
	meson test -C $(FUZZ_BUILD) --suite fuzz --num-processes 1 --print-errorlogs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
