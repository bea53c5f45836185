# rbc — the two commands a new user needs:
#   make demo   install missing Debian packages, build release, run rbc on examples/
#   make test   install missing packages, build, run every test
SHELL := /bin/bash
SWIFT ?= swift
VENV := .build/venv
DEBIAN_PACKAGES := libgit2-dev zlib1g-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libcurl4-openssl-dev pkg-config shellcheck git python3-venv binutils chromium
RBC := .build/release/rbc
# The release binary carries the Swift runtime (static stdlib), so the .deb runs where Swift is absent.
# libcurl is not linked (nor libgit2): rbc opens them on first use (see Package.swift).
RELEASE_FLAGS := -c release --static-swift-stdlib
DIST := .build/dist

.PHONY: demo test deps venv build release dist clean bench fuzz

## Install the C libraries rbc links against, only when pkg-config cannot find them.
deps:
	@if pkg-config --exists libgit2 zlib libcmark-gfm libcurl && command -v objdump >/dev/null && command -v shellcheck >/dev/null && command -v chromium >/dev/null && python3 -m venv --help >/dev/null 2>&1; then \
	  echo "deps: libgit2, cmark-gfm, shellcheck and chromium present"; \
	else \
	  echo "deps: installing $(DEBIAN_PACKAGES)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); \
	fi

## A virtualenv with the real tools the tests drive: check-jsonschema (JSON Schema), pre-commit, and
## ansible-core + ansible-lint (pinned: `rbc export ansible` playbooks are run and linted; ~90 MB, ~40 s).
ANSIBLE_PACKAGES := ansible-core==2.17.7 ansible-lint==24.12.2
## pytest-lsp (a real LSP client for `rbc lsp`; pinned with pytest so the client cannot drift).
PYTEST_LSP := pytest-lsp==1.0.1 pytest==9.2.0
venv:
	@[ -x $(VENV)/bin/check-jsonschema ] && [ -x $(VENV)/bin/pre-commit ] || { python3 -m venv $(VENV) && $(VENV)/bin/pip install -q check-jsonschema pre-commit; }
	@$(VENV)/bin/pip show -q pytest-lsp 2>/dev/null && [ -x $(VENV)/bin/pytest ] || $(VENV)/bin/pip install -q $(PYTEST_LSP)
	@[ -x $(VENV)/bin/ansible-playbook ] && [ -x $(VENV)/bin/ansible-lint ] || $(VENV)/bin/pip install -q $(ANSIBLE_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

## The Debian package: the static-runtime release binary, completions, Depends from its ELF NEEDED.
dist: release
	packaging/build-deb.sh $(RBC) $$($(RBC) --version) $(DIST)

demo: release
	@echo "== rbc check examples/"
	$(RBC) check examples/
	@echo "== rbc compile examples/api-gateway-rate-limit.yaml"
	$(RBC) compile examples/api-gateway-rate-limit.yaml
	@echo "== rbc check examples/broken/ (these runbooks are broken on purpose: exit 1 is expected)"
	@$(RBC) check examples/broken/; status=$$?; [ $$status = 1 ] || { echo "expected exit 1, got $$status"; exit 1; }

test: deps venv dist
	RBC_DEB=$(CURDIR)/$(DIST)/rbc_$$($(RBC) --version)_$$(dpkg --print-architecture).deb RBC_CHECK_JSONSCHEMA=$(CURDIR)/$(VENV)/bin/check-jsonschema RBC_PRE_COMMIT=$(CURDIR)/$(VENV)/bin/pre-commit RBC_PYTEST=$(CURDIR)/$(VENV)/bin/pytest RBC_ANSIBLE_BIN=$(CURDIR)/$(VENV)/bin RBC_JOURNAL_KEY=$${RBC_JOURNAL_KEY:-$$(mktemp -d)/journal.key} $(SWIFT) test

clean:
	rm -rf .build

## Side-by-side benchmark (prints ratios, writes bench/results.md; never fails on speed).
bench: release
	python3 bench/bench.py --rbc $(RBC)

## libFuzzer + AddressSanitizer on the YAML, Markdown and expression front ends, FUZZ_SECONDS each.
FUZZ_SECONDS ?= 300
fuzz: deps
	fuzz/run.sh $(FUZZ_SECONDS)
