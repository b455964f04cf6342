"""The final-score formula of a campaign (`scoring.formula`), e.g. "0.7 * panel + 0.3 * likes".

Only numbers, the names panel and likes, + - * / and parentheses. This checks a file's formula; judging
evaluates it (judging/formula.py, same grammar)."""

import ast

NAMES = ("panel", "likes")
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div,
            ast.UAdd, ast.USub)


class FormulaError(ValueError):
    def __init__(self, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


def _tree(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError("公式写法有误（只能用数字、panel、likes 和 + - * / 括号）",
                           "the formula cannot be read (use numbers, panel, likes, + - * / and parentheses)") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in NAMES:
            raise FormulaError(f"公式中的 “{node.id}” 不可用，只能用 panel（专家评分）和 likes（点赞得分）",
                               f"'{node.id}' is not allowed; use panel (expert score) and likes (likes score)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, bool) and isinstance(node.value, int | float):
            continue
        if not isinstance(node, _ALLOWED):
            raise FormulaError("公式只能用数字、panel、likes 和 + - * / 括号",
                               "the formula may only use numbers, panel, likes, + - * / and parentheses")
    return tree


def formula_names(text: str) -> set[str]:
    """The names a formula uses; raises FormulaError when it is not a valid formula."""
    return {node.id for node in ast.walk(_tree(text)) if isinstance(node, ast.Name)}
