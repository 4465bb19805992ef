"""Facts recorded at build time, logged as MLflow tags by every run."""

BUILD_TAGS: dict[str, str] = {
    "nb2pkg.package": "golden",
    "nb2pkg.version": "0.1.0",
    "nb2pkg.git_commit": "",
    "nb2pkg.notebook": "input.ipynb",
    "nb2pkg.notebook_sha256": "2232e5bb2a4c000767cca42ebb875f844dc0050b9e364c76af2e1603b3599153",
    "nb2pkg.cell_ids": "c03,c06,c07",
}
