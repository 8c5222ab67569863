"""The staff console's pages at a million customers: list, search and a customer's page.

Starts ``clientbook serve`` (one worker) on the bench database, signs in through the
console's own form as ``bench@clientbook.dev``, and times each page one request at a time
(after a warm-up), as a person at the counter would load them. Target: every page's
server time under 50 ms. Prints a Markdown table; ``--out`` appends it to a file.

    CLIENTBOOK_DATABASE_URL=postgresql://postgres@127.0.0.1/clientbook_bench \\
        .venv/bin/python -m bench.console --requests 40
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.generate import BENCH_PASSWORD, BENCH_USER

PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
STORE = "BENCH"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CUSTOMER_LINK = re.compile(r'href="/console/BENCH/customers/([0-9a-f-]{36})"')
ROW = re.compile(
    r'row-link" href="[^"]+">([^<]+)</a>.*?<td>([^<]*)</td>\s*<td class="nowrap">([^<]*)</td>', re.S
)


def start_server() -> subprocess.Popen[bytes]:
    env = {**os.environ, "CLIENTBOOK_LOG_LEVEL": "WARNING", "CLIENTBOOK_OUTBOX_SENDER": "false"}
    command = [sys.executable, "-m", "clientbook.cli", "serve", "--port", str(PORT)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{BASE}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def sign_in(client: httpx.Client) -> None:
    form = client.get("/console/sign-in").text
    token = CSRF.search(form)
    assert token, "no sign-in form"
    answer = client.post(
        "/console/sign-in",
        data={"email": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303, answer.text[:500]


def timed(client: httpx.Client, url: str, requests: int) -> tuple[float, float]:
    for _ in range(3):  # warm-up: plans, pools, templates
        client.get(url)
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(url)
        took.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.95) - 1]


def scenarios(client: httpx.Client) -> list[tuple[str, str]]:
    """Pages to time, with search terms taken from the store's own first page."""
    first = client.get(f"/console/{STORE}/customers").text
    rows = ROW.findall(first)
    ids = CUSTOMER_LINK.findall(first)
    name, email, phone = rows[0]
    last = name.split()[-1][:5].lower()
    digits = re.sub(r"\D", "", phone)[-7:]
    base = f"/console/{STORE}/customers"
    return [
        ("baseline: /healthz (no database, no page)", "/healthz"),
        ("baseline: the sign-in page (a page, no database)", "/console/sign-in"),
        ("list, first page", base),
        ("list, page 200", f"{base}?page=200"),
        ("list, sorted by name", f"{base}?sort=name&order=asc"),
        ("list, inactive only", f"{base}?is_active=false"),
        (f"search as you type, part of a name ({last!r})", f"{base}?q={last}"),
        ("search, part of an e-mail", f"{base}?q={email.split('@')[0][:8]}"),
        ("search, a phone's last digits", f"{base}?q={digits}"),
        ("customer page", f"{base}/{ids[0]}"),
        ("customer page (another)", f"{base}/{ids[-1]}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    server = start_server()
    try:
        with httpx.Client(base_url=BASE, timeout=30) as client:
            sign_in(client)
            lines = ["| page | p50 ms | p95 ms |", "|---|---|---|"]
            for name, url in scenarios(client):
                p50, p95 = timed(client, url, args.requests)
                lines.append(f"| {name} | {p50:.1f} | {p95:.1f} |")
                print(lines[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
    table = "\n".join(lines) + "\n"
    if args.out:
        with args.out.open("a") as out:
            out.write(table)


if __name__ == "__main__":
    main()
