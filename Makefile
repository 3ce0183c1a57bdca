# Pamong Box — the only entry point: build, run, test, bench, image.
# Quiet by default; V=1 shows the commands.

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wconversion
ifdef WERROR
WARN     += -Werror
endif
PORT     ?= 8080
HUB_PORT ?= 8090
DATA     ?= $(CURDIR)/run-data
HUB_DATA ?= $(CURDIR)/run-data-hub

ifdef FUZZ
# the libFuzzer targets (make fuzz): everything instrumented for coverage,
# ASan and UBSan; only the targets' link adds libFuzzer's main
BUILD    := build-fuzz
CC       := clang
CFLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else ifdef SANITIZE
BUILD    ?= build-san
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=$(SANITIZE)
else
BUILD    ?= build
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The targets that build first (run, test, …) build in a sub-make on all the
# cores (JOBS=1 for one); a `make -jN` of your own is kept as it is. Quiet
# unless V=1: no "'build/tests/…' is up to date" line per unit test.
JOBS     ?= $(shell nproc 2>/dev/null || echo 1)
SUBMAKE   = $(MAKE) --no-print-directory $(if $(Q),-s) $(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS))

PKGS_COMMON := libsodium jansson zlib inih
PKGS_D      := $(PKGS_COMMON) sqlite3 libarchive inih libcurl libsystemd libgpiod libmnl
PKGS_PACK   := $(PKGS_COMMON) libcmark-gfm yaml-0.1 libarchive
PKGS_HUB    := $(PKGS_COMMON) sqlite3 libpq inih libcurl libsystemd

pc_cflags = $(shell pkg-config --cflags $(1) 2>/dev/null)
pc_libs   = $(shell pkg-config --libs $(1) 2>/dev/null)

# gpio.c speaks libgpiod 1.6 (Debian 12) or 2.x (Debian 13, the Pi image):
# the major version pkg-config finds, 0 = none (the gpio backend then only logs)
GPIOD_MAJOR := $(firstword $(subst ., ,$(shell pkg-config --modversion libgpiod 2>/dev/null)) 0)

CPPFLAGS += -Ifirmware/common -MMD -MP

