"""A newcomer's first ten minutes: ``clientbook demo`` then ``clientbook serve`` on the
port from ``CLIENTBOOK_PORT``, in a fresh directory, and the banner's commands, every
shell block of the README's "Using the API" and of the first-task guides in docs/ run as
pasted (bash and curl, as a newcomer has them; the only change is the port)."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.server import _free_port

ROOT = Path(__file__).resolve().parent.parent
CLIENTBOOK = Path(sys.executable).with_name("clientbook")
# curl that fails on an HTTP error, and a newline after each answer.
STRICT = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; echo; }\n'

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or shutil.which("curl") is None, reason="needs bash and curl"
)


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh checkout's directory (``.venv/bin/clientbook``, ``var/`` made by the demo)
    and the environment a newcomer's shell has: only the port is set."""
    home = tmp_path_factory.mktemp("newcomer")
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "clientbook").symlink_to(CLIENTBOOK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTBOOK_")}
    env |= {"CLIENTBOOK_PORT": str(_free_port()), "CLIENTBOOK_LOG_LEVEL": "WARNING"}
    env["CLIENTBOOK_LOYALTY_TICK_SECONDS"] = "0"
    return home, env


def _bash(script: str, home: Path, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (our own script)
        ["bash", "-c", STRICT + script],  # noqa: S607
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


# The guides to a store's first tasks: their blocks run after the README's first one.
GUIDES = ["docs/import-customers.md", "docs/clients.md"]


def _readme_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Using the API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def _guide_blocks(guide: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", (ROOT / guide).read_text(), re.S)


def test_the_demo_banner_and_the_readme_work_as_pasted(
    newcomer: tuple[Path, dict[str, str]],
) -> None:
    home, env = newcomer
    port = env["CLIENTBOOK_PORT"]
    banner = _bash(".venv/bin/clientbook demo", home, env)
    base = f"http://127.0.0.1:{port}"
    assert f"export CLIENTBOOK={base}" in banner
    assert re.search(r"^  export TOKEN=\S+$", banner, re.M)
    pasted = banner.split("once the server is up:", 1)[1].split("\n\n", 2)[1]

    log = (home / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [str(CLIENTBOOK), "serve"],
        cwd=home,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (home / "server.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.2)
        listed = _bash(pasted, home, env)
        assert '"pagination"' in listed
        blocks = _readme_blocks()
        assert len(blocks) >= 2
        setup, *rest = blocks
        setup = setup.replace("http://127.0.0.1:8000", base)
        signed_in = _bash(setup, home, env)
        assert '"access_token"' in signed_in
        for block in rest:
            answer = _bash(setup + block, home, env)
            assert answer.strip(), block
        assert '"secret":"whsec_' in answer  # the last block registers a webhook
        guides = {guide: _guide_blocks(guide) for guide in GUIDES}
        assert all(guides.values()), guides
        for guide, guide_blocks in guides.items():
            for block in guide_blocks:
                answer = _bash(setup + block, home, env)
                assert answer.strip(), (guide, block)
        imported = _bash(setup + "cat import-report.csv", home, env)
        assert imported.count(",skipped,") == 2, imported  # imported over the API before
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()
