"""Build the documentation site: ``python docs/build.py``.

One command from a clean checkout (after ``pip install -e ".[docs]"``):

1. stage the sources into ``build/docs-src``: the hand-written pages of ``docs/``, the API
   reference generated from each package's ``__all__`` (new public names appear without edits),
   the devlog as a blog (each entry dated by the date in its title or its first commit, and
   tagged by topic), the notebooks executed with their outputs and plots, the kernel sources, and
   the kernel gallery (registry table; the GEMM progression and cache-cliff plots drawn from the
   measurements kept in ``devlog/figures``);
2. ``mkdocs build --strict`` (every warning is an error) into ``build/site``;
3. check the built HTML: every internal link and image resolves (file and ``#anchor``), and every
   public name has a rendered, non-empty docstring.

Options: ``--jobs N`` notebooks executed at once (default 2), ``--skip-notebooks`` (pages that
say so instead of executing, for a quick look at the rest), ``--reuse-notebooks`` (take a
notebook executed by an earlier build from the same source text; jitla itself may have changed
since, so CI never reuses).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import html
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from griffe_roles import ROLE, plain

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
STAGE = ROOT / "build" / "docs-src"
SITE = ROOT / "build" / "site"

# The API reference: one page per package, one entry per name of its __all__.
API_PAGES = {
    "jitla": "jitla",
    "linalg": "jitla.linalg",
    "regression": "jitla.regression",
    "distributed": "jitla.distributed",
    "kernels": "jitla.kernels",
}
# Names of the top-level package that are documented on their own pages (subpackages).
SUBPACKAGES = {"kernels", "linalg", "profiling", "regression", "config", "__version__"}

# Topic tags of the devlog, by words of an entry's file name and title (first match wins per tag).
TOPICS = {
    "GEMM": ("gemm", "matmul", "small-matmul"),
    "LU and Cholesky": ("lu", "cholesky"),
    "QR": ("qr",),
    "least squares": ("least-squares", "lstsq", "refinement"),
    "SVD": ("svd",),
    "eigenvalues": ("eig", "eigh", "eigen", "eigensolvers", "eigenvalues"),
    "regression": ("regression", "ols", "influence", "ridge", "loo", "adequacy"),
    "penalised regression": ("lasso", "enet", "lars", "pcr", "pls", "ridge"),
    "model selection": ("subsets", "stepwise"),
    "GLM": ("glm", "irls"),
    "robust and nonlinear": ("robust", "nonlinear"),
    "Dask": ("dask",),
    "cold start": ("cold-start", "coldstart", "out-of-line", "suite-time"),
    "per-call overhead": ("per-call", "overhead", "n100"),
    "reliability": ("reliability", "misses", "layers"),
    "benchmarks": ("quiet-figures",),
    "portability": ("portable",),
    "learning material": ("docs", "course", "notebooks", "notebook"),
}


def log(message: str) -> None:
    print(f"[docs] {message}", flush=True)


# ----------------------------------------------------------------------------- pages of docs/


def readme_commands() -> str:
    """The README's first code block (the two set-up commands), verbatim."""
    match = re.search(r"^```\n(.*?)^```", (ROOT / "README.md").read_text(), flags=re.S | re.M)
    if match is None:
        raise SystemExit("README.md has no set-up code block")
    return match.group(1)


