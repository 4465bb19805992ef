"""Facts recorded at build time, logged as MLflow tags by every run."""

BUILD_TAGS: dict[str, str] = {
    "nb2pkg.package": "golden",
    "nb2pkg.version": "0.1.0",
    "nb2pkg.git_commit": "",
    "nb2pkg.notebook": "input.ipynb",
    "nb2pkg.notebook_sha256": "ae1fd50c82c798b350298228365252ff2c5d14e2cfc99c2d6f6ca5d708aa4e8b",
    "nb2pkg.cell_ids": "hbb9a73a79cf,h98fd1171e89",
}
