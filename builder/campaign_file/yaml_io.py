"""YAML in and out for campaign files.

The loader keeps the line of every key and list item, refuses duplicate keys and aliases, and reads
scalars the YAML 1.2 way: `20:00` stays text (YAML 1.1 would make it the number 1200), dates stay text
(parsed later in the campaign's time zone) and only true/false are booleans (not yes/no/on/off)."""

import re

import yaml

from builder.campaign_file.issues import Issue, Path, path_text

MAX_FILE_BYTES = 1_000_000

_BOOL, _INT, _FLOAT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_DROPPED = {_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp"}


def _yaml12_resolvers(cls):
    cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    cls.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    cls.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))
    cls.add_implicit_resolver(
        _FLOAT,
        re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
                   r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
        list("-+0123456789."),
    )
    return cls


@_yaml12_resolvers
class _Loader(yaml.SafeLoader):
    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise _AliasFound(self.peek_event().start_mark)
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    def __init__(self, mark):
        self.mark = mark


class LineMap:
    """Line (1-based) of every key and list item, by path; a path without its own line takes its parent's."""

    def __init__(self):
        self.lines: dict[Path, int] = {(): 1}

    def line(self, path: Path) -> int:
        path = tuple(path)
        while path not in self.lines:
            path = path[:-1]
        return self.lines[path]


def parse(text: str) -> tuple[object, LineMap, list[Issue]]:
    """The document as plain data, its line map, and the problems that stop it being read at all."""
    lines = LineMap()
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        return None, lines, [Issue(1, "(file)", "文件过大（超过 1 MB）", "the file is larger than 1 MB")]
    try:
        loader = _Loader(text)  # the reader refuses control characters here, before any parsing
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        return None, lines, [Issue(line, "(file)", f"文件含有不允许的控制字符（#x{exc.character:04x}）",
                                   f"the file contains a control character that is not allowed (#x{exc.character:04x})")]
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, [Issue(1, "(file)", "文件是空的", "the file is empty")]
        issues: list[Issue] = []
        _map_lines(loader, node, (), lines, issues)
        data = loader.construct_document(node)
    except _AliasFound as exc:
        return None, lines, [Issue(exc.mark.line + 1, "(file)", "不支持 YAML 锚点和别名（& 与 *），请直接写出内容",
                                   "YAML anchors and aliases (& and *) are not supported; write the values out")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, lines, [Issue(line, "(file)", f"YAML 语法错误：{exc.problem}", f"YAML syntax error: {exc.problem}")]
    finally:
        loader.dispose()
    return data, lines, issues


def _map_lines(loader, node, path: Path, lines: LineMap, issues: list[Issue]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            line = key_node.start_mark.line + 1
            child = (*path, key if isinstance(key, str) else str(key))
            if child[-1] in seen:
                issues.append(Issue(line, path_text(child), f"重复的字段（第 {seen[child[-1]]} 行已有）",
                                    f"duplicate key (already on line {seen[child[-1]]})"))
                continue
            seen[child[-1]] = line
            lines.lines[child] = line
            _map_lines(loader, value_node, child, lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.lines[(*path, index)] = item.start_mark.line + 1
            _map_lines(loader, item, (*path, index), lines, issues)


@_yaml12_resolvers
class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper, value: list):
    """Short lists of plain values on one line ([audio, video]); anything else one item per line."""
    scalars = all(isinstance(v, str | int | float | bool) and "\n" not in str(v) for v in value)
    flow = bool(value) and scalars and sum(len(str(v)) + 2 for v in value) <= 60
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def dump(data, header: str = "") -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096)
    return header + body
