"""Screenshot an HTML report of ``skgauss compare`` in headless Chromium.

    python scripts/screenshot_report.py skgauss-report/report.html report.png
    python scripts/screenshot_report.py report.html tab.png --fragment m-pca_whiten
    python scripts/screenshot_report.py report.html top.png --window-size 1300,900

Needs a Chromium binary (Debian: ``apt-get install -y chromium``; or set
``CHROMIUM=/path/to/chrome``). It runs with a fresh empty profile, no network
services, no GPU and no sandbox (for containers), and writes a PNG of the first
``--window-size`` pixels of the page (``--fragment`` shows one model's tab: the ids
are ``m-<model slug>``, listed by ``--list``; the page is not scrolled to it).
Exit status 1 when Chromium is missing, fails, or writes no PNG.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def screenshot(html: Path, png: Path, *, window_size: str = "1300,2400",
               fragment: str | None = None, timeout: float = 120) -> Path:
    """Render ``html`` into ``png``; return ``png``. Raises RuntimeError on failure."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("no Chromium found: apt-get install -y chromium (or set CHROMIUM)")
    png = png.resolve()
    png.unlink(missing_ok=True)
    page = html.resolve()
    if fragment:
        # a URL fragment makes headless Chromium scroll and capture a blank band: show
        # the tab through a style in a sibling copy (same folder: the images resolve)
        if f'id="{fragment}"' not in page.read_text(encoding="utf-8"):
            raise RuntimeError(f"no element with id {fragment!r} in {html}")
        style = (f"<style>.panel {{ display: none !important; }} "
                 f"#{fragment} {{ display: block !important; }} "
                 ".tabs nav a { background: #eee !important; font-weight: normal !important; } "
                 f'.tabs nav a[href="#{fragment}"] {{ background: #fff !important; '
                 "font-weight: bold !important; }</style></head>")
        text = page.read_text(encoding="utf-8").replace("</head>", style, 1)
        page = page.with_name(f".screenshot-{fragment}.html")
        page.write_text(text, encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory(prefix="skgauss-chromium-") as profile:
            cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
                   f"--window-size={window_size}", page.as_uri()]
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        if fragment:
            page.unlink(missing_ok=True)
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote no PNG (exit {res.returncode}): {res.stderr[-500:]}")
    return png


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path, nargs="?")
    parser.add_argument("--window-size", default="1300,2400", help="width,height in pixels")
    parser.add_argument("--fragment", help="an element id to open, e.g. a model's tab")
    parser.add_argument("--list", action="store_true", help="print the tabs' ids and exit")
    args = parser.parse_args(argv)
    if args.list:
        print(*re.findall(r'class="panel" id="([^"]+)"', args.html.read_text()), sep="\n")
        return 0
    if args.png is None:
        parser.error("the output PNG is required")
    try:
        print(screenshot(args.html, args.png, window_size=args.window_size,
                         fragment=args.fragment))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"screenshot_report: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
