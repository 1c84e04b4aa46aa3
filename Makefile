# cogov: two commands on a fresh machine with Python 3.11
#   make demo   set up .venv and compare the four governance presets -> out/demo/
#   make test   set up .venv and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PRESETS := scenarios/top_down.yaml scenarios/responsive_top_down.yaml \
           scenarios/collaborative.yaml scenarios/adaptive.yaml

.PHONY: demo test bench app figures venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) run.py compare $(PRESETS) --replicates 10 --out out/demo

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache

bench: $(STAMP)
	$(PY) benchmarks/run.py

app: $(STAMP)
	$(PY) run.py app

figures: $(STAMP)
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
	rm -rf out/gap-readme out/decompose-adaptive
	$(PY) run.py gap adaptive top_down --range mechanisms.resources.social_capacity=0:0.5:5 \
		--range organizations.ngo_efficiency=0.6:0.95:8 --replicates 10 \
		--set population.citizens=1000 --out out/gap-readme
	$(PY) run.py decompose adaptive --replicates 10 --out out/decompose-adaptive
	cp out/gap-readme/gap.png docs/figures/gap_adaptive_top_down.png
	cp out/decompose-adaptive/decomposition.png docs/figures/decomposition_adaptive.png
	cp out/demo/compare.png docs/figures/demo_compare.png
	cp out/incident/compare.png docs/figures/incident_compare.png
	cp out/ecology-hubs/compare.png docs/figures/hub_strategy_compare.png
	cp out/ecology-projects/compare.png docs/figures/projects_compare.png
	cp out/sweep-readme/sweep.png docs/figures/sweep_adaptation_shift.png
