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
# jlpm comes from jupyter_builder; yarn takes the registry from npm's own configuration.
python -m pip install -q "jupyter_builder>=1.3" "hatch-jupyter-builder>=0.5"
export YARN_NPM_REGISTRY_SERVER="$(npm config get registry)"

echo "== JupyterLab extension: install, lint, unit tests, production build"
(cd labextension && jlpm install && jlpm lint && jlpm test && jlpm build:prod)

echo "== nb2pkg with its test dependencies (the wheel ships the extension just built)"
python -m pip install -q ".[test]"
jupyter labextension list 2>&1 | grep -E "nb2pkg v.*enabled"
jupyter server extension list 2>&1 | grep -E "nb2pkg.*enabled"

echo "== static checks"
ruff check .
ruff format --check nb2pkg tests benchmarks
mypy

echo "== Python tests, generated packages, JupyterLab in Chromium, example notebooks (nbval)"
python -m pytest tests example_notebooks --nbval-lax -p no:cacheprovider
