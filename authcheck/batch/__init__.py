"""A run over many files: project config, discovery, the result cache, worker pool, cluster, and one file's pipeline."""