# firmware/common is linked into every program; the SQLite helpers only
# into those that keep a database (pamong-pack does not link SQLite).
COMMON_SQL_SRC := firmware/common/sqlutil.c
COMMON_SRC  := $(filter-out $(COMMON_SQL_SRC),$(wildcard firmware/common/*.c))
PAMONGD_SRC := $(wildcard firmware/pamongd/*.c)
PACK_SRC    := $(wildcard firmware/pack/*.c)
HUB_SRC     := $(wildcard firmware/hub/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_OBJ  := $(call obj,$(COMMON_SRC))
COMMON_SQL_OBJ := $(call obj,$(COMMON_SQL_SRC))
PAMONGD_OBJ := $(call obj,$(PAMONGD_SRC))
PACK_OBJ    := $(call obj,$(PACK_SRC))
HUB_OBJ     := $(call obj,$(HUB_SRC))

# libunistring (names.c: Unicode NFC) ships no pkg-config file
LIBS_COMMON := -lunistring
LIBS_D    := -lcivetweb $(call pc_libs,$(PKGS_D)) $(LIBS_COMMON) -lpthread -lm
LIBS_PACK := -lcivetweb $(call pc_libs,$(PKGS_PACK)) $(LIBS_COMMON) -lpthread
LIBS_HUB  := -lcivetweb $(call pc_libs,$(PKGS_HUB)) $(LIBS_COMMON) -lpthread -lm

PROGS := $(BUILD)/pamongd $(BUILD)/pamong-pack
ifneq ($(HUB_SRC),)
PROGS += $(BUILD)/pamong-hub
endif

.PHONY: all deps run run-hub packs webroot test test-unit check bench docs image image-compare test-image test-systemd clean \
        fuzz fuzz-bins fault soak sample-video
all: $(PROGS) webroot $(BUILD)/courses.tsv

# Course titles for pamong-hub's `[courses] file`.
$(BUILD)/courses.tsv: tools/course-titles.sh $(wildcard content/*/course.yaml)
	@mkdir -p $(dir $@)
	$(Q)tools/course-titles.sh $(wildcard content/*/course.yaml) >$@.tmp && mv $@.tmp $@

# The learner app, staged with pre-compressed copies for CivetWeb.
webroot:
	$(Q)tools/stage-webroot.sh $(BUILD)

$(BUILD)/firmware/common/%.o: CPPFLAGS += $(call pc_cflags,$(PKGS_COMMON))
$(COMMON_SQL_OBJ): CPPFLAGS += $(call pc_cflags,sqlite3)
$(BUILD)/firmware/pamongd/%.o: CPPFLAGS += -Ifirmware/pamongd $(call pc_cflags,$(PKGS_D))
$(BUILD)/firmware/pamongd/gpio.o: CPPFLAGS += -DPB_GPIOD_MAJOR=$(GPIOD_MAJOR)
$(BUILD)/firmware/pack/%.o: CPPFLAGS += -Ifirmware/pack $(call pc_cflags,$(PKGS_PACK))
$(BUILD)/firmware/hub/%.o: CPPFLAGS += -Ifirmware/hub $(call pc_cflags,$(PKGS_HUB))

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/pamongd: $(PAMONGD_OBJ) $(COMMON_OBJ) $(COMMON_SQL_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_D)

$(BUILD)/pamong-pack: $(PACK_OBJ) $(COMMON_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_PACK)

$(BUILD)/pamong-hub: $(HUB_OBJ) $(COMMON_OBJ) $(COMMON_SQL_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_HUB)

# ---- unit tests: tests/unit/<program>/test_*.c link the program's modules
# (all but main.c) and the common code; tests/unit/common/ links only common.
UNIT_COMMON  := $(wildcard tests/unit/common/test_*.c)
UNIT_PAMONGD := $(wildcard tests/unit/pamongd/test_*.c)
UNIT_PACK    := $(wildcard tests/unit/pack/test_*.c)
UNIT_HUB     := $(wildcard tests/unit/hub/test_*.c)
unitbin = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(1))
UNIT_BINS := $(call unitbin,$(UNIT_COMMON) $(UNIT_PAMONGD) $(UNIT_PACK) $(UNIT_HUB))

$(BUILD)/tests/%.o: CPPFLAGS += -Itests/unit
$(BUILD)/tests/unit/pamongd/%.o: CPPFLAGS += -Ifirmware/pamongd $(call pc_cflags,$(PKGS_D))
$(BUILD)/tests/unit/pack/%.o: CPPFLAGS += -Ifirmware/pack $(call pc_cflags,$(PKGS_PACK))
$(BUILD)/tests/unit/hub/%.o: CPPFLAGS += -Ifirmware/hub $(call pc_cflags,$(PKGS_HUB))

$(call unitbin,$(UNIT_COMMON)): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_D)
$(call unitbin,$(UNIT_PAMONGD)): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(filter-out %/main.o,$(PAMONGD_OBJ)) $(COMMON_OBJ) $(COMMON_SQL_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_D)
$(call unitbin,$(UNIT_PACK)): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(filter-out %/main.o,$(PACK_OBJ)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_PACK)
$(call unitbin,$(UNIT_HUB)): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(filter-out %/main.o,$(HUB_OBJ)) $(COMMON_OBJ) $(COMMON_SQL_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_HUB)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

# ---- fuzzing: tests/fuzz/fuzz_<name>.c are libFuzzer targets that link a
# program's real modules (all but main.c) and the common code, like the unit
# tests. Built with `make FUZZ=1 fuzz-bins` into build-fuzz/fuzz/.
FUZZ_PAMONGD := json_body manifest pack config
FUZZ_HUB     := hub_upload
FUZZ_PACK    := course_yaml markdown
FUZZ_TARGETS ?= $(FUZZ_PAMONGD) $(FUZZ_HUB) $(FUZZ_PACK)
SECONDS      ?= 60
fuzzbin = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(1))
fuzzobj = $(patsubst %,$(BUILD)/tests/fuzz/fuzz_%.o,$(1))

$(BUILD)/tests/fuzz/%.o: CPPFLAGS += -Itests/fuzz
$(call fuzzobj,$(FUZZ_PAMONGD)): CPPFLAGS += -Ifirmware/pamongd $(call pc_cflags,$(PKGS_D))
$(call fuzzobj,$(FUZZ_HUB)): CPPFLAGS += -Ifirmware/hub $(call pc_cflags,$(PKGS_HUB))
$(call fuzzobj,$(FUZZ_PACK)): CPPFLAGS += -Ifirmware/pack $(call pc_cflags,$(PKGS_PACK))

$(call fuzzbin,$(FUZZ_PAMONGD)): $(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(filter-out %/main.o,$(PAMONGD_OBJ)) $(COMMON_OBJ) $(COMMON_SQL_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_D)
$(call fuzzbin,$(FUZZ_HUB)): $(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(filter-out %/main.o,$(HUB_OBJ)) $(COMMON_OBJ) $(COMMON_SQL_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_HUB)
$(call fuzzbin,$(FUZZ_PACK)): $(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(filter-out %/main.o,$(PACK_OBJ)) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_PACK)

fuzz-bins: $(call fuzzbin,$(FUZZ_TARGETS))

# Run each target for SECONDS (default 60), or until RUNS executions when
# that comes first, from its seeds in tests/fuzz/corpus/; prints executions,
# exec/s, new coverage and crashes per target; crash inputs go to
# tests/out/fuzz/. Fails if any target crashed.
fuzz:
	$(Q)tools/install-deps.sh fuzz
	$(Q)$(SUBMAKE) FUZZ=1 fuzz-bins FUZZ_TARGETS="$(FUZZ_TARGETS)"
	$(Q)RUNS="$(RUNS)" tests/fuzz/run.sh build-fuzz "$(SECONDS)" $(FUZZ_TARGETS)

# ---- sample packs, signed with a development key made once per checkout
PACKS_DIR := $(BUILD)/packs
COURSES   := $(patsubst content/%/course.yaml,%,$(wildcard content/*/course.yaml))
DEV_KEY   := $(BUILD)/dev-signing.key

