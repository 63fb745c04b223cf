# dl4j_bridge: the two commands a user needs are `make demo` and `make test`.
# Each installs what it needs (Debian's gradle, the Python package with its extras, the Java build)
# and does nothing twice: stamps under .make/ record what is done.

PYTHON  ?= python3
GRADLE  ?= gradle
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMPS  := .make
DIST    := build/install/dl4j-bridge
JAVA_SOURCES := $(shell find java/src/main -type f 2>/dev/null) build.gradle settings.gradle dl4j_bridge/model_policy.json

export OMP_NUM_THREADS ?= 2

# The Python everything runs with. A Python the OS manages (PEP 668: Debian's /usr/bin/python3, where pip refuses
# to install) gets a project venv, .venv; any other (a venv, pyenv, conda) is used as it is. The install stamp is
# per interpreter, so a second venv first on PATH gets its own install.
# PIP_BREAK_SYSTEM_PACKAGES set: pip may install into the OS's Python, so it is used as it is.
SYSTEM_PYTHON := $(shell [ -n "$$PIP_BREAK_SYSTEM_PACKAGES" ] && echo 0 || $(PYTHON) -c 'import os, sys, sysconfig; print(int(sys.prefix == sys.base_prefix and os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))))' 2>/dev/null)
ifeq ($(SYSTEM_PYTHON),1)
PY       := $(CURDIR)/.venv/bin/python
PY_STAMP := $(STAMPS)/python-venv
else
PY       := $(PYTHON)
PY_STAMP := $(STAMPS)/python-$(shell $(PYTHON) -c 'import hashlib, sys; print(hashlib.sha1(sys.prefix.encode()).hexdigest()[:12])' 2>/dev/null)
endif

.PHONY: all setup build test test-java test-python demo bench stress doctor clean FORCE

all: build

setup: $(PY_STAMP) $(STAMPS)/build

build: $(STAMPS)/build

$(STAMPS)/gradle:
	@mkdir -p $(STAMPS)
	@command -v $(GRADLE) >/dev/null 2>&1 || { \
	  echo "installing Debian's gradle (needs apt)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gradle >/dev/null; }
	@out=$$($(GRADLE) --version 2>&1) || { printf '%s\n' "$$out" | grep -v '^[[:space:]]*$$' | uniq | head -n 6; \
	  echo "gradle does not run ('$(GRADLE) --version' fails, its first lines above): it needs a JDK 11+ (17 is tested):"; \
	  echo "install one (apt-get install openjdk-17-jdk-headless) or fix JAVA_HOME (now: '$$JAVA_HOME'; unset it to use the PATH's java)"; \
	  exit 1; }
	@touch $@

# The project venv, (re)made when it is gone or has no pip (an interrupted creation, an upgraded OS Python).
MAKE_VENV = rm -rf .venv; echo "$(PYTHON) is managed by the OS (PEP 668): creating the project venv .venv"; \
	  $(PYTHON) -m venv .venv 2>/dev/null || { rm -rf .venv; echo "installing Debian's python3-venv (needs apt)"; \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
	    && $(PYTHON) -m venv .venv; }
ifeq ($(SYSTEM_PYTHON),1)
VENV_CFG := .venv/pyvenv.cfg
$(VENV_CFG):
	@$(MAKE_VENV)
endif

# Nor does the install stamp prove the packages are there (pip uninstall, a venv rebuilt by hand): one of them
# missing remakes it (they are only looked for, nothing is imported: a few tens of ms).
PY_GONE := $(shell "$(PY)" -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(n) is None for n in ("jpype", "numpy", "pandas", "pytest", "hypothesis", "sklearn", "matplotlib")))' >/dev/null 2>&1 || echo gone)

$(PY_STAMP): pyproject.toml $(VENV_CFG) $(if $(PY_GONE),FORCE)
	@mkdir -p $(STAMPS)
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "no $(PYTHON): install Python 3.11 (apt-get install python3 python3-venv), or give one with make PYTHON=..."; exit 1; }
	@if [ "$(SYSTEM_PYTHON)" = 1 ] && ! "$(PY)" -m pip --version >/dev/null 2>&1; then $(MAKE_VENV); fi
	"$(PY)" -m pip install --quiet --disable-pip-version-check -e ".[dev,report]"
	@touch $@

# The build stamp alone does not prove the build is there: the install gone (rm -rf build/install, gradle clean)
# remakes it, as the errors that say `make build` expect.
BUILD_GONE := $(if $(wildcard $(DIST)/bin/dl4j-bridge),$(if $(wildcard $(DIST)/lib/dl4j-bridge-*.jar),,gone),gone)

$(STAMPS)/build: $(STAMPS)/gradle $(JAVA_SOURCES) $(if $(BUILD_GONE),FORCE)
	$(GRADLE) --quiet installDist
	@touch $@

FORCE:

doctor: setup
	$(PY) -m dl4j_bridge doctor

test: test-java test-python

test-java: $(STAMPS)/gradle
	$(GRADLE) --quiet test

test-python: setup
	$(PY) -m pytest -p no:faulthandler tests

demo: setup
	$(PY) python/examples/detection_demo.py

# The whole suite (< 20 min): writes python/bench/RESULTS.md. The nd4j-native builds that are
# measured but not shipped (AVX-512, oneDNN) are fetched once into build/bench-natives.
bench: setup $(STAMPS)/bench-natives
	$(PY) python/bench/suite.py

# Soak (200 fit/score/save/load cycles, memory growth < 5%) and load (10,000 requests to `serve`
# at concurrency 8): prints the figures, writes python/stress/RESULTS.md, fails when a criterion does.
stress: setup
	$(PY) python/stress/stress.py

$(STAMPS)/bench-natives: $(STAMPS)/gradle build.gradle
	$(GRADLE) --quiet benchNatives
	@touch $@

clean:
	rm -rf $(STAMPS) build .gradle .venv
