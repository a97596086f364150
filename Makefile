# Thin wrapper over the CMake presets (CMakePresets.json). `make help` lists the targets.
SHELL := /bin/bash
PRESET ?= dev
TEST_PRESET ?= asan
TIDY_PRESET ?= dev
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
CXX_SOURCES = $(shell git ls-files -co --exclude-standard -- '*.h' '*.cc')

.PHONY: help deps tools build release test test-unit fuzz lint fmt format-check tidy demo images bench cluster-up cluster-down clean

help: ## this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

deps: ## install missing Debian packages (idempotent)
	@scripts/install-deps.sh

tools: deps ## build kube-apiserver, etcd and helm once from the Go module proxy (cached)
	@scripts/k8s-tools.sh ensure

build: deps ## build everything (dev preset); binaries land in build/bin/
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

release: deps ## optimized build in build/release/bin/
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

test: tools ## install what is missing, build under ASan+UBSan, run every test (unit, integration, e2e)
	@cmake --preset $(TEST_PRESET) >/dev/null
	@cmake --build --preset $(TEST_PRESET) -j $(JOBS)
	@ctest --preset $(TEST_PRESET) -j $(JOBS) $(CTEST_ARGS)

test-unit: deps ## only the unit tests (dev preset; no cluster)
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)
	@ctest --preset dev -j $(JOBS) -L unit $(CTEST_ARGS)

fuzz: deps ## run every libFuzzer target briefly (FUZZ_SECONDS, default 20)
	@scripts/fuzz.sh $(or $(FUZZ_SECONDS),20)

bench: release ## ambassador vs twemproxy side by side (see docs/BENCHMARKS.md)
	@python3 bench/proxy_bench.py --ambassador build/release/bin/attache-ambassador

fmt: ## clang-format every C++ file in place
	@clang-format -i $(CXX_SOURCES)

format-check: ## fail when a C++ file is not clang-formatted
	@clang-format --dry-run -Werror $(CXX_SOURCES)

tidy: deps ## clang-tidy (curated checks, .clang-tidy) over the project's sources (TIDY_PRESET's compile commands)
	@cmake --preset $(TIDY_PRESET) >/dev/null
	@scripts/run-clang-tidy.sh build/$(TIDY_PRESET)

lint: format-check tidy ## format-check + clang-tidy

demo: tools ## the whole story on a local control plane: operator, webhook, redis shards, an injected pod (see README)
	@scripts/demo.sh

images: build ## container images from build/bin (FROM scratch, no registry needed): attache/attache-{ambassador,operator,webhook}:<version>
	@scripts/build-images.sh --bin-dir build/bin

cluster-up: tools ## start the local control plane (prints export KUBECONFIG=...)
	@scripts/local-cluster.sh up

cluster-down: ## stop the local control plane
	@scripts/local-cluster.sh down

clean: ## remove build outputs
	rm -rf build