$(DEV_KEY): | $(BUILD)/pamong-pack
	$(Q)$(BUILD)/pamong-pack keygen -o $@

.SECONDEXPANSION:
$(PACKS_DIR)/%.pack: $(BUILD)/pamong-pack $(DEV_KEY) $$(shell find content/$$* -type f 2>/dev/null)
	@mkdir -p $(PACKS_DIR)
	@$(if $(Q),echo "  PACK    $*")
	$(Q)$(BUILD)/pamong-pack build content/$* -o $@
	$(Q)$(BUILD)/pamong-pack sign $@ -k $(DEV_KEY)

packs: $(patsubst %,$(PACKS_DIR)/%.pack,$(COURSES))

deps:
	$(Q)tools/install-deps.sh build

run:
	$(Q)tools/install-deps.sh build
	$(Q)$(SUBMAKE) all packs
	$(Q)tools/run-box.sh "$(BUILD)" "$(DATA)" "$(PORT)"

run-hub:
	$(Q)tools/install-deps.sh build
	$(Q)$(SUBMAKE) all
	$(Q)tools/run-hub.sh "$(BUILD)" "$(HUB_DATA)" "$(HUB_PORT)"

# The whole suite; ends with "N passed, N failed (M min)".
test:
	$(Q)tools/install-deps.sh test
	$(Q)$(SUBMAKE) all packs $(UNIT_BINS)
	$(Q)BUILD=$(BUILD) tests/run.sh $(SUITES)

test-unit: all $(UNIT_BINS)
	$(Q)BUILD=$(BUILD) tests/run.sh unit

bench:
	$(Q)tools/install-deps.sh bench
	$(Q)$(SUBMAKE) all packs
	$(Q)BUILD=$(BUILD) tests/bench/run.sh

