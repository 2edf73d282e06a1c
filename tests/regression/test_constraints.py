"""jitla.regression._constraints.linear_constraints against patsy/statsmodels.

Oracle: ``patsy.DesignInfo(names).linear_constraint(spec)``, the parser
statsmodels' ``t_test`` / ``f_test`` use for strings, and statsmodels'
``f_test`` itself fed the string and our ``(R, q)``.  The coefficients in
these hypotheses are short decimals, so both parsers do the same one or two
float operations per entry: rtol = 1e-15 (a couple of ulps).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from jitla.regression._constraints import linear_constraints

patsy = pytest.importorskip("patsy")
sm = pytest.importorskip("statsmodels.api")

NAMES = ["Intercept", "x1", "x2", "x3", "C(g)[T.b]", "np.log(x2)"]

STRINGS = [
    "x1 = x2, x3 = 0",
    "2*x1 + x2 = 3",
    "x1 - x2",
    "(x1 = 0), (x2 = 1)",
    "x1 = x2 = 0",
    "x1 = 2 = x2",
    "3 = x1",
    "x1 + 3",
    "-x1*2.5 + x3/4 = .5",
    "x3*2 = x1",
    "+x1 = -1.0",
    "2*(x1 + x2) - -x3 = 1",
    "C(g)[T.b] + np.log(x2) = 1e-3",
    "np.log(x2) - 0.5*C(g)[T.b] = 2E+1",
    "Intercept=0,x1=0 ,  x2=0",
    "x1/2/2 = x2 * 3 * 2",
]


def _patsy(spec, names=NAMES):
    lc = patsy.DesignInfo(list(names)).linear_constraint(spec)
    return lc.coefs, lc.constants.ravel()


@pytest.mark.parametrize("spec", STRINGS)
def test_strings_match_patsy(spec):
    R, q = linear_constraints(spec, NAMES)
    R_ref, q_ref = _patsy(spec)
    assert R.dtype == np.float64 and q.dtype == np.float64
    assert R.shape == R_ref.shape and q.shape == q_ref.shape
    assert_allclose(R, R_ref, rtol=1e-15, atol=0)
    assert_allclose(q, q_ref, rtol=1e-15, atol=0)


@pytest.mark.parametrize("container", [list, tuple])
def test_sequence_of_strings_matches_patsy(container):
    spec = container(["x1 = 0", "x2 = x3", "2*np.log(x2) = 1"])
    R, q = linear_constraints(spec, NAMES)
    R_ref, q_ref = _patsy(list(spec))
    assert_allclose(R, R_ref, rtol=1e-15, atol=0)
    assert_allclose(q, q_ref, rtol=1e-15, atol=0)


def test_mapping_matches_patsy():
    spec = {"x1": 1.5, 3: -2, "C(g)[T.b]": 0}
    R, q = linear_constraints(spec, NAMES)
    R_ref, q_ref = _patsy(spec)
    assert_array_equal(R, R_ref)
    assert_array_equal(q, q_ref)


def test_names_are_whole_words_longest_first():
    names = ["x", "x1", "x10", "x.1", "a[b]"]
    for spec in ["x10 - x1 = x", "x.1 + a[b] = 2", "x1 = x10 = x"]:
        R, q = linear_constraints(spec, names)
        R_ref, q_ref = _patsy(spec, names)
        assert_array_equal(R, R_ref)
        assert_array_equal(q, q_ref)


def test_trailing_dot_number():
    # patsy rejects "1." (its number pattern needs a digit after the point); we read it as 1.0
    R, q = linear_constraints("x1 = 1.", NAMES)
    assert_array_equal(R, [[0, 1, 0, 0, 0, 0]])
    assert_array_equal(q, [1.0])


def test_arrays_and_tuples():
    p = len(NAMES)
    R_in = np.arange(2 * p, dtype=float).reshape(2, p)
    R_keep = R_in.copy()
    R, q = linear_constraints(R_in, NAMES)
    assert_array_equal(R, R_in)
    assert_array_equal(q, np.zeros(2))
    assert not np.shares_memory(R, R_in)
    R, q = linear_constraints(R_in[0], NAMES)  # 1-D: one row
    assert R.shape == (1, p) and q.shape == (1,)
    q_in = np.array([[1.0], [2.0]])  # a column q is accepted, as patsy does
    R, q = linear_constraints((R_in, q_in), NAMES)
    assert_array_equal(q, [1.0, 2.0])
    R, q = linear_constraints((R_in.astype(int).tolist(), [1, 2]), NAMES)
    assert R.dtype == np.float64 and q.dtype == np.float64
    assert_array_equal(R_in, R_keep)  # input not modified


def test_f_test_and_t_test_through_statsmodels():
    rng = np.random.default_rng(3)
    n = 40
    df = pd.DataFrame(
        {"x1": rng.standard_normal(n), "x2": rng.uniform(1, 2, n), "x3": rng.standard_normal(n)}
    )
    exog = sm.add_constant(df)
    endog = exog.to_numpy() @ [1.0, 0.5, 0.5, -0.2] + rng.standard_normal(n)
    res = sm.OLS(endog, exog).fit()
    names = list(exog.columns)
    for spec in ["x1 = x2, x3 = 0", "2*x1 + x2 = 1", "(x1 = 0), (x2 = 1)", "x1 = x2 = x3"]:
        f_ref = res.f_test(spec)
        f_ours = res.f_test(linear_constraints(spec, names))
        assert_allclose(np.squeeze(f_ours.fvalue), np.squeeze(f_ref.fvalue), rtol=1e-12)
        assert f_ours.df_num == f_ref.df_num
    t_ref = res.t_test("x1 - 2*x3 = 0.1")
    t_ours = res.t_test(linear_constraints("x1 - 2*x3 = 0.1", names))
    assert_allclose(t_ours.effect, t_ref.effect, rtol=1e-12)
    assert_allclose(t_ours.tvalue, t_ref.tvalue, rtol=1e-12)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("x1 = x9", "unrecognized token in constraint"),
        ("x1 = x2 + @", "unrecognized token in constraint"),
        ("x1*x2 = 0", "multiply one variable by another"),
        ("x1/x2", "divide by a variable"),
        ("(x1 + 1)*(x2 - 1) = 0", "multiply one variable by another"),
        ("", "empty constraint"),
        ("   ", "empty constraint"),
        ([], "empty constraint"),
        ({}, "empty constraint"),
        ("3 = 4", "no variables appear in constraint"),
        ("x1 - x1 = 2", "no variables appear in constraint"),
        ("2", "term is constant"),
        ("x1 = 0, 5", "term is constant"),
        ("x1 = ", "unexpected end of input"),
        ("(x1 = 0", "missing ')'"),
        ("x1 x2", "unexpected 'x2'"),
        ("x1 = 0)", "unexpected ')'"),
        ("(x1 = 0) + x2", "an equation cannot be used"),
        (["x1 = 0", 3], "expected a string"),
        ({"x7": 1}, "unrecognized parameter name"),
        ({"x1": 1, 1: 2}, "duplicated constraint"),
    ],
)
def test_bad_strings(spec, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        linear_constraints(spec, NAMES)


def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError) as info:
        linear_constraints("x1 + z = 0", NAMES)
    assert "np.log(x2)" in str(info.value) and "position 5" in str(info.value)


def test_bad_arrays():
    p = len(NAMES)
    with pytest.raises(ValueError, match=r"R has 3 columns, but there are 6 parameters"):
        linear_constraints(np.ones((2, 3)), NAMES)
    with pytest.raises(ValueError, match=r"q has 3 entries, but R has 2 rows"):
        linear_constraints((np.ones((2, p)), np.ones(3)), NAMES)
    with pytest.raises(ValueError, match="must be \\(R, q\\)"):
        linear_constraints((np.ones((2, p)), np.ones(2), 0), NAMES)
    with pytest.raises(ValueError, match="must be 1-D or 2-D"):
        linear_constraints(np.ones((1, 2, p)), NAMES)
    with pytest.raises(ValueError, match="must not contain infs or NaNs"):
        linear_constraints(np.full((1, p), np.nan), NAMES)
    with pytest.raises(ValueError, match="R has no rows"):
        linear_constraints(np.ones((0, p)), NAMES)
