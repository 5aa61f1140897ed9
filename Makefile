# nnlab: the two commands are `make lab` and `make test` (see README.md). Both call course.py
# (`python course.py lab` / `test` is the same thing without make, e.g. on Windows), which
# creates .venv with the newest Python 3.13, 3.12 or 3.11 it finds (or PYTHON=...) when it is
# missing, and installs only when pyproject.toml changed.

# Any Python 3 runs course.py; course.py picks the Python that makes .venv.
SCRIPT_PY := $(shell command -v python3 2>/dev/null || command -v python)
PYTHON ?=
COURSE := $(SCRIPT_PY) course.py $(if $(PYTHON),--python $(PYTHON),)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.nnlab-installed
LAB_FLAGS ?=
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# Fast mode and no progress bars for every automated run; a learner's run keeps its defaults.
# NNLAB_FIGURE_AUDIT=1: a cell that shows a figure without a title or without axis labels
# fails (tools/figure_audit.py, loaded into the kernels by tools/nbtools.py and the
# tools.nbguard plugin; CONTRIBUTING.md, "Figures").
# OMP_WAIT_POLICY=PASSIVE: torch's idle OpenMP threads sleep instead of spinning; on a busy
# 2-core machine spinning made notebook 00 take 5 to 77 s instead of a steady 5 to 6 s.
# (course.py sets the same for lint, unit, notebooks-test, notebooks-seed and student-check.)
TEST_ENV := NNLAB_MODE=fast NNLAB_PROGRESS=0 NNLAB_FIGURE_AUDIT=1 OMP_WAIT_POLICY=PASSIVE
# Grading runs a learner's notebook as a learner would, without the figure audit.
GRADE_ENV := NNLAB_MODE=fast NNLAB_PROGRESS=0 OMP_WAIT_POLICY=PASSIVE
SUBMISSIONS ?=
TOOLS_STAMP := $(VENV)/.nnlab-teach-tools-installed
CHROMIUM ?= /usr/bin/chromium
# make test runs every notebook again under OTHER_SEED: claims must hold under any seed.
OTHER_SEED ?= 1
SEEDS ?=
NBVAL := $(BIN)/python -m pytest -p tools.nbtiming -p tools.nbguard --nbval-lax --nbval-current-env \
	-o testpaths=

.PHONY: lab test setup lint unit notebooks-test notebooks-seed seeds seed-scan student student-check notebooks \
	clean-notebooks clean handout grade guide-times teach-tools chromium test-browser binder-check \
	bench colab-check site test-site hub-tools hub-load hub-links

setup: $(STAMP)

# course.py setup: torch==2.13.0 (pinned; on Linux from PyTorch's CPU-only index when it can
# be reached, else the default index), then nnlab editable with the dev extra.
$(STAMP): pyproject.toml
	$(COURSE) setup

## make lab: set everything up, then open the course in JupyterLab at notebook 00.
lab:
	LAB_FLAGS="$(LAB_FLAGS)" $(COURSE) lab

## make test: set everything up, then lint, unit tests, every notebook under nbval (default
## seed, outputs compared with the stored ones; then OTHER_SEED), and the student versions.
test:
	OTHER_SEED=$(OTHER_SEED) $(COURSE) test

lint:
	$(COURSE) lint

unit:
	$(COURSE) unit

# One fresh kernel per notebook, in the venv's Python; prints each notebook's run time and
# peak memory. With the default seed every cell's text outputs must equal the stored ones
# (tools/nbguard.py): the stored notebook is a first run, this is a second.
notebooks-test:
	$(COURSE) notebooks-test $(NOTEBOOKS)

# Every notebook once more under another seed: each claim must still hold.
notebooks-seed:
	OTHER_SEED=$(OTHER_SEED) $(COURSE) notebooks-seed $(NOTEBOOKS)

## make seeds [SEEDS="1 2 3"] [NOTEBOOKS=...]: run the notebooks under each seed (asserts only).
seeds: $(STAMP)
	@failed=""; for s in $(or $(SEEDS),1 2 3); do \
		echo "== NNLAB_SEED=$$s"; \
		NNLAB_SEED=$$s $(TEST_ENV) $(NBVAL) -q $(NOTEBOOKS) || failed="$$failed $$s"; \
	done; \
	test -z "$$failed" || { echo "asserts failed under NNLAB_SEED:$$failed"; exit 1; }

## make seed-scan [NOTEBOOKS=...] [SEEDS="11 12 ..."]: every claim and assert of the notebooks
## under 20 fresh seeds (drawn outside 0-9 and printed; or SEEDS), two notebooks at a time;
## writes nnlab/seed_scan/<notebook>.json and benchmarks/SEED_SCAN.md (minutes).
seed-scan: $(STAMP)
	$(BIN)/python -m tools.seed_scan $(NOTEBOOKS) $(if $(SEEDS),--seeds $(SEEDS),)

## make student: student versions (solutions removed) in build/student/, to hand out.
student: $(STAMP)
	$(BIN)/python tools/student.py build $(NOTEBOOKS)

# Each student version runs past its unfinished exercises, and each check fails with a hint.
student-check:
	$(COURSE) student-check $(NOTEBOOKS)