# Fault injection (tests/fault/, table in tests/fault/README.md): each kind of
# damaged database, no usable backup, a read-only filesystem, a full disk, I/O
# errors, a damaged sync.key, 100 kill -9 trials under 20 writers, power cuts
# (ext4 on a loop device) during writes, pack installs and the first start;
# prints a table and its time (under 20 minutes on 2 cores). FAULT_CASES=wal,...
# picks cases; TRIALS=, WRITERS=, POWERCUTS=, PACKCUTS=, KEYCUTS= size them.
fault:
	$(Q)tools/install-deps.sh fault
	$(Q)$(SUBMAKE) all packs
	$(Q)BUILD=$(BUILD) tests/fault/run.sh

# A long run (SOAK_SECONDS, default 600) of LEARNERS (40) learners with
# kill -9 every KILL_EVERY (60) s in the first half: RSS sampled and printed,
# flat within RSS_TOLERANCE_MB (2) in the second half, no acknowledged write lost.
soak:
	$(Q)tools/install-deps.sh soak
	$(Q)$(SUBMAKE) all packs
	$(Q)mkdir -p tests/out/logs
	$(Q)BUILD=$(BUILD) python3 tests/soak/soak.py | tee tests/out/logs/soak.log; \
	    ! grep -q '^not ok' tests/out/logs/soak.log && grep -q '^1\.\.' tests/out/logs/soak.log

# Generated documents: docs/FACILITATOR-CARD.pdf from docs/card/ (one A5
# page; `make docs SSID=PamongBox-7F3A PASSWORD=…` makes one box's card
# with its Wi-Fi QR code into build/).
docs:
	$(Q)tools/install-deps.sh docs
ifdef SSID
	$(Q)mkdir -p $(BUILD)
	$(Q)tools/make-card.sh $(BUILD)/FACILITATOR-CARD-$(SSID).pdf "$(SSID)" "$(PASSWORD)"
else
	$(Q)tools/make-card.sh docs/FACILITATOR-CARD.pdf
endif

# The Raspberry Pi image (image-build/README.md): as root; installs its
# tools, prints each stage's time; build/image/pamong-box-VERSION-arm64.*
# (build.sh builds the programs, beside the emulated base)
image:
	$(Q)tools/install-deps.sh image
	$(Q)image-build/build.sh

# Two builds list the same packages and versions: a second build in
# build/image-b (its base made again, from the cached packages), then
# image-build/compare.sh compares the two manifests (image-build/README.md).
image-compare:
	$(Q)ls build/image/pamong-box-*-arm64.manifest >/dev/null 2>&1 || $(SUBMAKE) image
	$(Q)rm -rf build/image-b && mkdir -p build/image-b && cp -al build/image/cache build/image/sysroot build/image-b/
	$(Q)IMAGE_DIR=$(CURDIR)/build/image-b IMAGE_XZ=no image-build/build.sh
	$(Q)image-build/compare.sh build/image/pamong-box-*-arm64.manifest build/image-b/pamong-box-*-arm64.manifest

# The appliance guest booted with systemd as PID 1 (tests/appliance/test_systemd.sh:
# units, watchdog, sandbox, a phone, the button's power-off); 5-10 minutes, so not
# part of make test.
test-systemd:
	$(Q)tools/install-deps.sh test
	$(Q)$(SUBMAKE) all packs
	$(Q)BUILD=$(BUILD) tests/run.sh systemd

# The image's proof (tests/image/): structure checks of the image file, then boots
# it in qemu-system-aarch64 (virt, TCG); builds the image first if missing.
test-image:
	$(Q)tools/install-deps.sh image
	$(Q)ls build/image/pamong-box-*-arm64.img >/dev/null 2>&1 || $(SUBMAKE) image
	$(Q)BUILD=$(BUILD) tests/run.sh image

# The sample lesson video of desa-administrasi (with its poster and captions)
# from the course's picture and espeak-ng speech; committed, made again by hand.
sample-video:
	$(Q)tools/install-deps.sh video
	$(Q)tools/make-sample-video.sh

clean:
	rm -rf build build-san build-fuzz

# (build/image and build/image-b hold the Pi image's root file system,
# build/appliance-guest the x86 guest's: not searched)
-include $(shell find $(BUILD) \( -path $(BUILD)/appliance-guest -o -path $(BUILD)/image -o -path $(BUILD)/image-b \) -prune -o -name '*.d' -type f -print 2>/dev/null)
