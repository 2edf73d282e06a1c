"""Linear hypotheses ``R @ beta = q`` from strings, arrays or tuples.

:func:`linear_constraints` accepts what statsmodels' ``t_test`` / ``f_test``
accept (through patsy's ``DesignInfo.linear_constraint``) and returns the
pair ``(R, q)``:

* a string of comma-separated equations, ``"x1 = x2, x3 = 0"``,
  ``"2*x1 + x2 = 3"``, ``"x1 = x2 = 0"`` (chained: two rows); an expression
  without ``=`` is set to zero (``"x1 - x2"`` means ``x1 - x2 = 0``);
  parentheses group (``"(x1 = 0), (x2 = 1)"``, ``"2*(x1 + x2) = 1"``);
* a list or tuple of such strings (their rows stacked);
* a mapping ``{name_or_index: value}`` (each entry ``name = value``);
* a pair ``(R, q)``; a 2-D array R (q = 0); a 1-D array (one row).

Strings are read by a small tokenizer and a recursive-descent parser, never
by ``eval``.  Names are matched as whole strings from the list of parameter
names, longest first, so ``"C(g)[T.b]"``, ``"np.log(x2)"`` or ``"x.1"`` are
single names even though they contain brackets, dots or parentheses.  The
grammar (precedence as patsy's: ``,`` < ``=`` < ``+ -`` < ``* /`` < unary)::

    list     := equation ("," equation)*
    equation := sum ("=" sum)*
    sum      := product (("+" | "-") product)*
    product  := unary (("*" | "/") unary)*
    unary    := ("+" | "-") unary | atom
    atom     := NUMBER | NAME | "(" list ")"

Each ``sum`` evaluates to a linear combination stored as a vector
``[c_1, ..., c_p, c_0]`` (coefficients, then the constant term); a product
needs one side constant ("linear"), a divisor must be constant.  The
equation ``a = b`` gives the row ``a[:p] - b[:p]`` with right-hand side
``b[p] - a[p]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

__all__ = ["linear_constraints"]

#: Deepest nesting of parentheses and unary signs a constraint may have.  The
#: parser recurses about seven Python frames per level; far below Python's
#: default recursion limit of 1000, and far above any real hypothesis.
MAX_DEPTH = 64

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_OPERATORS = ",=+-*/()"


# --------------------------------------------------------------------------
# tokenizer
# --------------------------------------------------------------------------
def _tokenize(text: str, names: list[str]) -> list[tuple[str, object, int]]:
    """Split *text* into ``(kind, value, position)`` tokens.

    kind is ``"name"`` (value: column index), ``"number"`` (value: float) or
    the operator character itself.  Names are tried first, longest first, so
    a name that contains operator characters (``"np.log(x2)"``) wins over the
    operators; then operators, then numbers.
    """
    by_length = sorted(range(len(names)), key=lambda j: len(names[j]), reverse=True)
    tokens = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        for j in by_length:
            if names[j] and text.startswith(names[j], i):
                tokens.append(("name", j, i))
                i += len(names[j])
                break
        else:
            if text[i] in _OPERATORS:
                tokens.append((text[i], None, i))
                i += 1
                continue
            match = _NUMBER.match(text, i)
            if match is None:
                raise ValueError(
                    f"unrecognized token in constraint {text!r} at position {i} "
                    f"({text[i:]!r}); the parameter names are {names}"
                )
            tokens.append(("number", float(match.group()), i))
            i = match.end()
    return tokens


# --------------------------------------------------------------------------
# recursive-descent parser and evaluator (one pass: it evaluates as it parses)
# --------------------------------------------------------------------------
class _Parser:
    """Parse and evaluate one constraint string over *p* parameters.

    Linear combinations are float vectors of length p + 1 (coefficients,
    then the constant); equations are lists of ``(row, rhs)`` pairs.
    """

    def __init__(self, text: str, names: list[str]):
        self.text = text
        self.names = names
        self.p = len(names)
        self.tokens = _tokenize(text, names)
        self.pos = 0
        self.depth = 0

    # -- helpers ------------------------------------------------------------
    def _peek(self):
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def _describe(self):
        """The next token as it was written (for messages)."""
        kind, value, _ = self.tokens[self.pos]
        if kind == "name":
            return repr(self.names[value])
        if kind == "number":
            return f"number {value!r}"
        return repr(kind)

    def _take(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _error(self, message: str) -> ValueError:
        where = self.tokens[self.pos][2] if self.pos < len(self.tokens) else len(self.text)
        shown = self.text if len(self.text) <= 200 else self.text[:200] + "..."
        return ValueError(f"{message} in constraint {shown!r} (at position {where})")

    def _combination(self, value, what: str):
        """*value* as a linear combination; an equation here is an error."""
        if isinstance(value, list):
            raise self._error(f"an equation cannot be used as {what}")
        return value

    def _as_rows(self, value):
        """*value* as a list of ``(row, rhs)``: a bare combination ``c`` means ``c = 0``."""
        if isinstance(value, list):
            return value
        if not np.any(value[: self.p]):
            raise self._error("term is constant, with no variables,")
        return [(value[: self.p].copy(), -value[self.p])]

    # -- grammar ------------------------------------------------------------
    def parse(self):
        if not self.tokens:
            raise ValueError("empty constraint string")
        rows = self._list()
        if self.pos != len(self.tokens):
            raise self._error(f"unexpected {self._describe()}")
        return rows

    def _list(self):
        rows = self._as_rows(self._equation())
        while self._peek() == ",":
            self._take()
            rows = rows + self._as_rows(self._equation())
        return rows

    def _equation(self):
        sides = [self._sum()]
        while self._peek() == "=":
            self._take()
            sides.append(self._sum())
        if len(sides) == 1:
            return sides[0]
        rows = []
        for left, right in zip(sides[:-1], sides[1:], strict=True):
            left = self._combination(left, "a side of '='")
            right = self._combination(right, "a side of '='")
            row = left[: self.p] - right[: self.p]
            if not np.any(row):
                raise self._error("no variables appear in constraint")
            rows.append((row, right[self.p] - left[self.p]))
        return rows

    def _sum(self):
        value = self._product()
        while self._peek() in ("+", "-"):
            op = self._take()[0]
            left = self._combination(value, f"an operand of '{op}'")
            right = self._combination(self._product(), f"an operand of '{op}'")
            value = left + right if op == "+" else left - right
        return value

    def _product(self):
        value = self._unary()
        while self._peek() in ("*", "/"):
            op = self._take()[0]
            left = self._combination(value, f"an operand of '{op}'")
            right = self._combination(self._unary(), f"an operand of '{op}'")
            left_constant = not np.any(left[: self.p])
            right_constant = not np.any(right[: self.p])
            if op == "/":
                if not right_constant:
                    raise self._error("can't divide by a variable (the constraint must be linear)")
                value = left / right[self.p]
            elif left_constant:
                value = left[self.p] * right
            elif right_constant:
                value = left * right[self.p]
            else:
                raise self._error("can't multiply one variable by another (the constraint must be linear)")
        return value

    def _enter(self):
        """One level deeper (a parenthesis or unary sign); refuse past :data:`MAX_DEPTH`."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(
                f"constraint is nested too deeply (more than {MAX_DEPTH} levels of parentheses or signs)"
            )

    def _unary(self):
        if self._peek() in ("+", "-"):
            op = self._take()[0]
            self._enter()
            value = self._combination(self._unary(), f"an operand of unary '{op}'")
            self.depth -= 1
            return -value if op == "-" else value
        return self._atom()

    def _atom(self):
        kind = self._peek()
        if kind is None:
            raise self._error("unexpected end of input")
        if kind == "name":
            value = np.zeros(self.p + 1)
            value[self._take()[1]] = 1.0
            return value
        if kind == "number":
            value = np.zeros(self.p + 1)
            value[self.p] = self._take()[1]
            return value
        if kind == "(":
            self._take()
            self._enter()
            inner = self._list_or_sum()
            if self._peek() != ")":
                raise self._error("missing ')'")
            self._take()
            self.depth -= 1
            return inner
        raise self._error(f"unexpected {self._describe()}")

    def _list_or_sum(self):
        """Inside parentheses: a combination, or equation rows."""
        value = self._equation()
        if self._peek() != ",":
            return value
        rows = self._as_rows(value)
        while self._peek() == ",":
            self._take()
            rows = rows + self._as_rows(self._equation())
        return rows


