"""How the browser journeys start Debian's Chromium and where they save screenshots."""

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_PATH = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling hosts this
# closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch_chromium(playwright):
    """Return a headless Debian Chromium driven by ``playwright``."""
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
