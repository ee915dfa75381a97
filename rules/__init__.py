"""Built-in rule packs: YAML data only, shipped inside the wheel as authcheck.builtin_rules."""
