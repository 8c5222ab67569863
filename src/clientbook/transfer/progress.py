"""A progress bar for ``clientbook import`` and ``export``: rows done, rows/s and the
time left, drawn by rich on stderr when stderr is a terminal. Piped, redirected or run
by cron, it writes nothing: the output is the data and the summary alone."""

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _Rate(ProgressColumn):
    """Rows per second since the start (the bar's own speed is in bytes on an import)."""

    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = time.monotonic() - task.fields.get("started", time.monotonic())
        rate = rows / elapsed if elapsed > 0 else 0.0
        return Text(f"{rows} rows  {rate:,.0f} rows/s", style="progress.data.speed")


class Bar:
    """Where the work is: ``done`` of ``total`` (bytes of the file, or rows), ``rows``."""

    def __init__(self, progress: Progress | None, total: float | None) -> None:
        self._progress = progress
        self._task = (
            progress.add_task("", total=total, rows=0, started=time.monotonic())
            if progress is not None
            else None
        )

    def update(self, done: float, rows: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=done, rows=rows)


def terminal() -> TextIO:
    """Where the bar goes (the stream is looked up at each use: a test swaps it)."""
    return sys.stderr


@contextmanager
def progress_bar(label: str, total: float | None, stream: TextIO | None = None) -> Iterator[Bar]:
    """A bar on ``stream`` (stderr) while the block runs, if it is a terminal; else a bar
    that draws nothing. ``total`` None: no time left can be told, only the rate."""
    stream = stream if stream is not None else terminal()
    if not stream.isatty():
        yield Bar(None, total)
        return
    console = Console(file=stream, force_terminal=True)
    columns = [
        TextColumn(label),
        BarColumn(),
        TaskProgressColumn(),
        _Rate(),
        TextColumn("left"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        yield Bar(progress, total)
