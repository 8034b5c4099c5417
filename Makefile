# rtmpkit — build, test, run, install. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := all

PREFIX ?= /usr/local
BUILD ?= build
SAN ?=
NPROC := $(shell nproc 2>/dev/null || echo 2)
CXX ?= g++
FUZZ_CXX ?= clang++

TOOLS := rtmp-serve rtmp-probe rtmp-urlparse hook-echo
PKGS := libevent libevent_openssl openssl yaml-cpp libcurl libsrtp2 nice libavcodec libswresample libavutil
# Evaluated lazily: on a fresh machine the packages appear only after `make deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wpedantic
# -g1: line tables (backtraces and sanitizer reports name file:line, perf annotates by line)
# without full debug info, which cost a third of the compile time. `make OPT="-O0 -g"` to debug.
# Test drivers (tests/unit, tests/integration/tools) get TEST_OPT: the library they drive keeps
# OPT. Their code runs for seconds, so they are built for compile time: -O1 in the release build
# (a third less than -O2), and ASan without UBSan at -O0 in the sanitizer build (UBSan's checks of
# Boost.Test's templates took four times the compile time; the library, where peer bytes are
# parsed, keeps both sanitizers).
ifeq ($(SAN),1)
OPT := -O1 -g1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LD := -fsanitize=address,undefined
TEST_OPT ?= -O0 -g1 -fsanitize=address -fno-omit-frame-pointer
else
OPT ?= -O2 -g1
SAN_LD :=
TEST_OPT ?= $(patsubst -O2,-O1,$(patsubst -O3,-O1,$(OPT)))
endif
# Code that reads only what the operator gives it (the command line, the config file, the docs
# generators) needs the sanitizers' checks but not their optimised code: -O0 there cut the ASan
# build's slowest objects (UBSan at -O1 over CLI11's templates) to a third.
ifeq ($(SAN),1)
$(BUILD)/obj/cmd/%.o $(BUILD)/obj/lib/cli/%.o $(BUILD)/obj/lib/server/config.o: OPT := \
  -O0 -g1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
CXXFLAGS_COMMON = -std=c++20 $(WARN) -Ilib $(PKG_CFLAGS) -MMD -MP $(CXXFLAGS)
CXXFLAGS_ALL = $(OPT) $(CXXFLAGS_COMMON)
CXXFLAGS_TEST = $(TEST_OPT) $(CXXFLAGS_COMMON)
LDLIBS_ALL = $(PKG_LIBS) -lpthread

