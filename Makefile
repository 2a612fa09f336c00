# Celesta: build, test, install. `make help` lists the targets.
#
# The Swift code is built once, in release mode with the Swift runtime linked statically, by
# the `swift-build` step (library, CLI and tests together); everything else reuses it.

SHELL := /bin/bash
.DEFAULT_GOAL := all

ROOT := $(abspath .)
VERSION := $(shell sed -nE 's/.*static let (major|minor|patch) = ([0-9]+).*/\2/p' Sources/CelestaIR/Version.swift | paste -sd.)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
PREFIX ?= /usr/local
DESTDIR ?=

SWIFT_BUILD := swift build -c release
SWIFT_BIN := $(ROOT)/.build/release
STAGE := $(ROOT)/build
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
DEPS_STAMP := $(ROOT)/.build/.deps-ok

CC ?= cc
TEST_CFLAGS := -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g

# Nothing here is a file target but the deps stamp.
.PHONY: all help deps venv swift-build stage lib cli header check-header python demo test test-swift \
        python-install bench install install-staged clean print-version asan-lib test-asan test-tsan fuzz

help:
	@echo "make demo       build everything (installing what is missing) and run the demo"
	@echo "make test       every test: Swift, C harness, ABI checks, install + consumers, Python"
	@echo "make bench      benchmarks (BENCH=ir: only the IR file rows, against TALON and nir)"
	@echo "make install    install into PREFIX (default /usr/local; DESTDIR honoured)"
	@echo "make header     regenerate include/celesta.h from the Swift shim"
	@echo "make python     build the Python package and install it into .venv"
	@echo "make clean      remove build products"

print-version:
	@echo $(VERSION)

all: lib cli

# System packages (apt-get) once per checkout; the stamp is dropped with .build by `make clean`.
$(DEPS_STAMP): scripts/install-deps.sh
	scripts/install-deps.sh --no-venv
	@mkdir -p $(dir $@) && touch $@

deps: $(DEPS_STAMP)

venv: deps
	scripts/install-deps.sh

# One build of every Swift product and the test bundle.
swift-build: deps
	$(SWIFT_BUILD) --build-tests

lib cli: stage

# Stage the library with its soname links, and the CLI, under build/.
stage: swift-build
	@mkdir -p $(STAGE)/lib $(STAGE)/bin
	@cp -f $(SWIFT_BIN)/libcelesta.so $(STAGE)/lib/libcelesta.so.$(VERSION).tmp
	@mv -f $(STAGE)/lib/libcelesta.so.$(VERSION).tmp $(STAGE)/lib/libcelesta.so.$(VERSION)
	@ln -sfn libcelesta.so.$(VERSION) $(STAGE)/lib/libcelesta.so.$(MAJOR)
	@ln -sfn libcelesta.so.$(MAJOR) $(STAGE)/lib/libcelesta.so
	@cp -f $(SWIFT_BIN)/celesta-cli $(STAGE)/bin/celesta.tmp && mv -f $(STAGE)/bin/celesta.tmp $(STAGE)/bin/celesta

header:
	python3 scripts/gen_header.py

check-header:
	python3 scripts/gen_header.py --check

# Install the already-staged build (used by `install` and by the install test).
install-staged:
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/Celesta $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(STAGE)/lib/libcelesta.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/
	ln -sfn libcelesta.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libcelesta.so.$(MAJOR)
	ln -sfn libcelesta.so.$(MAJOR) $(DESTDIR)$(PREFIX)/lib/libcelesta.so
	install -m 644 include/celesta.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(STAGE)/bin/celesta $(DESTDIR)$(PREFIX)/bin/
	sed -e 's/@VERSION@/$(VERSION)/g' pkgconfig/celesta.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/celesta.pc
	for f in CelestaConfig CelestaConfigVersion; do \
	  sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@VERSION_MAJOR@/$(MAJOR)/g' cmake/$$f.cmake.in \
	    > $(DESTDIR)$(PREFIX)/lib/cmake/Celesta/$$f.cmake; done

install: lib cli
	$(MAKE) install-staged

# The Python package, built against the staged library and installed into .venv.
python: lib venv python-install

# (python-install alone skips the Swift build step; run-tests.sh uses it after `make lib`.)
python-install:
	CELESTA_LIB_DIR=$(STAGE)/lib $(PY) -m pip install -q --disable-pip-version-check \
	  --no-build-isolation --force-reinstall --no-deps ./bindings/python

demo: lib cli python
	@scripts/demo.sh

test: check-header lib cli venv
	@scripts/run-tests.sh

# Hardening (issue 16): sanitizers and fuzzing; see scripts/sanitizers.sh and scripts/fuzz.sh.
asan-lib: deps
	scripts/sanitizers.sh asan-lib

test-asan: lib venv
	scripts/sanitizers.sh full

test-tsan: lib
	scripts/sanitizers.sh tsan

fuzz: lib
	scripts/fuzz.sh --seconds $${FUZZ_SECONDS:-600}

bench: lib cli python
	@scripts/bench.sh

clean:
	rm -rf .build build bindings/python/build bindings/python/src/*.egg-info \
	  bindings/python/src/celesta/*.so bindings/python/src/celesta/libcelesta.so.*
