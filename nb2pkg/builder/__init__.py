"""The builder: configuration, build orchestration, versioning, the manifest and the only writes to disk."""
