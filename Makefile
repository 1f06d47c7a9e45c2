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

# The main job on the bundled sample district in data/: find what nobody manages, repair it,
# regenerate the grids, give every street an owner, measure, export for AMap, keep it all in a
# store and draw the report.
D := data
O := $(DEMO_OUT)
demo: release
	@rm -rf $(O) && mkdir -p $(O)
	$(BIN) info $(D)/communities.geojson
	$(BIN) check $(D)/communities.geojson --boundary $(D)/district.geojson --households $(D)/buildings.geojson \
	  --parent-field parent --parents $(D)/street_offices.geojson --out $(O)/findings.geojson
	$(BIN) repair $(D)/communities.geojson --boundary $(D)/district.geojson --households $(D)/buildings.geojson \
	  --merge-gaps-under 2000 --out $(O)/communities-repaired.geojson --changes $(O)/changes.geojson
	$(BIN) partition $(O)/communities-repaired.geojson --streets $(D)/streets.geojson --households $(D)/buildings.geojson \
	  --events $(D)/events.geojson --target households:150-500 --previous $(D)/grids_old.geojson --out $(O)/grids.geojson
	$(BIN) assign streets $(D)/streets.geojson --units $(O)/communities-repaired.geojson --out $(O)/street-segments.geojson | head -n 8
	$(BIN) assign points $(D)/events.geojson --units $(O)/grids.geojson --out $(O)/events-by-grid.geojson
	$(BIN) metrics $(O)/communities-repaired.geojson --grids $(O)/grids.geojson --households $(D)/buildings.geojson --events $(D)/events.geojson \
	  --components $(D)/components.geojson --streets $(D)/streets.geojson --boundary $(D)/district.geojson --out $(O)/metrics.csv | head -n 14
	$(BIN) export $(O)/grids.geojson $(O)/grids-amap.geojson --to gcj02 --simplify 1
	$(BIN) init $(O)/city.gpkg --crs EPSG:4490
	$(BIN) import $(O)/city.gpkg $(O)/communities-repaired.geojson --as communities
	$(BIN) import $(O)/city.gpkg $(O)/grids.geojson --as grids
	$(BIN) import $(O)/city.gpkg $(D)/events.geojson --as events
	$(BIN) layers $(O)/city.gpkg
	$(BIN) report --units $(O)/communities-repaired.geojson --grids $(O)/grids.geojson --findings $(O)/findings.geojson \
	  --streets $(O)/street-segments.geojson --metrics $(O)/metrics.csv --title "样例区 sample district" \
	  --out $(O)/report.html --svg $(O)/map.svg --png $(O)/map.png
	@echo "demo outputs are in $(O)/ (open $(O)/report.html in a browser; $(O)/city.gpkg in QGIS)"

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test
	python3 notebooks-md/run.py --bin .build/debug

bench: deps
	$(MAKE) -C benchmarks

clean:
	rm -rf .build $(DEMO_OUT)
