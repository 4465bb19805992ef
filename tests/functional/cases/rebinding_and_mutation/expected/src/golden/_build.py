"""Facts recorded at build time, logged as MLflow tags by every run."""

BUILD_TAGS: dict[str, str] = {
    "nb2pkg.package": "golden",
    "nb2pkg.version": "0.1.0",
    "nb2pkg.git_commit": "",
    "nb2pkg.notebook": "input.ipynb",
    "nb2pkg.notebook_sha256": "38b55ebf10a7b9db5e60d2e1db7d1e11b1166f66a21408d0c58764a53e1cb182",
    "nb2pkg.cell_ids": "c01,c02,c04,c05,c06",
}
