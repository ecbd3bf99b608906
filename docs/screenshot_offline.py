"""Render a built docs page in headless Chromium with the network off.

The docs ship their own MathJax (``_static/mathjax``, copied from the
``mathjax`` package at build time), so a formula renders without network.
This script checks that where it matters, in a browser: it opens a built page
with every host name resolving to nothing, lets MathJax run, counts the
typeset formulas in the page's DOM, fails if TeX was left raw, and saves a
screenshot. It is not part of the tests (Chromium is not a dependency);
run it after a docs build::

    apt-get install chromium      # Debian's package; any Chromium will do
    python -m sphinx -b html docs docs/_build/html
    python docs/screenshot_offline.py            # user_guide.html
    python docs/screenshot_offline.py api.html shot.png

It prints the number of formulas typeset and the screenshot's path, and
exits 1 only when a formula was left as raw TeX (a page without formulas
passes, and says so).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BUILD = Path(__file__).resolve().parent / "_build" / "html"

# Headless, and offline: every host name maps to nothing, and Chromium's own
# background connections are off.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # Virtual time runs the page's scripts (MathJax) before the capture.
    "--virtual-time-budget=15000",
]


def chromium(*args):
    """Run Chromium headless, offline, with a fresh profile; return stdout."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("Chromium not found: apt-get install chromium (or put it on PATH).")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return done.stdout


def main(argv=None):
    """Check one built page offline and screenshot it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default="user_guide.html")
    parser.add_argument("out", nargs="?", default="offline_math.png", type=Path)
    args = parser.parse_args(argv)
    url = (BUILD / args.page).as_uri()
    dom = chromium("--dump-dom", url)
    typeset = len(re.findall(r"<mjx-container", dom))
    # A formula MathJax did not process stays in the page as \( ... \) or
    # \[ ... \] inside a math span or div.
    raw = len(re.findall(r'class="math[^"]*">\s*\\[\[(]', dom))
    chromium("--window-size=1000,1400", f"--screenshot={args.out.resolve()}", url)
    print(f"{args.page}: {typeset} formulas typeset, {raw} left as raw TeX")
    print(f"screenshot: {args.out.resolve()}")
    if raw:
        sys.exit("the formulas did not render offline")
    if typeset == 0:  # nothing to render is not a failure
        print(f"{args.page} has no formulas: nothing to check")


if __name__ == "__main__":
    main()
