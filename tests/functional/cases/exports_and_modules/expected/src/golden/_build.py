"""Facts recorded at build time, logged as MLflow tags by every run."""

BUILD_TAGS: dict[str, str] = {
    "nb2pkg.package": "golden",
    "nb2pkg.version": "0.1.0",
    "nb2pkg.git_commit": "",
    "nb2pkg.notebook": "input.ipynb",
    "nb2pkg.notebook_sha256": "d2002b52261f29ae3acb04471f23a16c3e5380cca520e050149c9621ddabbf38",
    "nb2pkg.cell_ids": "c01,c02,c03",
}
