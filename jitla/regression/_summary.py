"""``RegressionResults.summary()``: the regression table, as text and as HTML.

Presentation only: every number comes from the results object or from
:mod:`jitla.regression.diagnostics`.  The layout follows the table
statisticians know from statsmodels and R (a header of fit statistics, the
coefficient table, residual diagnostics, numbered notes).
"""

from __future__ import annotations

import html
import textwrap
import time

import numpy as np

__all__ = ["Summary"]

WIDTH = 78


def _num(x, width: int = 10) -> str:
    """A number in at most *width* characters: fixed point when it fits, else scientific."""
    x = float(x)
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    for digits in (4, 3):
        s = f"{x:.{digits}f}"
        if len(s) <= width and (x == 0 or abs(x) >= 10.0 ** (-digits + 1)):
            return s
    return f"{x:.3e}"


def _pvalue(p) -> str:
    p = float(p)
    return "nan" if np.isnan(p) else f"{p:.3f}" if p >= 0.001 or p == 0 else f"{p:.2e}"


def _cell(key: str, value: str, width: int, *, fit: bool = False) -> str:
    """*key* left and *value* right in *width* characters, at least one space apart.

    With *fit*, a value too long for the cell is cut (ending in "...") so that
    the column to its right stays where it is; otherwise it runs past *width*
    (the right-hand column ends the line, so nothing moves).
    """
    room = width - len(key) - 1
    if fit and len(value) > room:
        value = value[: max(room - 3, 0)] + "..."
    return key + " " * max(width - len(key) - len(value), 1) + value


