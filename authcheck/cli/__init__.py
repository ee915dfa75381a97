"""The command line: Click options (main), what each command does (commands), report files (outputs), exit codes."""
