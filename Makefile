# gridplan: the two set-up commands are `make demo` and `make test`.
# Both first install any missing Debian packages, then build.

SHELL := /bin/bash
SWIFT ?= swift
# System packages gridplan builds and tests against (Debian 12 names).
APT_PACKAGES := pkg-config libgeos-dev libproj-dev proj-data proj-bin libsqlite3-dev sqlite3 chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_OUT ?= demo-out
BIN := .build/release/gridplan

.PHONY: deps build release demo test bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The main job on the bundled sample district in data/.
demo: release
	@mkdir -p $(DEMO_OUT)
	$(BIN) info data/communities.geojson
	$(BIN) convert data/communities.geojson $(DEMO_OUT)/communities-gcj02.geojson --to-crs gcj02
	$(BIN) convert $(DEMO_OUT)/communities-gcj02.geojson $(DEMO_OUT)/communities-gk.geojson --to-crs EPSG:4548
	$(BIN) info $(DEMO_OUT)/communities-gk.geojson
	@echo "demo outputs are in $(DEMO_OUT)/"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

bench: deps
	$(MAKE) -C benchmarks

clean:
	rm -rf .build $(DEMO_OUT)
