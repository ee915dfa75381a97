"""YAML read safely: the safe loader only, and aliases bounded so a small file cannot expand into a bomb.

Rule packs, registries, exemplar lists and ignore files all read YAML through here.
"""

from __future__ import annotations

from authcheck.errors import RuleError

MAX_NODES = 100_000  #: YAML nodes a rule file may expand to, aliases counted at their full size


def parse_yaml(text: str, path: str, max_nodes: int = MAX_NODES) -> dict:
    """YAML with the safe loader only (libyaml's when available); the document must be a mapping.
    Alias expansion is bounded: a file whose aliases would expand past `max_nodes` is refused."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        if "*" in text:
            check_expansion(yaml, text, loader, path, max_nodes)
        data = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise RuleError(f"invalid YAML{where}: {getattr(exc, 'problem', exc)}", file=path) from None
    if not isinstance(data, dict):
        raise RuleError("a rule file must hold one mapping (one rule per file)", file=path)
    return data


def check_expansion(yaml, text: str, loader, path: str, max_nodes: int = MAX_NODES) -> None:
    """Count the nodes the document expands to (an alias costs the size of its anchor's node)
    from the parser's events, before anything is built; refuse a YAML bomb."""
    sizes: dict[str, int] = {}
    stack: list[list] = []  # [anchor, nodes so far] per open collection
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor, 1)
        else:
            continue
        if anchor:
            sizes[anchor] = size
        if stack:
            stack[-1][1] += size
        if size > max_nodes or (stack and stack[-1][1] > max_nodes):
            raise RuleError(f"YAML aliases expand to more than {max_nodes} nodes (an alias bomb?); refused", file=path)
