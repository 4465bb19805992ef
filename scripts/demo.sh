#!/usr/bin/env bash
# The main job on the bundled examples: build each example notebook into a package, pip-install
# it, and run its pipeline with MLflow tracking to a local store (demo/mlflow.db).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Its own virtualenv: the demo's installed packages stay out of the development one.
python3 -m venv .venv-demo
. .venv-demo/bin/activate
python -m pip install -q --upgrade pip
# The command-line tool is all the demo needs: skip building the JupyterLab extension (node).
HATCH_BUILD_NO_HOOKS=true python -m pip install -q -e . scikit-learn pandas matplotlib

rm -rf demo && mkdir -p demo
for notebook in classification regression exploration_messy store_sales; do
  echo "== nb2pkg build example_notebooks/$notebook.ipynb"
  nb2pkg build "example_notebooks/$notebook.ipynb" -o "demo/$notebook-pkg"
  python -m pip install -q "./demo/$notebook-pkg"
done

cd demo
for package in classification regression exploration_messy; do
  echo "== python -m $package run"
  python -m "$package" run
done
# Its data file is a run() parameter: point it at the CSV beside the notebook.
echo "== python -m store_sales run --store-sales-path ../example_notebooks/data/store_sales.csv"
python -m store_sales run --store-sales-path ../example_notebooks/data/store_sales.csv
echo
echo "All runs are in $root/demo/mlflow.db. Browse them with:"
echo "  mlflow ui --backend-store-uri sqlite:///$root/demo/mlflow.db   (the UI comes with: pip install mlflow)"