def stage_static_pages() -> None:
    for path in DOCS.rglob("*"):
        if path.is_file() and path.suffix in {".md", ".png", ".css", ".js", ".svg"}:
            target = STAGE / path.relative_to(DOCS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    index = STAGE / "index.md"
    index.write_text(index.read_text().replace("<!-- readme-commands -->", readme_commands()))


# ----------------------------------------------------------------------------- API reference


def public_names(module) -> list[str]:
    names = list(getattr(module, "__all__", []))
    if not names:
        raise SystemExit(f"{module.__name__} has no __all__: the API reference is generated from it")
    return names


def static_names(module) -> set[str]:
    """Names a package's __init__.py binds where static analysis (griffe) can see them."""
    tree = ast.parse(Path(module.__file__).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def documented_path(module, name: str) -> str:
    """Where mkdocstrings finds *name*: the package itself, or where a lazily loaded name is defined."""
    obj = getattr(module, name)
    if name in static_names(module) or inspect.ismodule(obj) or not hasattr(obj, "__qualname__"):
        return f"{module.__name__}.{name}"
    return f"{obj.__module__}.{obj.__qualname__}"


def stage_api() -> list[tuple[str, str]]:
    """One page per package; returns (page, qualified name) for every documented name."""
    documented = []
    (STAGE / "api").mkdir(parents=True, exist_ok=True)
    index = ["# API reference", "", "Generated from each package's `__all__` and its docstrings.", ""]
    for page, modname in API_PAGES.items():
        module = importlib.import_module(modname)
        names = [n for n in public_names(module) if not (modname == "jitla" and n in SUBPACKAGES)]
        lines = [f"# `{modname}`", ""]
        summary = inspect.getdoc(module)
        if summary:
            lines += [summary.split("\n\n")[0], ""]
        for name in names:
            doc = inspect.getdoc(getattr(module, name)) or ""
            first = ROLE.sub(plain, doc.strip().split("\n\n")[0].replace("\n", " "))
            lines.append(f"- [`{name}`](#{modname}.{name}): {first}")
        lines.append("")
        for name in names:
            obj = getattr(module, name)
            ident = documented_path(module, name)
            options = ""
            if inspect.ismodule(obj):
                members = getattr(obj, "__all__", None)
                options = "\n    options:\n      show_submodules: false"
                if members:
                    options += "\n      members: [" + ", ".join(members) + "]"
            if ident != f"{modname}.{name}":
                # The public name as an anchor too, so links can use it.
                lines += [f'<span id="{modname}.{name}"></span>', ""]
            lines += [f"::: {ident}{options}", ""]
            documented.append((f"api/{page}.html", f"{modname}.{name}"))
        (STAGE / "api" / f"{page}.md").write_text("\n".join(lines))
        index.append(f"- [`{modname}`]({page}.md): {len(names)} public names")
    (STAGE / "api" / "index.md").write_text("\n".join(index) + "\n")
    return documented


# ----------------------------------------------------------------------------- kernel sources


def stage_sources() -> None:
    """Each file of jitla/kernels as a page (the course map and the gallery link to them)."""
    (STAGE / "source").mkdir(parents=True, exist_ok=True)
    rows = ["# Kernel sources", "", "Every `@njit` kernel file of `jitla/kernels/`, as it is.", ""]
    for path in sorted((ROOT / "jitla" / "kernels").glob("*.py")):
        if path.name == "__init__.py":
            continue
        text = path.read_text()
        doc = re.match(r'\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', text, flags=re.S)
        first = doc.group(1).strip().split("\n\n")[0].replace("\n", " ") if doc else ""
        rows.append(f"- [`{path.name}`]({path.stem}.md): {first}")
        fence = "````" if "```" in text else "```"
        page = f"# `jitla/kernels/{path.name}`\n\n{fence}python\n{text}{fence}\n"
        (STAGE / "source" / f"{path.stem}.md").write_text(page)
    (STAGE / "source" / "index.md").write_text("\n".join(rows) + "\n")


# ----------------------------------------------------------------------------- devlog as a blog


def entry_date(path: Path) -> str:
    """The date in the entry's title, else the date of the commit that added it.

    Entries of one day keep their number order on the blog (newest first): the time of day is
    the entry's number in seconds, which the site does not show.
    """
    number = int(path.name[:3])
    stamp = f"T00:{number // 60:02d}:{number % 60:02d}"
    title = path.read_text().split("\n", 1)[0]
    found = re.search(r"\b(20\d\d-\d\d-\d\d)\b", title)
    if found:
        return found.group(1) + stamp
    out = subprocess.run(
        ["git", "log", "--diff-filter=A", "--follow", "--format=%cs", "--", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if out:
        return out[-1] + stamp
    # Not committed yet (a working tree): today, so the entry still appears.
    return time.strftime("%Y-%m-%d") + stamp


def entry_topics(path: Path) -> list[str]:
    title = path.read_text().split("\n", 1)[0].lower()
    words = set(re.split(r"[^a-z0-9]+", path.stem.lower() + " " + title)) | {path.stem.lower()}
    stem = path.stem.lower()
    topics = [
        topic
        for topic, keys in TOPICS.items()
        if any(key in words or (("-" in key) and key in stem) for key in keys)
    ]
    return topics or ["engineering"]


def stage_devlog() -> None:
    posts = STAGE / "devlog" / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    (STAGE / "devlog" / "index.md").write_text(
        "# Devlog\n\nWhat broke, what confused us, what we measured: one entry per piece of work, "
        "newest first. Each entry is tagged by topic (see *Topics*).\n"
    )
    for path in sorted((ROOT / "devlog").glob("[0-9][0-9][0-9]-*.md")):
        text = path.read_text()
        title, _, body = text.partition("\n")
        # The excerpt on the blog's index ends after the first paragraph of prose (a leading
        # "date. Code: ... Tests: ..." line of provenance stays with it).
        paragraphs = body.strip("\n").split("\n\n")
        cut = next(
            (
                i + 1
                for i, para in enumerate(paragraphs)
                if not re.match(r"\W*(20\d\d-\d\d-\d\d|Code:)", para)
            ),
            1,
        )
        body = "\n\n".join(paragraphs[:cut]) + "\n\n<!-- more -->\n\n" + "\n\n".join(paragraphs[cut:])
        front = (
            "---\n"
            f"date: {entry_date(path)}\n"
            "categories:\n" + "".join(f"  - {t}\n" for t in entry_topics(path)) + "---\n\n"
        )
        (posts / path.name).write_text(front + title + "\n\n" + body)


# ----------------------------------------------------------------------------- kernel gallery


def stage_gallery() -> None:
    from jitla.kernels import registry
    from jitla.profiling.plots import plot_cache_cliff, plot_gemm_sweep

    out = STAGE / "gallery"
    out.mkdir(parents=True, exist_ok=True)
    figures = ROOT / "devlog" / "figures"
    gemm = json.loads((figures / "001-bench-gemm.json").read_text())
    cache = json.loads((figures / "001-cache.json").read_text())
    plot_gemm_sweep(gemm["rows"], out / "gemm-progression.png")
    plot_cache_cliff(cache["cliff"], out / "cache-cliff.png")
    cond = gemm["conditions"]
    machine = f"{cond.get('cpu', '?')}, {cond.get('simd', '?')}, {cond.get('cores', '?')} cores"
    rows = ["| op | variant | serial / parallel | kernel file | description |", "|---|---|---|---|---|"]
    for info in registry():
        module = getattr(getattr(info.func, "py_func", info.func), "__module__", "")
        stem = module.rsplit(".", 1)[-1]
        where = f"[`{stem}.py`](source/{stem}.md)" if (STAGE / "source" / f"{stem}.md").exists() else module
        kind = "parallel" if info.parallel else "serial"
        desc = info.description.replace("|", "\\|")
        rows.append(f"| `{info.op}` | `{info.variant}` | {kind} | {where} | {desc} |")
    page = (DOCS / "gallery.md").read_text()
    page = page.replace("<!-- registry-table -->", "\n".join(rows))
    page = page.replace("<!-- machine -->", machine)
    (STAGE / "gallery.md").write_text(page)


# ----------------------------------------------------------------------------- benchmarks


def stage_benchmarks() -> None:
    """The latest quiet-machine figures of the devlog, under the page's own introduction."""
    entries = sorted((ROOT / "devlog").glob("[0-9][0-9][0-9]-quiet-figures*.md"))
    if not entries:
        raise SystemExit("no devlog/NNN-quiet-figures*.md entry to show on the benchmarks page")
    latest = entries[-1]
    title, _, body = latest.read_text().partition("\n")
    body = re.sub(r"^## ", "### ", body, flags=re.M)
    page = (DOCS / "benchmarks.md").read_text()
    page = page.replace("<!-- latest-title -->", title.lstrip("# ").strip())
    page = page.replace("<!-- latest-link -->", f"devlog/posts/{latest.name}")
    page = page.replace("<!-- latest-figures -->", body)
    (STAGE / "benchmarks.md").write_text(page)


# ----------------------------------------------------------------------------- notebooks


def solution_as_details(cell) -> dict:
    """A solution code cell as a collapsed <details> block (hidden until clicked), outputs included."""
    import nbformat

    parts = [
        '<details class="solution"><summary>Solution (click to show)</summary>\n',
        f"\n```python\n{cell.source}\n```\n",
    ]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            parts.append(f"\n<pre>{html.escape(out['text'])}</pre>\n")
        data = out.get("data", {})
        if "image/png" in data:
            parts.append(f'\n<img alt="solution figure" src="data:image/png;base64,{data["image/png"]}">\n')
        elif "text/plain" in data:
            parts.append(f"\n<pre>{html.escape(data['text/plain'])}</pre>\n")
    parts.append("\n</details>")
    return nbformat.v4.new_markdown_cell("".join(parts))


NOTEBOOK_CACHE = ROOT / "build" / "notebook-cache"


def cached_notebook(path: Path) -> Path:
    """Where --reuse-notebooks keeps the executed notebook of this exact source text."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return NOTEBOOK_CACHE / f"{path.stem}.{digest}.ipynb"


def execute_notebook(path: Path) -> tuple[str, float]:
    import jupytext
    import nbclient
    import nbformat

    notebook = jupytext.read(path)
    workdir = ROOT / "build" / "notebook-run" / path.stem
    workdir.mkdir(parents=True, exist_ok=True)
    env_backend = os.environ.pop("MPLBACKEND", None)  # the inline backend, so figures are outputs
    start = time.perf_counter()
    try:
        client = nbclient.NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        )
        client.execute()
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    seconds = time.perf_counter() - start
    for i, cell in enumerate(notebook.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise SystemExit(f"{path.name}: cell {i} failed: {out.get('ename')}: {out.get('evalue')}")
        if "solution" in cell.get("metadata", {}).get("tags", []):
            notebook.cells[i] = solution_as_details(cell)
    nbformat.write(notebook, STAGE / "notebooks" / f"{path.stem}.ipynb")
    NOTEBOOK_CACHE.mkdir(parents=True, exist_ok=True)
    shutil.copy2(STAGE / "notebooks" / f"{path.stem}.ipynb", cached_notebook(path))
    return path.name, seconds


def notebook_title(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    return path.stem


def notebook_week(path: Path) -> str:
    found = re.search(r"\*\*?(Course week[^*]*|[^*]*course[^*]*weeks?[^*]*)\*\*?", path.read_text())
    return found.group(1).strip().rstrip(".") if found else ""


def stage_notebooks(jobs: int, skip: bool, reuse: bool) -> None:
    import nbformat

    (STAGE / "notebooks").mkdir(parents=True, exist_ok=True)
    paths = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
    lines = [
        "# Notebooks",
        "",
        "Each notebook is a jupytext `.py` file in `notebooks/`, executed for this site with its "
        'outputs and plots; open it in Jupyter with `pip install -e ".[notebooks]"` and '
        "`jupyter lab notebooks/` (right-click the file, *Open With → Jupytext Notebook*). Exercise "
        "solutions are hidden until you click them.",
        "",
        "| notebook | course week |",
        "|---|---|",
    ]
    for path in paths:
        lines.append(f"| [{notebook_title(path)}]({path.stem}.ipynb) | {notebook_week(path)} |")
    (STAGE / "notebooks" / "index.md").write_text("\n".join(lines) + "\n")
    if skip:
        for path in paths:
            nb = nbformat.v4.new_notebook()
            nb.cells = [nbformat.v4.new_markdown_cell(f"# {notebook_title(path)}\n\nNot executed.")]
            nbformat.write(nb, STAGE / "notebooks" / f"{path.stem}.ipynb")
        return
    if reuse:
        for path in [p for p in paths if cached_notebook(p).exists()]:
            shutil.copy2(cached_notebook(path), STAGE / "notebooks" / f"{path.stem}.ipynb")
            log(f"reused {path.name} (executed earlier from the same source)")
        paths = [p for p in paths if not cached_notebook(p).exists()]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for name, seconds in pool.map(execute_notebook, paths):
            log(f"executed {name} in {seconds:.1f} s")


# ----------------------------------------------------------------------------- checks


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.refs.append(("link", attrs["href"]))
        if tag == "img" and attrs.get("src"):
            self.refs.append(("image", attrs["src"]))


def check_site(documented: list[tuple[str, str]]) -> list[str]:
    """Every internal link and image of the built site resolves; every public name is rendered."""
    pages = {}
    for path in SITE.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text(errors="replace"))
        pages[path.resolve()] = parser
    problems = []
    for path, parser in pages.items():
        for kind, ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("data:", "mailto:", "javascript:")):
                continue
            if parts.path.startswith("/"):  # root-relative (the 404 page): from the site's root
                target = (SITE / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            where = path.relative_to(SITE.resolve())
            if not target.exists():
                problems.append(f"{where}: {kind} to a missing file: {ref}")
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                problems.append(f"{where}: link to a missing anchor: {ref}")
    for page, qualname in documented:
        parser = pages.get((SITE / page).resolve())
        module, _, name = qualname.rpartition(".")
        obj = getattr(importlib.import_module(module), name)
        if parser is None or qualname not in parser.ids:
            problems.append(f"{page}: no rendered entry for {qualname}")
        if not (inspect.getdoc(obj) or "").strip():
            problems.append(f"{qualname} has no docstring")
    return problems


# ----------------------------------------------------------------------------- main


def write_config() -> Path:
    """mkdocs.yml with absolute paths and the generated pages added to the navigation."""
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["docs_dir"] = str(STAGE)
    config["site_dir"] = str(SITE)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            handler = plugin["mkdocstrings"]["handlers"]["python"]
            handler["paths"] = [str(ROOT)]
            handler["options"]["extensions"] = [str(DOCS / "griffe_roles.py")]
    notebooks = ["notebooks/index.md"] + [
        {notebook_title(p): f"notebooks/{p.stem}.ipynb"}
        for p in sorted((ROOT / "notebooks").glob("[0-9]*.py"))
    ]
    sources = ["source/index.md"] + [f"source/{p.name}" for p in sorted((STAGE / "source").glob("[!i]*.md"))]
    nav = []
    for entry in config["nav"]:
        ((title, value),) = entry.items()
        if value == "notebooks/index.md":
            value = notebooks
        elif value == "source/index.md":
            value = sources
        nav.append({title: value})
    config["nav"] = nav
    path = ROOT / "build" / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    parser.add_argument("--skip-notebooks", action="store_true", help="placeholders, for a quick look")
    parser.add_argument(
        "--reuse-notebooks",
        action="store_true",
        help="reuse notebooks executed by an earlier build from the same source (jitla may have changed)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    start = time.perf_counter()
    shutil.rmtree(STAGE, ignore_errors=True)
    shutil.rmtree(SITE, ignore_errors=True)
    STAGE.mkdir(parents=True)
    stage_static_pages()
    documented = stage_api()
    stage_sources()
    stage_devlog()
    stage_gallery()
    stage_benchmarks()
    log(f"staged pages in {time.perf_counter() - start:.1f} s")
    stage_notebooks(args.jobs, args.skip_notebooks, args.reuse_notebooks)
    log(f"notebooks ready at {time.perf_counter() - start:.1f} s")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    config = write_config()
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)], cwd=ROOT, env=env
    )
    if built.returncode != 0:
        log("mkdocs build --strict failed")
        return built.returncode
    problems = check_site(documented)
    for problem in problems:
        log(problem)
    if problems:
        log(f"{len(problems)} problem(s) in the built site")
        return 1
    log(f"site built in {time.perf_counter() - start:.1f} s: {SITE.relative_to(ROOT)}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
