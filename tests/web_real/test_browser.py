"""The page in a real Chromium (Debian's chromium + chromium-driver, driven by Selenium)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from nodewatch import diagnose, model, replay
from tests.web_real.conftest import need, serve

# No network beyond loopback: nothing in the background, no updates, no sync.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
HOSTILE_MODEL = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>WD40"


def chromium(*, javascript: bool = True, width: int = 1280, height: int = 900, dark: bool = False) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = need("chromium", "chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = paths["chromium"]
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    if dark:
        options.add_argument("--force-dark-mode")
        options.add_argument("--blink-settings=preferredColorScheme=0")
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(paths["chromedriver"]))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


def _hostile_demo() -> model.Report:
    """The demo with the USB disk's model replaced by markup, as a rogue USB device could report it."""
    snapshot = replay.demo_snapshot()
    disks = tuple(
        dataclasses.replace(disk, model=HOSTILE_MODEL) if disk.devnode == "/dev/sdc" else disk
        for disk in snapshot.disks
    )
    assert snapshot.inventory is not None
    inventory = dataclasses.replace(snapshot.inventory, disks=disks)
    return diagnose.diagnose(dataclasses.replace(snapshot, inventory=inventory))


@pytest.fixture(scope="module")
def hostile_url() -> Iterator[str]:
    yield from serve(_hostile_demo(), "hostile")


def _csp_errors(driver: Any) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or entry["level"] == "SEVERE"
    ]


def test_the_demo_page_marks_the_usb_bridged_disk(browser, demo_url):
    from selenium.webdriver.common.by import By

    browser.get(demo_url + "/")
    assert browser.title.startswith("CRITICAL · lab-vm")
    badge = browser.find_element(By.CSS_SELECTOR, "#disk-sdc .badge.transport")
    assert badge.text == "USB bridge usb-storage"
    assert "usb" in badge.get_attribute("class").split()
    sata = browser.find_element(By.CSS_SELECTOR, "#disk-sda .badge.transport")
    assert sata.text == "SATA/ATA"
    # The missing member's row links to the disk that carries its label.
    link = browser.find_element(By.CSS_SELECTOR, 'table.vdevs a[href="#disk-sdc"]')
    assert link.text == "/dev/sdc"
    link.click()
    assert browser.execute_script("return location.hash") == "#disk-sdc"
    assert _csp_errors(browser) == []


def test_the_copy_button_copies_the_first_command(browser, demo_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(demo_url + "/")
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": demo_url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    command = browser.find_element(By.CSS_SELECTOR, ".finding .command code").text
    assert command.startswith(
        "zpool set path=/dev/disk/by-id/usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0-part1"
    )
    button = browser.find_element(By.CSS_SELECTOR, ".finding .command button.copy")
    assert button.text == "copy"
    button.click()
    WebDriverWait(browser, 10).until(lambda d: button.text == "copied")
    pasted = browser.execute_async_script(
        "navigator.clipboard.readText().then(arguments[arguments.length - 1])"
    )
    assert pasted == command


def test_a_hostile_model_string_is_shown_as_text(browser, hostile_url):
    from selenium.webdriver.common.by import By

    browser.get(hostile_url + "/")
    model_cell = browser.find_element(By.CSS_SELECTOR, "#disk-sdc dd.model")
    assert model_cell.text == HOSTILE_MODEL
    assert model_cell.find_elements(By.CSS_SELECTOR, "img, script") == []
    assert "pwned" not in browser.title
    assert len(browser.find_elements(By.TAG_NAME, "script")) == 1  # /static/page.js only
    assert _csp_errors(browser) == []


def test_auto_refresh_replaces_the_page_and_keeps_folded_parts_as_they_were(browser, demo_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(demo_url + "/")
    details = browser.find_element(By.CSS_SELECTOR, "#disk-sdc details.by-id")
    details.find_element(By.TAG_NAME, "summary").click()
    browser.execute_script("document.getElementById('live').dataset.old = 'yes'; refresh();")
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script("return document.getElementById('live').dataset.old") is None
    )
    assert browser.find_element(By.CSS_SELECTOR, "#disk-sdc details.by-id").get_attribute("open") is not None
    assert browser.find_elements(By.CSS_SELECTOR, ".command button.copy")  # added again


def test_the_page_works_with_javascript_off(demo_url):
    from selenium.webdriver.common.by import By

    driver = chromium(javascript=False)
    try:
        driver.get(demo_url + "/")
        assert driver.find_element(By.CSS_SELECTOR, "header.node h1").text == "lab-vm"
        code = driver.find_element(By.CSS_SELECTOR, ".finding .command code")
        assert code.text.startswith("zpool set path=")
        assert code.is_displayed()
        assert driver.find_elements(By.CSS_SELECTOR, "button.copy") == []  # only JS adds them
        assert driver.find_element(By.CSS_SELECTOR, ".refresh-note").is_displayed()
        badge = driver.find_element(By.CSS_SELECTOR, "#disk-sdc .badge.transport")
        assert badge.text == "USB bridge usb-storage"
        # The folded by-id names open without script (<details>).
        driver.find_element(By.CSS_SELECTOR, "#disk-sdc details.by-id summary").click()
        names = driver.find_element(By.CSS_SELECTOR, "#disk-sdc details.by-id ul").text
        assert "usb-WDC_WD40EFZX-68AWUN0_000000123AE8-0:0" in names
    finally:
        driver.quit()


def test_the_page_fits_a_phone(demo_url):
    driver = chromium(width=390, height=844)
    try:
        driver.get(demo_url + "/")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    finally:
        driver.quit()
