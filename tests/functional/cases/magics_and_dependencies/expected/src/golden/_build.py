"""Facts recorded at build time, logged as MLflow tags by every run."""

BUILD_TAGS: dict[str, str] = {
    "nb2pkg.package": "golden",
    "nb2pkg.version": "0.1.0",
    "nb2pkg.git_commit": "",
    "nb2pkg.notebook": "input.ipynb",
    "nb2pkg.notebook_sha256": "7f00a1bcf7213c6ab2dc87a08da63ba2d63e51f28ac21c4cfee1694163cf870b",
    "nb2pkg.cell_ids": "c01,c02,c03",
}
