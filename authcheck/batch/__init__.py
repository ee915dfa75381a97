"""A run over many files: project config, discovery, the result cache, worker pool, cluster, and one file's pipeline."""

#: True in a process that ends as soon as its command is done (the console script, a warm server's
#: command; set by `cli.launcher.run_cli`): a finished scan closes its idle workers' pipes and
#: leaves them to exit on their own, and the process waits for them (`pool.reap_left`) only after
#: its output is out and, in the warm server, its exit status told.  False for library callers,
#: whose scans reap every worker before they return.
EXITING = False
