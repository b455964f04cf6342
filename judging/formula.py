"""The campaign's declared final formula, e.g. "0.7 * panel + 0.3 * likes", evaluated safely:
parsed with `ast`, only numbers, + - * / (and unary minus), brackets and the names panel, likes.
Never eval()."""

from __future__ import annotations

import ast
import operator

from config.errors import UserFacingError

ALLOWED_NAMES = ("panel", "likes")
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class FormulaError(UserFacingError):
    pass


def _bad(formula: str, what: str) -> FormulaError:
    return FormulaError(
        "formula", f"总分公式 “{formula}” 不合法：{what}。只能使用数字、+ - * / 、括号以及 panel、likes",
        f"the final formula {formula!r} is not allowed: {what}; it may only use numbers, + - * /, brackets, panel and likes",
    )


def parse(formula: str) -> ast.Expression:
    if not isinstance(formula, str) or not formula.strip() or len(formula) > 200:
        raise _bad(str(formula), "为空或过长 empty or too long")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError:
        raise _bad(formula, "语法错误 syntax error") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load) or type(node) in _BINARY or type(node) in _UNARY:
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            continue
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if isinstance(node, ast.Name) and node.id in ALLOWED_NAMES:
            continue
        label = node.id if isinstance(node, ast.Name) else type(node).__name__
        raise _bad(formula, f"不允许 {label} not allowed")
    return tree


def evaluate(formula: str, **values: float) -> float:
    tree = parse(formula)

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return float(values.get(node.id, 0.0))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise _bad(formula, "除以 0 division by zero")
            return _BINARY[type(node.op)](left, right)
        raise _bad(formula, type(node).__name__)

    return ev(tree)


def names(formula: str) -> set[str]:
    """The names a formula uses (raises FormulaError when it is not a valid formula)."""
    return {n.id for n in ast.walk(parse(formula)) if isinstance(n, ast.Name)}


def uses_likes(formula: str) -> bool:
    return "likes" in names(formula)
