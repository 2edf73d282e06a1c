"""A griffe extension: Sphinx cross-reference roles in docstrings as inline code.

jitla's numpydoc docstrings say ``:func:`lstsq``` and ``:class:`~jitla.linalg.QRResult```, which
mkdocstrings would print as they are; this turns each into ```lstsq``` (the ``~`` form keeps the
last component, as Sphinx shows it).
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|attr|mod|data|obj|exc|const|ref|term):`(~?)([^`<]*?)(?:\s*<([^>]+)>)?`"
)


def plain(match: re.Match) -> str:
    tilde, text, target = match.groups()
    name = (text or target or "").strip()
    if tilde:
        name = name.rsplit(".", 1)[-1]
    return f"`{name}`"


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every docstring as the objects are loaded."""

    def on_object(self, *, obj, **kwargs) -> None:
        if obj.docstring is not None and ":" in obj.docstring.value:
            obj.docstring.value = ROLE.sub(plain, obj.docstring.value)