def _parse_strings(strings, names):
    rows = []
    for text in strings:
        if not isinstance(text, str):
            raise ValueError(f"expected a string in the list of constraints, not {text!r}")
        rows += _Parser(text, names).parse()
    R = np.array([row for row, _ in rows], dtype=np.float64)
    q = np.array([rhs for _, rhs in rows], dtype=np.float64)
    return R, q


def _from_mapping(spec: Mapping, names: list[str]):
    p = len(names)
    R = np.zeros((len(spec), p))
    q = np.zeros(len(spec))
    used = set()
    for i, (key, value) in enumerate(spec.items()):
        if isinstance(key, str) and key in names:
            j = names.index(key)
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool) and -p <= key < p:
            j = int(key) % p
        else:
            raise ValueError(f"unrecognized parameter name or index {key!r}; the parameter names are {names}")
        if j in used:
            raise ValueError(f"duplicated constraint on {names[j]!r}")
        used.add(j)
        R[i, j] = 1.0
        q[i] = float(value)
    return R, q


def _from_arrays(R, q, p: int):
    R = np.array(R, dtype=np.float64)  # a copy: the caller's array is never shared
    if R.ndim == 1:
        R = R[None, :]
    if R.ndim != 2:
        raise ValueError(f"constraint matrix R must be 1-D or 2-D, got shape {R.shape}")
    if R.shape[1] != p:
        raise ValueError(
            f"constraint matrix R has {R.shape[1]} columns, but there are {p} parameters (R shape {R.shape})"
        )
    if q is None:
        q = np.zeros(R.shape[0])
    else:
        q = np.array(q, dtype=np.float64).reshape(-1)
        if q.shape[0] != R.shape[0]:
            raise ValueError(f"q has {q.shape[0]} entries, but R has {R.shape[0]} rows (R shape {R.shape})")
    if not (np.isfinite(R).all() and np.isfinite(q).all()):
        raise ValueError("constraint R and q must not contain infs or NaNs")
    return R, q