## make handout: build/nnlab-student.zip, the course with student versions, to hand out.
handout: $(STAMP)
	$(BIN)/python tools/student.py handout $(NOTEBOOKS)

## make grade SUBMISSIONS="handed_in/*/01_*.ipynb": run learners' notebooks with the course's
## checks; prints each check's result and writes build/grades.csv.
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo 'usage: make grade SUBMISSIONS="handed_in/*/01_*.ipynb"'; exit 2; }
	$(GRADE_ENV) $(BIN)/python tools/student.py grade $(SUBMISSIONS) --csv build/grades.csv

## make guide-times [NOTEBOOKS=...]: measure notebooks, write their run times into the guide.
guide-times: $(STAMP)
	$(TEST_ENV) $(BIN)/python tools/guide.py times $(NOTEBOOKS)

# The teach-tools extra (playwright, jupyter-repo2docker), installed only when asked for.
teach-tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): pyproject.toml | $(STAMP)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e ".[dev,teach-tools]"
	touch $(TOOLS_STAMP)

# Debian's Chromium; apt-get needs root, so this is kept out of `make test`. No browser download.
chromium:
	@test -x $(CHROMIUM) || { \
		test "$$(id -u)" = 0 || { echo "$(CHROMIUM) is missing: run 'sudo apt-get install -y chromium'"; exit 2; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## make test-browser: JupyterLab in headless Chromium: run notebook 00, move its slider with the
## keyboard, check the output changes; screenshot in build/browser/.
test-browser: $(TOOLS_STAMP) chromium
	NNLAB_BROWSER_TEST=1 CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/test_browser.py -v

## make binder-check: repo2docker (no image is built, no Docker engine needed) must pick
## environment.yml and run postBuild.
binder-check: $(TOOLS_STAMP)
	$(BIN)/repo2docker --no-build --debug . 2>&1 | grep -E "Building conda|environment.yml|postBuild"
	$(BIN)/python -m pytest tests/test_binder.py -v

## make bench: measure the notebooks (fast and full mode), nnlab's import time, the batched
## engine and every interactive control; print and write benchmarks/RESULTS.md (minutes).
bench: $(STAMP)
	NNLAB_PROGRESS=0 $(BIN)/python -m benchmarks.course

## make colab-check: a Colab-like run, offline: nnlab's wheel (not editable) with ipywidgets
## 7.7.1 and torch 2.13.0 in a fresh venv, every notebook run from a folder outside the repo.
colab-check: $(STAMP)
	$(BIN)/python -m tools.colab_check $(NOTEBOOKS)

## make hub-links HUB_URL=https://hub.example.edu [BRANCH=main]: print the nbgitpuller link
## that opens each notebook on that JupyterHub (deploy/ sets the hub up).
HUB_URL ?=
BRANCH ?= main
hub-links: $(STAMP)
	@test -n "$(HUB_URL)" || { echo 'usage: make hub-links HUB_URL=https://hub.example.edu [BRANCH=main]'; exit 2; }
	@$(BIN)/python -m tools.hubload links "$(HUB_URL)" --branch "$(BRANCH)"

# The hub extra (jupyterhub) and configurable-http-proxy from npm, only when asked for.
HUB_STAMP := $(VENV)/.nnlab-hub-installed
CHP := build/chp/node_modules/.bin/configurable-http-proxy
STUDENTS ?= 2 4 8 16
HUB_NOTEBOOKS ?= 00 01 02 03 04 05
HUB_LOAD_NOTEBOOK ?= 01
hub-tools: $(HUB_STAMP) $(CHP)

$(HUB_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,hub]"
	touch $(HUB_STAMP)

$(CHP):
	npm install --prefix build/chp configurable-http-proxy@5

## make hub-load [STUDENTS="2 4 8 16"]: a real JupyterHub on 127.0.0.1; each notebook for one
## student, then HUB_LOAD_NOTEBOOK for N students at once: memory, times, a short cell's
## latency, failures; prints the table and the sizing rule, writes benchmarks/hub_load.json
## (minutes; stops by itself).
hub-load: hub-tools
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m tools.hubload run --students 1 --notebooks $(HUB_NOTEBOOKS)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m tools.hubload run --append \
		--students $(STUDENTS) --notebooks $(HUB_LOAD_NOTEBOOK)

## make site: the course website in build/site/ (Jupyter Book 1, offline, from the stored
## notebooks; installs the site extra). make test-site: every page in headless Chromium.
site:
	$(COURSE) site

test-site: site teach-tools chromium
	NNLAB_SITE_BROWSER=1 CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest tests/test_site.py -v

## make notebooks: re-execute every notebook in a fresh kernel and store clean outputs.
notebooks: $(STAMP)
	$(TEST_ENV) $(BIN)/python tools/nbtools.py execute $(NOTEBOOKS)

## make clean-notebooks: strip personal metadata and timings without re-running.
clean-notebooks: $(STAMP)
	$(BIN)/python tools/nbtools.py clean $(NOTEBOOKS)

clean:
	rm -rf $(VENV) build .pytest_cache
