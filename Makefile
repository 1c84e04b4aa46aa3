# cogov: two commands on a fresh machine with Python 3.11
#   make demo   set up .venv and compare the four governance presets -> out/demo/
#   make test   set up .venv and run the test suite
#   make notebooks   JupyterLab on notebooks/ (installs the `notebooks` extra)
#   make figures     regenerate docs/figures/ and the notebook gallery docs/notebooks/
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PRESETS := scenarios/top_down.yaml scenarios/responsive_top_down.yaml \
           scenarios/collaborative.yaml scenarios/adaptive.yaml

NB_STAMP := $(VENV)/.notebooks
NB_ENV  := COGOV_ROOT=$(CURDIR) COGOV_OUT=$(CURDIR)/out/notebooks

.PHONY: demo test bench app figures notebooks gallery venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

$(NB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[notebooks]"
	@touch $(NB_STAMP)

notebooks: $(NB_STAMP)
	$(NB_ENV) $(PY) -m jupyter lab notebooks/

# the notebooks executed as quick runs (COGOV_FAST=1; full runs take over an hour on one
# core) and published as HTML; each page says it is a quick run
gallery: $(NB_STAMP)
	mkdir -p docs/notebooks
	COGOV_FAST=1 $(NB_ENV) $(PY) -m jupyter nbconvert --to html --execute \
		--ExecutePreprocessor.timeout=900 --output-dir docs/notebooks notebooks/*.ipynb

demo: $(STAMP)
	$(PY) run.py compare $(PRESETS) --replicates 10 --out out/demo

# on every core (pytest-xdist); the slow size-invariance runs are shared between workers
test: $(STAMP)
	$(PY) -m pytest -n auto

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache

bench: $(STAMP)
	$(PY) benchmarks/run.py

app: $(STAMP)
	$(PY) run.py app

figures: $(NB_STAMP) gallery
	$(PY) run.py compare $(PRESETS) --replicates 10 --out out/demo
	$(PY) run.py compare scenarios/incident_top_down.yaml scenarios/incident_adaptive.yaml \
		--replicates 10 --out out/incident
	$(PY) run.py compare scenarios/hub_strategy.yaml scenarios/hub_strategy_fixed.yaml \
		--replicates 10 --out out/ecology-hubs
	$(PY) run.py compare scenarios/projects_best_value.yaml scenarios/projects_lowest_price.yaml \
		--replicates 10 --out out/ecology-projects
	rm -rf out/sweep-readme
	$(PY) run.py sweep scenarios/collaborative.yaml --grid governance.adaptation=off,on \
		--range population.need.shift.size=0:0.6:5 --replicates 10 --out out/sweep-readme
	$(PY) run.py patterns --out docs
	rm -rf out/gap-readme out/decompose-adaptive
	$(PY) run.py gap adaptive top_down --range mechanisms.resources.social_capacity=0:0.5:5 \
		--range organizations.ngo_efficiency=0.6:0.95:8 --replicates 10 \
		--set population.citizens=1000 --out out/gap-readme
	$(PY) run.py decompose adaptive --replicates 10 --out out/decompose-adaptive
	rm -rf out/four-shifts
	$(PY) run.py sweep four_shifts --grid governance.collaboration=off,on \
		--grid governance.law_based=off,on \
		--grid governance.comprehensive=off,on --grid governance.source=off,on \
		--replicates 10 --out out/four-shifts
	cp out/gap-readme/gap.png docs/figures/gap_adaptive_top_down.png
	cp out/decompose-adaptive/decomposition.png docs/figures/decomposition_adaptive.png
	cp out/demo/compare.png docs/figures/demo_compare.png
	cp out/incident/compare.png docs/figures/incident_compare.png
	cp out/ecology-hubs/compare.png docs/figures/hub_strategy_compare.png
	cp out/ecology-projects/compare.png docs/figures/projects_compare.png
	cp out/sweep-readme/sweep.png docs/figures/sweep_adaptation_shift.png
	cp out/four-shifts/effects.png docs/figures/four_shifts_effects.png
	$(PY) -m cogov.model.studies.reforms --out out/reform-paths --figure docs/figures/reform_paths.png
	$(PY) benchmarks/architecture_figure.py  # the layers of model/ -> docs/figures/architecture.png
	# the app in a browser (Debian's chromium, tests/test_app.py) -> docs/figures/app.png
	COGOV_APP_SCREENSHOT=$(CURDIR)/docs/figures/app.png $(PY) -m pytest -q tests/test_app.py \
		-k slider
