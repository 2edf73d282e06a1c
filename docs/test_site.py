"""The built site in a real browser: headless Chromium opens the home page, one notebook page and
one API page over HTTP, checks that each renders (its heading and content) with every image
loaded and no script error, and saves a screenshot of each under ``out/``.

Run after ``python docs/build.py``::

    python -m pytest -q docs/test_site.py

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and tornado (installed with the
``docs`` extra through Jupyter), which speaks the DevTools protocol's websocket.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import http.server
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "site"
OUT = ROOT / "out"

# name: (page, words its text must contain, least number of images)
PAGES = {
    "home": ("index.html", ['pip install -e ".[cli]" && jitla bench gemm', "Course map"], 1),
    "notebook": ("notebooks/12_svd_low_rank_pca_conditioning.html", ["Eckart", "Exercises"], 3),
    "api": ("api/linalg.html", ["solve", "Parameters", "Returns"], 0),
}

# Waits for every image (lazy ones included) and reports what the page shows.
INSPECT = """
(async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = "eager"; });
  await Promise.all(images.map(img => img.complete ? null :
      new Promise(done => { img.onload = done; img.onerror = done; })));
  const h1 = document.querySelector("article h1, .md-content h1, h1");
  return {
    title: document.title,
    h1: h1 ? h1.textContent.trim() : "",
    text: document.body.innerText,
    images: images.map(img => ({src: img.getAttribute("src").slice(0, 60),
                                 ok: img.complete && img.naturalWidth > 0,
                                 width: img.naturalWidth})),
    ids: Array.from(document.querySelectorAll("[id^='jitla.linalg.']")).map(e => e.id),
    solutions_open: Array.from(document.querySelectorAll("details.solution")).map(d => d.open),
  };
})()
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail("no built site: run `python docs/build.py` first")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = chromium()
    if exe is None:
        pytest.fail("no chromium on PATH: apt-get install -y chromium")
    profile = tmp_path_factory.mktemp("chromium")
    proc = subprocess.Popen(
        [
            exe,
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("chromium did not start its DevTools endpoint")
        time.sleep(0.1)
    port = port_file.read_text().split()[0]
    targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list").read())
    page = next(t for t in targets if t.get("type") == "page")
    yield page["webSocketDebuggerUrl"]
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


class DevTools:
    """A minimal client of the Chrome DevTools protocol over tornado's websocket."""

    def __init__(self, connection):
        self.connection = connection
        self.next_id = 0
        self.events: list[dict] = []

    async def call(self, method: str, **params):
        self.next_id += 1
        ident = self.next_id
        await self.connection.write_message(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = await self.connection.read_message()
            if message is None:
                raise RuntimeError("the browser closed the connection")
            data = json.loads(message)
            if data.get("id") == ident:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error']}")
                return data.get("result", {})
            self.events.append(data)

    async def wait_event(self, method: str, timeout: float = 60.0) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = await asyncio.wait_for(self.connection.read_message(), deadline - time.monotonic())
            data = json.loads(message)
            if data.get("method") == method:
                return data
            self.events.append(data)
        raise TimeoutError(method)


async def visit(ws_url: str, url: str, screenshot: Path, show_image: bool) -> tuple[dict, list[str]]:
    from tornado.websocket import websocket_connect

    connection = await websocket_connect(ws_url, max_message_size=256 * 1024 * 1024)
    tools = DevTools(connection)
    try:
        await tools.call("Page.enable")
        await tools.call("Runtime.enable")
        await tools.call(
            "Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False
        )
        await tools.call("Page.navigate", url=url)
        await tools.wait_event("Page.loadEventFired")
        result = await tools.call(
            "Runtime.evaluate", expression=INSPECT, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"inspecting {url}: {result['exceptionDetails']}")
        if show_image:  # the screenshot shows the first figure, not only the page's top
            await tools.call("Runtime.evaluate", expression="document.images[0].scrollIntoView()")
        shot = await tools.call("Page.captureScreenshot", format="png")
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        errors = [
            e["params"]["exceptionDetails"].get("exception", {}).get("description", "")
            or e["params"]["exceptionDetails"].get("text", "")
            for e in tools.events
            if e.get("method") == "Runtime.exceptionThrown"
        ]
        return result["result"]["value"], errors
    finally:
        connection.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_with_its_images(name, server, browser):
    page, words, least_images = PAGES[name]
    OUT.mkdir(exist_ok=True)
    screenshot = OUT / f"docs-{name}.png"
    shown, errors = asyncio.run(visit(browser, f"{server}/{page}", screenshot, name == "notebook"))
    assert shown["h1"], f"{page}: no heading rendered"
    for word in words:
        assert word in shown["text"], f"{page}: {word!r} not on the rendered page"
    broken = [img["src"] for img in shown["images"] if not img["ok"]]
    assert not broken, f"{page}: images that did not load: {broken}"
    assert len(shown["images"]) >= least_images, f"{page}: {len(shown['images'])} images"
    assert not errors, f"{page}: script errors: {errors}"
    if name == "notebook":
        # The exercises' solutions are on the page, collapsed until a reader opens them.
        assert shown["solutions_open"] and not any(shown["solutions_open"])
    if name == "api":
        assert "jitla.linalg.solve" in shown["ids"] and "jitla.linalg.svd" in shown["ids"]
    # A screenshot of a rendered page is a PNG of the viewport, not a blank file.
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
