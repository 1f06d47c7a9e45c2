# gridplan: the two set-up commands are `make demo` and `make test`.
# Both first install any missing Debian packages, then build.

SHELL := /bin/bash
SWIFT ?= swift
# System packages gridplan builds and tests against (Debian 12 names). PostgreSQL and PostGIS
# are for the tests only: .ci/pg-cluster runs a throwaway cluster; libpq-dev is the client library.
# cairo and pango draw the map images; fonts-noto-cjk gives their Chinese text its glyphs.
# libjs-leaflet is the interactive map of `gridplan report`, inlined into each page.
APT_PACKAGES := pkg-config libgeos-dev libproj-dev proj-data proj-bin libsqlite3-dev sqlite3 libpq-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk libjs-leaflet postgresql-15 postgresql-15-postgis-3 gdal-bin chromium python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_OUT ?= demo-out
BIN := .build/release/gridplan

.PHONY: deps build release demo test lint format bench clean

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

# The main job on the bundled sample district in data/: import it into a store, find what nobody
# manages and repair it, regenerate the grids, give every street an owner, check the roster, draw
# every shop's 门前三包 zone, measure, export for AMap and draw the report. Everything lands in the
# store (one GeoPackage) and in $(DEMO_OUT)/. The store has no layer for frontage units (a shop is a polygon
# or a point), so frontage reads the shops from data/; its zones become the store's frontage_zones.
D := data
O := $(DEMO_OUT)
S := $(O)/city.gpkg
# The carriageway widths the sample's shops are laid out against (data/README.md).
WIDTHS := --street-width arterial:24 --street-width secondary:14 --street-width branch:7 --street-width alley:4
demo: release
	@rm -rf $(O) && mkdir -p $(O)
	$(BIN) init $(S) --crs EPSG:4490
	@for l in district:districts street_offices:street_offices communities:communities streets:streets \
	          buildings:buildings events:events components:components; do \
	  $(BIN) import $(S) $(D)/$${l%%:*}.geojson --as $${l##*:} --quiet || exit 1; done
	$(BIN) layers $(S)
	$(BIN) check communities --store $(S) --boundary districts --households buildings \
	  --parent-field parent --parents street_offices --out $(O)/findings.geojson | head -n 12
	$(BIN) repair communities --store $(S) --boundary districts --households buildings \
	  --merge-gaps-under 2000 --changes $(O)/changes.geojson | head -n 4
	$(BIN) partition communities --store $(S) --households buildings --events events \
	  --target households:150-500 --previous $(D)/grids_old.geojson --out $(O)/grids.geojson
	$(BIN) assign streets streets --store $(S) --units communities --out $(O)/street-segments.geojson | head -n 2
	$(BIN) roster $(D)/roster.csv --store $(S) --require 'community:片长>=1' --require 'street:街巷长>=1' \
	  --out $(O)/roster-holes.geojson | head -n 6
	$(BIN) frontage --frontages $(D)/shops.geojson --streets streets --units grids --store $(S) $(WIDTHS) \
	  --out $(O)/frontage-zones.geojson --uncovered $(O)/uncovered-street-sides.geojson | head -n 3
	$(BIN) metrics communities --store $(S) --grids grids --households buildings --events events \
	  --components components --streets streets --boundary districts --out $(O)/metrics.csv | head -n 12
	$(BIN) export $(S) communities $(O)/communities.geojson --quiet
	$(BIN) export $(S) grids $(O)/grids-amap.geojson --to gcj02 --simplify 1 --quiet
	$(BIN) report --units $(O)/communities.geojson --grids $(O)/grids.geojson --findings $(O)/findings.geojson \
	  --streets $(O)/street-segments.geojson --frontage $(O)/frontage-zones.geojson --metrics $(O)/metrics.csv \
	  --roster-holes $(O)/roster-holes.geojson \
	  --target households:150-500 \
	  --title "样例区 sample district" \
	  --out $(O)/report.html --svg $(O)/map.svg --png $(O)/map.png --pdf $(O)/map.pdf
	$(BIN) layers $(S)
	@echo "report: $(O)/report.html (opens offline); store: $(S) (opens in QGIS); grids for AMap: $(O)/grids-amap.geojson"

# The Swift tests run beside a throwaway PostgreSQL + PostGIS cluster (.ci/pg-cluster: its own
# port on 127.0.0.1, stopped however the tests end). SCRATCH is SwiftPM's build directory.
SCRATCH ?= .build
# Layout is swift format's, with the checked-in .swift-format (line length 120). `make format`
# rewrites the tree; `make lint` fails on any file that is not formatted, and runs before the tests.
FORMAT_PATHS := Package.swift Sources Tests benchmarks/Sources
lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)

format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMAT_PATHS)

test: deps lint
	$(SWIFT) build --build-tests --scratch-path $(SCRATCH)
	.ci/pg-cluster run -- $(SWIFT) test --scratch-path $(SCRATCH)
	python3 notebooks-md/run.py --bin $(SCRATCH)/debug

bench: deps
	$(MAKE) -C benchmarks

# Fuzzing of the readers (GeoJSON, JSON, WKB, GeoPackage geometry, Shapefile/DBF, CSV, WKT) with
# libFuzzer and AddressSanitizer: fuzz/build.sh builds into .build-fuzz, fuzz/run.sh runs each
# target for FUZZ_SECONDS. Findings land in .build-fuzz/artifacts/<target>/; each becomes a test
# in Tests/GridplanIOTests/FuzzRegressionTests.swift. fuzz-smoke is the short run for CI.
.PHONY: fuzz fuzz-smoke test-sanitize
FUZZ_SECONDS ?= 60
fuzz: deps
	bash fuzz/build.sh && bash fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke: deps
	bash fuzz/build.sh && bash fuzz/run.sh 10

# The whole test suite under AddressSanitizer, then ThreadSanitizer (both run; either failing
# fails the target), each in its own scratch path. The suppression files in fuzz/ list
# third-party frames only (Foundation, XCTest); see their comments. Under TSan,
# fullDiskFailsCleanly is skipped: its `ulimit -f 64` breaks the TSan runtime itself (its
# file-backed shadow mapping faults with SIGBUS before main), not gridplan.
SANITIZER_ENV := SWIFT_BACKTRACE=enable=no
test-sanitize: deps
	@status=0; \
	$(SANITIZER_ENV) ASAN_OPTIONS=handle_sigill=1:detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/fuzz/lsan.supp \
	  $(SWIFT) test --scratch-path .build-asan --sanitize=address || status=1; \
	$(SANITIZER_ENV) TSAN_OPTIONS=suppressions=$(CURDIR)/fuzz/tsan.supp:halt_on_error=0 \
	  $(SWIFT) test --scratch-path .build-tsan --sanitize=thread --skip fullDiskFailsCleanly || status=1; \
	exit $$status

clean:
	rm -rf .build $(DEMO_OUT)