class Summary:
    """The summary tables of a fit; ``str(summary)`` is text, ``summary.as_html()`` HTML.

    Attributes
    ----------
    header : list of (str, str) pairs
        Left and right columns of fit statistics.
    coef_columns : list of str
    coef_rows : list of (name, [cells])
    diagnostics : list of (str, str) pairs
    notes : list of str
    """

    def __init__(self, results, *, alpha: float = 0.05, title: str | None = None):
        self._results = results
        self.alpha = alpha
        model = results.model
        self.title = title or f"{model._name} Regression Results"
        now = time.localtime()
        solvers = {"qr": "QR", "pivoted": "pivoted QR", "svd": "SVD", "normal": "normal equations"}
        solver = solvers[results.method]
        if results.refine:
            solver += " + refinement"
        left = [
            ("Dep. Variable:", model.endog_names),
            ("Model:", model._name),
            ("Method:", "Least Squares"),
            ("Date:", time.strftime("%a, %d %b %Y", now)),
            ("Time:", time.strftime("%H:%M:%S", now)),
            ("No. Observations:", f"{int(results.nobs)}"),
            ("Df Residuals:", f"{int(results.df_resid)}"),
            ("Df Model:", f"{int(results.df_model)}"),
            ("Covariance Type:", results.cov_type),
        ]
        centred = "" if results.k_constant else " (uncentered)"
        right = [
            (f"R-squared{centred}:", f"{results.rsquared:.3f}"),
            (f"Adj. R-squared{centred}:", f"{results.rsquared_adj:.3f}"),
            ("F-statistic:", _num(results.fvalue, 9)),
            ("Prob (F-statistic):", f"{results.f_pvalue:.3g}"),
            ("Log-Likelihood:", _num(results.llf, 9)),
            ("AIC:", f"{results.aic:.4g}"),
            ("BIC:", f"{results.bic:.4g}"),
            ("Solver:", solver),
            ("", ""),
        ]
        self.header = list(zip(left, right, strict=True))

        stat = "t" if results.use_t else "z"
        lo, hi = alpha / 2, 1 - alpha / 2
        self.coef_columns = ["coef", "std err", stat, f"P>|{stat}|", f"[{lo:g}", f"{hi:g}]"]
        params = np.asarray(results.params, dtype=float)
        bse = np.asarray(results.bse, dtype=float)
        tv = np.asarray(results.tvalues, dtype=float)
        pv = np.asarray(results.pvalues, dtype=float)
        ci = np.asarray(results.conf_int(alpha), dtype=float)
        self.coef_rows = []
        for j, name in enumerate(model.exog_names):
            if results.aliased[j]:
                cells = ["NaN", "(aliased)", "", "", "", ""]
            else:
                cells = [
                    _num(params[j]),
                    _num(bse[j]),
                    _num(tv[j], 8),
                    _pvalue(pv[j]),
                    _num(ci[j, 0]),
                    _num(ci[j, 1]),
                ]
            self.coef_rows.append((name, cells))

        d = results._residual_diagnostics()
        cond = results.condition_number
        self.diagnostics = [
            (("Omnibus:", _num(d["omnibus"], 9)), ("Durbin-Watson:", _num(d["durbin_watson"], 9))),
            (("Prob(Omnibus):", _num(d["omnibus_p"], 9)), ("Jarque-Bera (JB):", _num(d["jarque_bera"], 9))),
            (("Skew:", _num(d["skew"], 9)), ("Prob(JB):", f"{d['jarque_bera_p']:.3g}")),
            (("Kurtosis:", _num(d["kurtosis"], 9)), ("Cond. No.", f"{cond:.3g}")),
        ]
        self.notes = self._notes(results, cond)

    @staticmethod
    def _notes(results, cond) -> list[str]:
        notes = []
        if results.cov_type == "nonrobust":
            notes.append(
                "Standard Errors assume that the covariance matrix of the errors is correctly specified."
            )
        elif results.cov_type == "HAC":
            kw = results.cov_kwds
            corr = "with" if kw["use_correction"] else "without"
            notes.append(
                "Standard Errors are heteroscedasticity and autocorrelation robust (HAC) using "
                f"{kw['maxlags']} lags and {corr} small sample correction"
            )
        elif results.cov_type == "cluster":
            notes.append("Standard Errors are robust to cluster correlation (cluster)")
        else:
            notes.append(f"Standard Errors are heteroscedasticity robust ({results.cov_type}).")
        if results.aliased.any():
            names = [results.model.exog_names[j] for j in np.flatnonzero(results.aliased)]
            notes.append(
                f"The design is rank-deficient (rank {results.rank} < {results.aliased.size}): "
                f"{', '.join(names)} aliased (collinear with earlier columns); coefficients not estimable."
            )
        if cond > 1000:
            notes.append(
                f"The condition number is large, {cond:.3g}. This might indicate strong multicollinearity "
                "or other numerical problems (jitla solves by QR, so digits lost are about log10(cond), "
                "not twice that)."
            )
        return notes

    # ------------------------------------------------------------------ text
    def as_text(self) -> str:
        """The summary as a fixed-width text table."""
        half = WIDTH // 2
        lines = [self.title.center(WIDTH), "=" * WIDTH]
        for (lk, lv), (rk, rv) in self.header:
            if not lk and not rk:
                continue
            lines.append((_cell(lk, lv, half - 3, fit=True) + "   " + _cell(rk, rv, half)).rstrip())
        lines.append("=" * WIDTH)
        name_w = max([len(n) for n, _ in self.coef_rows] + [12])
        cell_w = max(10, (WIDTH - name_w) // 6)
        lines.append(" " * name_w + "".join(f"{c:>{cell_w}}" for c in self.coef_columns))
        lines.append("-" * max(WIDTH, name_w + 6 * cell_w))
        for name, cells in self.coef_rows:
            lines.append(f"{name:<{name_w}}" + "".join(f"{c:>{cell_w}}" for c in cells))
        lines.append("=" * WIDTH)
        for (lk, lv), (rk, rv) in self.diagnostics:
            lines.append(_cell(lk, lv, half - 3, fit=True) + "   " + _cell(rk, rv, half))
        lines.append("=" * WIDTH)
        if self.notes:
            lines.append("")
            lines.append("Notes:")
            for i, note in enumerate(self.notes, 1):
                lines.extend(textwrap.wrap(f"[{i}] {note}", WIDTH, subsequent_indent="    "))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # ------------------------------------------------------------------ HTML
    def as_html(self) -> str:
        """The summary as HTML tables (what Jupyter shows)."""
        esc = html.escape

        def pairs_table(rows):
            body = "".join(
                "<tr>" + "".join(f"<th>{esc(k)}</th><td>{esc(v)}</td>" for k, v in row) + "</tr>"
                for row in rows
            )
            return f'<table class="simpletable">{body}</table>'

        head = "".join(f"<th>{esc(c)}</th>" for c in [""] + self.coef_columns)
        rows = "".join(
            f"<tr><th>{esc(name)}</th>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"
            for name, cells in self.coef_rows
        )
        coef = f'<table class="simpletable"><tr>{head}</tr>{rows}</table>'
        header_rows = [row for row in self.header if row[0][0] or row[1][0]]
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        return (
            f'<table class="simpletable"><caption>{esc(self.title)}</caption></table>'
            + pairs_table(header_rows)
            + coef
            + pairs_table(self.diagnostics)
            + (f"<p>Notes:</p><ol>{notes}</ol>" if notes else "")
        )

    def _repr_html_(self) -> str:
        return self.as_html()
