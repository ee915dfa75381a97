"""The command line: Click options (main), what each command does (commands), report files (outputs), exit codes."""

#: True while the console script's start-up runs with the garbage collector off (`launcher.entry`),
#: until the command line is read (`main.main` freezes what start-up made and turns it back on).  A
#: program that calls the command line itself keeps its collector as it set it.
STARTING_WITHOUT_GC = False