def linear_constraints(spec, names):
    """Turn a linear hypothesis into ``(R, q)`` with ``R @ beta = q``.

    Parameters
    ----------
    spec : str, list/tuple of str, mapping, array_like or tuple (R, q)
        The hypothesis, in any form statsmodels' ``t_test`` / ``f_test``
        accept (module docstring): ``"x1 = x2, x3 = 0"``,
        ``["x1 = 0", "x2 = 1"]``, ``{"x1": 0, "x2": 1}``, an (m, p) or (p,)
        array R (q = 0), or a pair ``(R, q)``.  Not modified.
    names : sequence of str
        The p parameter names, in column order (``model.exog_names``).

    Returns
    -------
    R : (m, p) ndarray of float64
        One row per restriction (a new array, never the caller's).
    q : (m,) ndarray of float64
        Right-hand sides.

    Raises
    ------
    ValueError
        Empty input; an unknown name or character ("unrecognized token in
        constraint", with the list of parameter names); a non-linear term
        (a product of two parameters, a division by a parameter); an
        equation without parameters; nesting deeper than :data:`MAX_DEPTH`
        parentheses or signs; an R whose width is not p, or whose
        number of rows differs from the length of q; NaN/inf in R or q.

    Notes
    -----
    The string forms and their meaning follow patsy's
    ``DesignInfo.linear_constraint`` (which statsmodels uses), including
    ``"a = b = c"`` as two restrictions and a bare expression ``e`` as
    ``e = 0``.  Unlike patsy, names are tried before the operators, so a
    name may begin with ``(`` or contain ``-``.  Parsing is linear in the
    length of the string times the number of names; no ``eval``.
    """
    names = [str(n) for n in names]
    p = len(names)
    if isinstance(spec, str):
        return _parse_strings([spec], names)
    if isinstance(spec, Mapping):
        if not spec:
            raise ValueError("empty constraint mapping")
        return _from_mapping(spec, names)
    if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], str):
        return _parse_strings(list(spec), names)
    if isinstance(spec, (list, tuple)) and not spec:
        raise ValueError("empty constraint: give at least one restriction")
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError(f"a constraint tuple must be (R, q), got a tuple of length {len(spec)}")
        return _from_arrays(spec[0], spec[1], p)
    R, q = _from_arrays(spec, None, p)
    if R.shape[0] == 0:
        raise ValueError("empty constraint: R has no rows")
    return R, q
