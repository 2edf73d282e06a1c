"""``RegressionResults.summary()``: the text and HTML tables carry the fit's numbers and notes.

The oracle for the numbers is statsmodels (the same statistic in its own
summary table), parsed from both texts; layout is jitla's own.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

sm = pytest.importorskip("statsmodels.api")

from jitla.regression import OLS, CollinearityWarning, ols  # noqa: E402


def _value(text: str, label: str) -> float:
    """The number printed after *label* (the first occurrence)."""
    m = re.search(re.escape(label) + r"\s+(-?[0-9.]+(?:e[+-]?[0-9]+)?)", text)
    assert m, f"{label!r} not found in the summary"
    return float(m.group(1))


@pytest.fixture(scope="module")
def longley():
    d = sm.datasets.longley.load_pandas()
    return d.endog, sm.add_constant(d.exog)


def test_summary_text_matches_statsmodels_summary(longley):
    y, X = longley
    ours = str(OLS(y, X).fit().summary())
    theirs = str(sm.OLS(y, X).fit().summary())
    # header statistics, printed to (at least) statsmodels' precision
    for label, rtol in (
        ("R-squared:", 1e-3),
        ("Adj. R-squared:", 1e-3),
        ("F-statistic:", 1e-3),
        ("Log-Likelihood:", 1e-4),
        ("AIC:", 1e-3),
        ("BIC:", 1e-3),
        ("Durbin-Watson:", 1e-3),
        ("Jarque-Bera (JB):", 1e-3),
        ("Omnibus:", 1e-3),
        ("Skew:", 1e-3),
        ("Kurtosis:", 1e-3),
        ("Cond. No.", 1e-2),
    ):
        np.testing.assert_allclose(_value(ours, label), _value(theirs, label), rtol=rtol, err_msg=label)
    assert "Dep. Variable:" in ours and "TOTEMP" in ours
    assert "No. Observations:" in ours and _value(ours, "No. Observations:") == 16
    assert "Df Residuals:" in ours and _value(ours, "Df Residuals:") == 9
    assert "Covariance Type:" in ours and "nonrobust" in ours
    # coefficient rows: every name with its coefficient and standard error
    res = sm.OLS(y, X).fit()
    for name in X.columns:
        row = next(line for line in ours.splitlines() if line.startswith(name + " "))
        coef, se = (float(v) for v in row.split()[1:3])
        np.testing.assert_allclose(coef, res.params[name], rtol=1e-3)
        np.testing.assert_allclose(se, res.bse[name], rtol=1e-3)
    # the large condition number is explained in a note
    assert "condition number is large" in ours


def test_summary_notes_aliased_columns_and_robust_covariance():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.standard_normal(40), "b": rng.standard_normal(40)})
    df["a_plus_b"] = df.a + df.b
    y = df.a - df.b + rng.standard_normal(40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollinearityWarning)
        text = str(ols(df, y, cov_type="HC3").summary())
    row = next(line for line in text.splitlines() if line.startswith("a_plus_b"))
    assert "NaN" in row and "aliased" in row
    assert "a_plus_b aliased" in text
    assert "HC3" in text and "P>|z|" in text  # robust: normal reference distribution
    assert "P>|t|" not in text


def test_summary_html_and_alpha():
    rng = np.random.default_rng(4)
    X = sm.add_constant(rng.standard_normal((30, 2)))
    y = X @ [1.0, 2.0, -1.0] + rng.standard_normal(30)
    res = OLS(y, X).fit()
    s = res.summary(alpha=0.1, title="My fit <test>")
    html = s.as_html()
    assert html == s._repr_html_()
    assert html.count("<table") >= 3
    assert "My fit &lt;test&gt;" in html  # escaped
    assert "[0.05" in str(s) and "0.95]" in str(s)
    lo, hi = np.asarray(res.conf_int(0.1))[1]
    row = next(line for line in str(s).splitlines() if line.startswith("x1 "))
    np.testing.assert_allclose([float(v) for v in row.split()[-2:]], [lo, hi], rtol=1e-3)


@pytest.mark.parametrize(
    ("method", "refine"), [("qr", False), ("qr", True), ("pivoted", False), ("svd", False)]
)
def test_summary_header_columns_line_up(method, refine):
    # every right-hand label starts in the same column, whatever the solver's name or the response's
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(40), rng.standard_normal((40, 2))])
    y = pd.Series(X @ [1.0, 2.0, -1.0] + rng.standard_normal(40), name="a_rather_long_name_for_the_response")
    summary = OLS(y, X).fit(method=method, refine=refine).summary()
    lines = str(summary).splitlines()
    start = lines.index("=" * 78) + 1
    rows = [row for row in summary.header if row[0][0] or row[1][0]]
    for line, ((left_key, _), (right_key, _)) in zip(lines[start:], rows, strict=False):
        assert line.startswith(left_key)
        if right_key:
            assert line[39:].startswith(right_key), line
            assert len(line) <= 78, line
    for line, (_, (right_key, _)) in zip(
        lines[lines.index("=" * 78, start + len(rows) + 3) + 1 :], summary.diagnostics, strict=False
    ):
        assert line[39:].startswith(right_key), line
