# hopscope: `make run` opens the explorer on the default model; `make test` runs every test.
# Both install what is missing first (Debian packages, the default models) via scripts/setup.sh.
SHELL := /bin/bash
SWIFT ?= swift
# Numeric tests run optimised: a debug forward pass is too slow to test a real model.
TEST_FLAGS ?= -c release -Xswiftc -enable-testing
export HOPSCOPE_HOME ?= $(HOME)/.cache/hopscope

.PHONY: setup build release run test bench golden clean fuzz slurm-test ssh-test

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

run: release
	@$$($(SWIFT) build -c release --show-bin-path)/hopscope $(ARGS)

# The setup step has installed the models, so a model-dependent test may not skip: HOPSCOPE_REQUIRE_MODELS=1
# turns a missing model into failures (Tests/TestSupport: TestModels.available).
test: setup
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	HOPSCOPE_REQUIRE_MODELS=1 HOPSCOPE_BIN=$$($(SWIFT) build $(TEST_FLAGS) --show-bin-path)/hopscope $(SWIFT) test $(TEST_FLAGS) --skip-build

# Every weight format on the Llama-2-7B shape, then Llama-3-8B Q4_K_M, next to llama.cpp (files written once
# into $(HOPSCOPE_HOME)/synthetic). One format at a time: make bench FORMATS="q5_k_m f16" (see scripts/bench.sh).
bench: release
	@bash scripts/bench.sh

# Re-make every golden file from the independent references (llama.cpp, gguf + numpy).
golden: setup
	@bash scripts/golden/make_all.sh

clean:
	rm -rf .build

# libFuzzer targets (GGUF reader, tokenizers) with address sanitizer: FUZZ_RUNS executions each
# (default 1000000), or FUZZ_SECONDS per target. See Fuzz/README.md.
fuzz: setup
	@bash scripts/fuzz.sh

# Run a sweep as a 4-task Slurm array on a throwaway single-node cluster (installs slurm-wlm and munge;
# root) and check the merged shards against an unsharded run. Slow-ish (minutes); not part of `test`.
slurm-test: release
	@bash scripts/slurm/slurm-test.sh

# A workshop over real OpenSSH (issue #15): a private sshd on a high port and `hopscope serve` on the
# 7B-shaped Q4_0 file, 8 `ssh -tt` clients under tmux, every figure against its bar (root; minutes;
# not part of `test`; docs/workshop.md). SSH_TEST_ONLY=plumbing tests the OpenSSH side alone with a
# stub session (seconds, no build); SSH_TEST_ONLY=demo|server runs one stage.
ssh-test: $(if $(filter plumbing,$(SSH_TEST_ONLY)),,release)
	@SSH_TEST_ONLY=$(SSH_TEST_ONLY) bash scripts/ssh/ssh-test.sh