LIB_SRCS := $(sort $(wildcard lib/*/*.cpp))
LIB_OBJS := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/status_page_html.o \
  $(BUILD)/obj/gen/publish_page_html.o
LIB_A := $(BUILD)/lib/librtmpkit.a
TOOL_BINS := $(TOOLS:%=$(BUILD)/bin/%)
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.cpp))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.cpp=$(BUILD)/tests/%)
TEST_TOOL_SRCS := $(sort $(wildcard tests/integration/tools/*.cpp))
TEST_TOOLS := $(TEST_TOOL_SRCS:tests/integration/tools/%.cpp=$(BUILD)/tests/tools/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*_fuzz.cpp))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.cpp=build-fuzz/bin/%)

.PHONY: all deps test unit-tests run install clean fuzz bench docs check-docs format lint help
.SECONDEXPANSION:
# Keep objects make would treat as intermediate (fuzz builds), so they are not rebuilt each time.
.SECONDARY:

all: $(LIB_A) $(TOOL_BINS)

help:
	@echo "make deps | all | test | run | install PREFIX=... | fuzz | bench | docs | check-docs | format | lint | clean"

deps:
	@scripts/deps.sh

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

# The pages (lib/http/<page>.html) are compiled in as strings, each under its own symbol.
html_symbol_status_page := kStatusPageHtml
html_symbol_publish_page := kPublishPageHtml
$(BUILD)/gen/%_html.cpp: lib/http/%.html
	@mkdir -p $(@D)
	@if grep -q ')rtmpkit"' $<; then echo "$<: holds the raw string delimiter" >&2; exit 1; fi
	{ echo '// Generated from $< by the Makefile.'; echo 'namespace http {'; \
	  echo 'extern const char $(html_symbol_$*)[] = R"rtmpkit('; cat $<; \
	  echo ')rtmpkit";'; echo '}'; } > $@
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The objects of cmd/<tool>/*.cpp. A function, because make replaces the first '%' of each word
# of a pattern rule's prerequisites with the stem, which broke an inline patsubst.
cmd_objs = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard cmd/$(1)/*.cpp))
$(BUILD)/bin/%: $$(call cmd_objs,$$*) $(LIB_A)
	@mkdir -p $(@D)
	$(CXX) $(SAN_LD) -o $@ $(filter %.o,$^) $(LIB_A) $(LDLIBS_ALL)

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_TEST) -DBOOST_TEST_DYN_LINK -DBOOST_TEST_MODULE=$* -c $< -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CXX) $(SAN_LD) -o $@ $< $(LIB_A) $(LDLIBS_ALL) -lboost_unit_test_framework

unit-tests: $(UNIT_BINS)

# Small clients that integration tests drive (tests/integration/tools/<name>.cpp, one file each).
$(BUILD)/tests/tools/%: tests/integration/tools/%.cpp $(LIB_A)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_TEST) $(SAN_LD) -o $@ $< $(LIB_A) $(LDLIBS_ALL)

# libFuzzer targets: the sans-IO core (the decoders of peer input, and the server session with
# its registry, the hook payload builder and the log formatter) is rebuilt with clang and
# instrumentation in build-fuzz/; the event-loop glue is not needed there. One archive: each
# target links only what it uses.
FUZZ_SERVER_SRCS := $(addprefix lib/server/,session.cpp session_commands.cpp session_hooks.cpp \
  session_media.cpp session_report.cpp registry.cpp stream.cpp stream_key.cpp media_message.cpp \
  player_queue.cpp control_output.cpp timestamp_normalizer.cpp bitrate_history.cpp \
  recording_decision.cpp duration.cpp) lib/hook/payload.cpp lib/hook/url_payload.cpp lib/net/log.cpp
# lib/webrtc's parsers and depacketizers (not DTLS, SRTP, STUN or the session: those wrap
# OpenSSL, libsrtp2 and libnice).
FUZZ_WEBRTC_SRCS := $(addprefix lib/webrtc/,sdp.cpp sdp_answer.cpp rtp_packet.cpp rtcp.cpp \
  reorder_buffer.cpp h264_depacketizer.cpp avc_tags.cpp rtp_clock.cpp)
FUZZ_LIB_SRCS := $(sort $(wildcard lib/rtmp/*.cpp lib/media/*.cpp lib/url/*.cpp lib/util/*.cpp)) \
  $(FUZZ_SERVER_SRCS) $(FUZZ_WEBRTC_SRCS)
FUZZ_FLAGS := -std=c++20 -O1 -g1 -Ilib -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -MMD -MP
build-fuzz/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) $(PKG_CFLAGS) -c $< -o $@
build-fuzz/lib/libfuzzcore.a: $(FUZZ_LIB_SRCS:%.cpp=build-fuzz/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
build-fuzz/bin/%_fuzz: build-fuzz/obj/tests/fuzz/%_fuzz.o build-fuzz/lib/libfuzzcore.a
	@mkdir -p $(@D)
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ -lcrypto
fuzz: $(FUZZ_BINS)

# The whole suite: deps, release build, sanitizer build of the unit tests and of rtmp-serve (the
# hostile integration scripts run against it too), fuzz smoke runs, integration tests with real
# programs. Prints one "N passed, N failed" line at the end.
test: deps
	@started=$$SECONDS; $(MAKE) -j$(NPROC) test-builds && \
	  echo "make test: the three builds took $$((SECONDS - started)) s"
	tests/run.sh

# The three builds of `make test` as sub-makes of one -j run: they share its job slots, so the
# cores stay busy through each build's serial tail (archive, links) instead of waiting on it.
.PHONY: test-builds release-build asan-build fuzz-build
test-builds: release-build asan-build fuzz-build
release-build:
	+$(MAKE) all unit-tests $(TEST_TOOLS)
asan-build:
	+$(MAKE) BUILD=build-asan SAN=1 unit-tests build-asan/bin/rtmp-serve
fuzz-build:
	+$(MAKE) fuzz

run: deps
	$(MAKE) -j$(NPROC) all
	$(BUILD)/bin/rtmp-serve

bench: deps
	$(MAKE) -j$(NPROC) all $(BUILD)/bench/loopback_ref
	tests/bench/run.sh

# The benchmark's loopback reference (tests/bench/<name>.cpp, one file each, no library).
$(BUILD)/bench/%: tests/bench/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS_ALL) -o $@ $< -lpthread

docs: all
	scripts/gen-docs.sh $(BUILD)/bin

check-docs: all
	scripts/gen-docs.sh $(BUILD)/bin --check

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	for t in $(TOOLS); do \
	  install -m 644 completions/$$t.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; \
	  install -m 644 completions/_$$t $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$t; done

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

lint:
	clang-tidy $$(git ls-files 'lib/*.cpp' 'cmd/*.cpp') -- -std=c++20 -Ilib $(PKG_CFLAGS)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) build-fuzz -name '*.d' 2>/dev/null)
