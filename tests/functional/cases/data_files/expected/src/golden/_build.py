"""Facts recorded at build time, logged as MLflow tags by every run."""

BUILD_TAGS: dict[str, str] = {
    "nb2pkg.package": "golden",
    "nb2pkg.version": "0.1.0",
    "nb2pkg.git_commit": "",
    "nb2pkg.notebook": "input.ipynb",
    "nb2pkg.notebook_sha256": "034197d6c780dac4ac690e3ca6d6ecbdcead4252be7d304ecb3df7efedb524e1",
    "nb2pkg.cell_ids": "d3,d4",
}
