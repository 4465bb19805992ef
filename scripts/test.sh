#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Chromium for the browser tests (never a browser download).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo_cmd=(); else sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq chromium >/dev/null
fi

python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# What building the JupyterLab extension needs (jlpm comes from jupyter_builder).
python -m pip install -q "jupyterlab>=4.6,<5" hatchling hatch-jupyter-builder jupyter_builder
export YARN_NPM_REGISTRY_SERVER="$(npm config get registry)"
# pip builds the extension through hatch-jupyter-builder (jlpm install + build:prod).
python -m pip install -q -e ".[test]"

echo "== static checks"
ruff check .
ruff format --check nb2pkg tests benchmarks
mypy

echo "== TypeScript unit tests"
(cd labextension && jlpm test)

echo "== Python tests, generated packages, JupyterLab in Chromium, example notebooks (nbval)"
python -m pytest tests example_notebooks --nbval-lax -p no:cacheprovider
