# ecsd build. `make` builds build/ecsd; `make check` runs every test
# (see scripts/test.sh). Sanitizer builds go to build-asan/.
CC ?= gcc
BUILD ?= build
PKGS := libmicrohttpd jansson sqlite3 libcrypto libcurl libpq
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wno-missing-field-initializers -Isrc $(shell pkg-config --cflags $(PKGS))
LDLIBS := $(shell pkg-config --libs $(PKGS)) -lpthread
OPT ?= -O2 -g
SAN ?=
CFLAGS += $(CFLAGS_BASE) $(OPT) $(SAN)
LDFLAGS += $(SAN)

LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
# Tests against a real dockerd (scripts/docker-netns.sh); apart from unit_tests.
DOCKER_TEST_SRCS := $(wildcard tests/docker/*.c)
DOCKER_TEST_OBJS := $(DOCKER_TEST_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/main.o

.PHONY: all clean check asan unit fuzz fuzz-targets
all: $(BUILD)/ecsd $(BUILD)/unit_tests $(BUILD)/docker_tests

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libecsd.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/ecsd: $(BUILD)/src/main.o $(BUILD)/libecsd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The agent reports the build's git hash (agentHash, introspection): the
# commit main.o was compiled at.
$(BUILD)/src/main.o: CFLAGS += -DECSD_GIT_HASH='"$(shell git describe --always --dirty 2>/dev/null || echo unknown)"'

$(BUILD)/unit_tests: $(UNIT_OBJS) $(BUILD)/libecsd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/docker_tests: $(DOCKER_TEST_OBJS) $(BUILD)/libecsd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The load generator of the benchmarks (bench/loadgen.c): SigV4-signing,
# keep-alive, N connections; not part of `all`.
$(BUILD)/loadgen: $(BUILD)/bench/loadgen.o $(BUILD)/libecsd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The same tree built with AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"

# libFuzzer targets (tests/fuzz/fuzz_*.c; scripts/fuzz.sh runs them), built
# with clang, ASan and UBSan into build-fuzz/. -w: clang's warnings differ
# from gcc's, and the gcc build is the one that enforces them.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/%)
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer -w" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" fuzz-targets

fuzz-targets: $(FUZZ_BINS)

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libecsd.a
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

check:
	scripts/test.sh

# The benchmarks, beside moto_server and the physical floor: writes
# docs/PERFORMANCE.md and docs/perf/*.png (bench/run-all; about 30 minutes,
# BENCH_QUICK=1 for a few).
.PHONY: bench
bench:
	bench/run-all

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(DOCKER_TEST_OBJS:.o=.d) $(BUILD)/src/main.d \
	$(FUZZ_SRCS:%.c=$(BUILD)/%.d)
