"""How long one Step of the app takes in a real browser (docs/performance.md, "The app").

    python benchmarks/app_step.py [--steps 20] [--scenario adaptive]

Starts the Solara app (as tests/test_app.py does, with Debian's chromium driven by
Playwright), presses Step ``--steps`` times and times each press from the click until the
page shows the new step *and* every figure of the page has been redrawn (its image
changed): what a user waits for. Prints the median and the range in seconds, the CPU time
the app's server and the browser spent per step (less sensitive to a busy machine than the
wall time), and the model's own step time for comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(scenario: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    solara = Path(sys.executable).parent / "solara"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COGOV_SCENARIO": scenario}
    proc = subprocess.Popen([str(solara), "run", "app.py", "--port", str(port), "--host",
                             "127.0.0.1", "--production", "--no-check-version"], cwd=ROOT,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(180):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the app did not start: {log.read_text()[-2000:]}")


REDRAWN = """({step, shown}) => {
    const images = [...document.querySelectorAll("img")].slice(0, shown.length);
    return images.every((img, i) => img.getAttribute("src") !== shown[i] && img.complete)
        && document.body.textContent.includes(step);  // textContent: no layout forced
}"""


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_pids() -> list[int]:
    """This process's descendants that are chromium (the browser and its renderers)."""
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    found = []
    for pid in parent:
        try:
            if descends(pid) and "chrom" in Path(f"/proc/{pid}/cmdline").read_text():
                found.append(pid)
        except OSError:
            continue
    return found


def _cpu(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            continue
    return total


def measure(url: str, steps: int, pid: int) -> tuple[list[float], float, float]:
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_context(viewport={"width": 1500, "height": 1400}).new_page()
        page.goto(url)
        expect(page.get_by_text("Step: 0")).to_be_visible(timeout=120_000)
        images = page.locator("img")
        expect(images).to_have_count(3, timeout=60_000)
        button = page.get_by_role("button", name="Step", exact=True)
        times = []
        browser_cpu = _cpu(browsers := browser_pids())
        cpu = cpu_seconds(pid)
        for n in range(1, steps + 1):
            shown = [images.nth(i).get_attribute("src") for i in range(3)]
            start = time.perf_counter()
            button.click()
            # checked at every animation frame in the page (Playwright's expect() polls at
            # 100, 250, 500 and 1000 ms, too coarse to time with)
            page.wait_for_function(REDRAWN, arg={"step": f"Step: {n}", "shown": shown},
                                   polling="raf", timeout=60_000)
            times.append(time.perf_counter() - start)
        cpu = (cpu_seconds(pid) - cpu) / steps
        browser_cpu = (_cpu(browsers) - browser_cpu) / steps
        browser.close()
    return times, cpu, browser_cpu


def model_step(scenario: str, steps: int) -> float:
    from cogov.model.sim.model import GovernanceModel

    m = GovernanceModel(scenario)
    start = time.perf_counter()
    for _ in range(steps):
        m.step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--scenario", default="adaptive")
    args = p.parse_args()
    log = Path(tempfile.mkdtemp()) / "solara.log"
    proc, url = serve(args.scenario, log)
    try:
        times, cpu, browser_cpu = measure(url, args.steps, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    q = statistics.quantiles(times, n=10)
    print(f"app step (click to redrawn page), {args.scenario}, {args.steps} steps: median "
          f"{statistics.median(times):.3f} s, 10-90 % {q[0]:.3f}-{q[-1]:.3f} s, "
          f"max {max(times):.3f} s")
    print(f"CPU time per step: the app's server {cpu:.3f} s, the browser {browser_cpu:.3f} s")
    print(f"model step alone: {model_step(args.scenario, args.steps):.4f} s")


if __name__ == "__main__":
    main()
