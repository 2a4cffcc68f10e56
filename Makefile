# Two entry points: `make start` opens the course in JupyterLab, `make test` runs every test.
# Both create .venv with the course installed (editable) and its dev tools.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@# PyTorch (CPU build) only for the parity tests and benchmarks; they skip themselves without it
	-$(PY) -m pip install -q "torch==2.13.0" || echo "torch 2.13.0 not installable here: PyTorch parity tests will be skipped"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $(STAMP)

.PHONY: start test bench install
install: $(STAMP)

start: $(STAMP)
	$(VENV)/bin/jupyter lab lessons/en/00_welcome.ipynb

test: $(STAMP)
	$(PY) -m course.check_all

bench: $(STAMP)
	$(PY) -m benchmarks
