#!/usr/bin/env python3
"""Screenshot of the real chat for the README: docs/chat.png.

Starts `rag chat` (bundled models, default settings) on a free local port, asks one question in
headless Debian Chromium, waits for the answer, shows its cited paragraph in the sources panel,
saves the picture, and stops the server it started. Slow: the real LLM answers in ~20 s on CPU.

    .venv/bin/python scripts/screenshot.py [--out docs/chat.png] [--question "..."]
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
QUESTION = "Siapa yang dipromosikan menjadi menteri luar negeri China?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"screenshot: `rag chat` exited with code {proc.returncode}; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"screenshot: the app did not answer at {url} within {timeout:.0f}s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "chat.png")
    ap.add_argument("--question", default=QUESTION)
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for start-up and for the answer")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"screenshot: {CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if k != "RAG_AUTH"}
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    proc = subprocess.Popen([sys.executable, "-m", "rag", "chat", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env)
    try:
        wait_until_up(url, proc, args.timeout)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1360, "height": 940}, device_scale_factor=1)
                page.set_default_timeout(args.timeout * 1000)
                page.goto(url)
                page.wait_for_selector("#rag-status .rag-status")
                page.fill("#rag-question textarea", args.question)
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "document.querySelector('#rag-chat .rag-answer:not(.rag-streaming)') !== null")
                answer = page.locator("#rag-chat .rag-answer").last
                print(f"screenshot: answer: {answer.inner_text().strip()}")
                cite = page.locator("#rag-chat a.rag-cite").first
                if cite.count():
                    cite.click()  # scrolls the sources panel to the cited paragraph and flashes it
                    page.wait_for_timeout(400)
                else:
                    print("screenshot: the answer has no citation link (refusal or unverified)", file=sys.stderr)
                retrieved = page.locator("#rag-sources details.rag-retrieved > summary").first
                if retrieved.count():
                    retrieved.click()  # open the "retrieved but not cited" list too
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out), full_page=True)
            finally:
                browser.close()
        print(f"screenshot: saved {args.out}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
