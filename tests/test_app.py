"""The SolaraViz app in a real browser: Debian's chromium driven by Playwright.

No browser is downloaded: Playwright is pointed at the system chromium. Where
none is installed the browser tests are skipped; `apt-get install chromium` enables them
(.ci/run does this on CI). The tests wait on the app's state (what the page shows the
server holds), never on time.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser_test = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine: `apt-get install chromium` to run it")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "solara.log"
    solara = Path(sys.executable).parent / "solara"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(solara), "run", "app.py", "--port", str(port), "--host",
                                 "127.0.0.1", "--production", "--no-check-version"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "Could not load URL" not in text  # nothing fetched from a CDN


def _open(browser, url):
    page = browser.new_context(viewport={"width": 1500, "height": 1400}).new_page()
    page.goto(url)
    return page


@browser_test
def test_app_steps_updates_plots_and_reacts_to_a_slider(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = _open(browser, app_url)
        expect(page.get_by_text("Step: 0")).to_be_visible(timeout=60_000)
        images = page.locator("img")
        expect(images).to_have_count(3, timeout=30_000)  # network view and two plots
        before = [images.nth(i).get_attribute("src") for i in range(3)]

        # the range is in the label, the value on the thumb, the value in effect in the card
        expect(page.locator("label", has_text="Budget per citizen (0.2–1.6)")).to_be_visible()
        slider = page.get_by_role("slider").nth(2)  # the first model slider: budget per citizen
        thumb = page.locator(".v-slider__thumb-label").nth(2)
        expect(thumb).to_be_visible()
        expect(thumb).to_have_text("0.8")
        settings = page.locator(".v-card", has_text="Settings in effect")
        expect(settings).to_contain_text("Reset")
        budget_row = settings.locator("tr", has_text="Budget per citizen")
        expect(budget_row).to_contain_text("0.8")
        value = slider.get_attribute("aria-valuenow")
        slider.focus()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        expect(slider).not_to_have_attribute("aria-valuenow", value, timeout=10_000)
        expect(thumb).to_have_text("1")
        # Wait on the server's state, not on time: the browser sends a widget's later
        # changes only once the server has handled the earlier one, while a click goes at
        # once, so Reset pressed now could rebuild with 0.85. The card shows the value the
        # server holds for the next Reset; once it reads 1, Reset uses 1.
        cells = budget_row.locator("td")
        expect(cells.nth(2)).to_have_text("1 on Reset", timeout=30_000)
        expect(cells.nth(1)).to_have_text("0.8")  # not in effect before Reset
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(cells.nth(1)).to_have_text("1", timeout=30_000)
        expect(cells.nth(2)).to_have_text("")

        step = page.get_by_role("button", name="Step", exact=True)
        step.click()
        expect(page.get_by_text("Step: 1")).to_be_visible(timeout=30_000)
        step.click()
        expect(page.get_by_text("Step: 2")).to_be_visible(timeout=30_000)
        for i in range(3):  # every view redrew (waits for its new image, not for a time)
            expect(images.nth(i)).not_to_have_attribute("src", before[i], timeout=30_000)
        body = page.inner_text("body")
        assert "Traceback" not in body and "Error" not in body
        page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
        if os.environ.get("COGOV_APP_SCREENSHOT"):  # `make figures` refreshes docs/figures/app.png
            for n in range(3, 25):
                shown = [images.nth(i).get_attribute("src") for i in range(3)]
                step.click()
                expect(page.get_by_text(f"Step: {n}")).to_be_visible(timeout=30_000)
                for i in range(3):
                    expect(images.nth(i)).not_to_have_attribute("src", shown[i], timeout=30_000)
            page.screenshot(path=os.environ["COGOV_APP_SCREENSHOT"], full_page=True)
        browser.close()
    assert (tmp_path / "app.png").stat().st_size > 50_000


@browser_test
def test_each_browser_session_has_its_own_model(app_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        first = _open(browser, app_url)
        second = _open(browser, app_url)
        for page in (first, second):
            expect(page.get_by_text("Step: 0")).to_be_visible(timeout=60_000)
        first.get_by_role("button", name="Step", exact=True).click()
        expect(first.get_by_text("Step: 1")).to_be_visible(timeout=30_000)
        first.get_by_role("button", name="Step", exact=True).click()  # the server has handled step 1
        expect(first.get_by_text("Step: 2")).to_be_visible(timeout=30_000)
        expect(second.get_by_text("Step: 0")).to_be_visible()  # the other session stays
        third = _open(browser, app_url)  # a tab opened later starts afresh too
        expect(third.get_by_text("Step: 0")).to_be_visible(timeout=60_000)
        second.get_by_role("button", name="Step", exact=True).click()
        expect(second.get_by_text("Step: 1")).to_be_visible(timeout=30_000)
        expect(first.get_by_text("Step: 2")).to_be_visible()
        browser.close()


@browser_test
def test_the_tab_is_titled_and_the_empty_plots_span_the_horizon(app_url):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = _open(browser, app_url)
        expect(page.get_by_text("Step: 0")).to_be_visible(timeout=60_000)
        expect(page).to_have_title("cogov", timeout=30_000)
        expect(page.get_by_role("tab")).to_have_count(0)  # no "Page 0" tab
        browser.close()


def _schedule(page, inputs: dict, button: str):
    """Fill the Schedule card's fields, wait until the button names what they hold (the
    server has them), press it, and wait until the settings card lists it."""
    from playwright.sync_api import expect

    card = page.locator(".v-card", has_text="Schedule (")
    for label, value in inputs.items():
        field = card.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
    press = card.get_by_role("button", name=button)
    expect(press).to_be_visible(timeout=30_000)
    press.click()


@browser_test
def test_a_scheduled_budget_cut_and_reform_change_the_run(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = _open(browser, app_url)
        expect(page.get_by_text("Step: 0")).to_be_visible(timeout=60_000)
        settings = page.locator(".v-card", has_text="Settings in effect")
        events = settings.locator("table").nth(1)
        expect(settings).to_contain_text("none: schedule one")
        now = page.locator("table.now")
        spending = now.locator("tr", has_text="government spending per citizen").locator("td")

        _schedule(page, {"Shock at step": 2, "Shock size": 0.5},
                  "Schedule budget cut of 0.5 at step 2")
        shock_row = events.locator("tr", has_text="budget cut of 0.5 at step 2")
        expect(shock_row).to_contain_text("scheduled here", timeout=30_000)
        _schedule(page, {"Reform at step": 3}, "Schedule reform: Collaboration → off at step 3")
        expect(events.locator("tr", has_text="Collaboration → off at step 3")).to_contain_text(
            "scheduled here", timeout=30_000)

        collaboration = settings.locator("tr", has_text="Collaboration").first.locator("td")
        expect(collaboration.nth(1)).to_have_text("on")
        step = page.get_by_role("button", name="Step", exact=True)
        for n, budget, regime in ((1, "0.800", "on"), (2, "0.400", "on"), (3, "0.400", "off")):
            step.click()
            expect(page.get_by_text(f"Step: {n}")).to_be_visible(timeout=30_000)
            expect(page.get_by_text(f"Now: step {n}")).to_be_visible(timeout=30_000)
            expect(spending.nth(1)).to_have_text(budget, timeout=30_000)  # the cut, from step 2
            expect(collaboration.nth(1)).to_have_text(regime, timeout=30_000)  # the reform
        expect(collaboration.nth(2)).to_have_text("on on Reset")  # the control still says on

        # a step that has passed is refused, naming why
        _schedule(page, {"Shock at step": 1}, "Schedule budget cut of 0.5 at step 1")
        expect(page.get_by_text("step 1 has passed")).to_be_visible(timeout=30_000)
        page.screenshot(path=str(tmp_path / "scheduled.png"), full_page=True)

        page.get_by_role("button", name="Reset", exact=True).click()  # a Reset starts from the scenario
        expect(settings).to_contain_text("none: schedule one", timeout=30_000)
        expect(page.get_by_text("Step: 0")).to_be_visible(timeout=30_000)
        browser.close()


def test_the_settings_card_lists_the_scenarios_shocks_and_reforms():
    """The card's rows (app.events) list a scenario's own shocks and reforms; the browser test
    above sees the rows of scheduled ones in the card."""
    from cogov.model.ui import app

    scenario = app.SCENARIO.replace(**{
        "population.citizens": 300, "warmup": 2,
        "shocks": [{"kind": "budget_cut", "step": 50, "size": 0.3},
                   {"kind": "need_spike", "step": 20, "size": 0.5, "over": 6, "where": 2}],
        "reforms": [{"step": 60, "set": {"governance.adaptation": False}}]})
    model = app.AppModel(scenario)
    assert app.events(model) == [
        ("shock", "budget cut of 0.3 at step 50", "scenario"),
        ("shock", "need spike of 0.5 at step 20 over 6 steps in district 2", "scenario"),
        ("reform", "Adaptation → off at step 60", "scenario")]
    app.schedule_shock(model, "legitimacy_drop", 5, 0.2)
    assert app.events(model)[2] == ("shock", "legitimacy drop of 0.2 at step 5",
                                    "scheduled here (until Reset)")


def test_scheduling_acts_on_the_running_model_as_a_scenario_file_would():
    """A shock or reform scheduled on a running model gives the run of the scenario that has
    it from the start (same seed), and a past step or a key fixed in a run is refused."""
    import numpy as np

    from cogov.model.scenario.errors import ScenarioError
    from cogov.model.ui import app

    small = app.SCENARIO.replace(**{"population.citizens": 400, "warmup": 3})
    planned = small.replace(
        shocks=[{"kind": "budget_cut", "step": 4, "size": 0.4}],
        reforms=[{"step": 6, "set": {"governance.collaboration": False}}])
    whole = app.AppModel(planned, seed=7)
    whole.run(8)
    live = app.AppModel(small, seed=7)
    live.run(2)
    app.schedule_shock(live, "budget_cut", 4, 0.4)
    app.schedule_reform(live, "governance.collaboration", False, 6)
    live.run(6)
    a, b = (m.datacollector.get_model_vars_dataframe() for m in (whole, live))
    assert np.allclose(a.to_numpy(float), b.to_numpy(float), equal_nan=True)
    assert a["gov_spent"].iloc[4] < 0.7 * a["gov_spent"].iloc[3]
    assert not live.scenario.governance.collaboration
    with pytest.raises(ScenarioError, match="has passed"):
        app.schedule_shock(live, "budget_cut", 8, 0.1)
    with pytest.raises(ScenarioError, match="cannot change during a run"):
        app.schedule_reform(live, "population.citizens", 10, 20)


def test_empty_plots_span_the_horizon_and_the_metrics_declared_range():
    from cogov.model.ui import app

    model = app.AppModel(app.SCENARIO.replace(**{"population.citizens": 300, "warmup": 2}))
    figure = app.TimeFigure(model, app.PLOTS[0])
    assert figure.ax.get_xlim() == (0, model.scenario.steps)
    low, high = figure.ax.get_ylim()
    assert low < 0 < 1 < high < 1.1  # [0, 1] declared by @metric, with a margin
    assert figure.empty.get_visible()
    assert figure.png()[:4] == b"\x89PNG"
