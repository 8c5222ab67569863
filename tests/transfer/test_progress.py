"""The import and export progress bar: drawn on a terminal, silent when piped."""

import io
from pathlib import Path

import pytest

from clientbook.cli import app as cli
from clientbook.transfer import progress
from tests.transfer.test_cli import CSV, runner, workdir  # noqa: F401 (a fixture)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_shows_rows_rate_and_time_left() -> None:
    screen = Terminal()
    with progress.progress_bar("import", 1000, screen) as bar:
        bar.update(500, 250)
    drawn = screen.getvalue()
    assert "import" in drawn
    assert "50%" in drawn
    assert "250 rows" in drawn
    assert "rows/s" in drawn
    assert "left" in drawn


def test_piped_the_bar_writes_nothing() -> None:
    pipe = io.StringIO()
    with progress.progress_bar("import", 1000, pipe) as bar:
        bar.update(500, 250)
    assert pipe.getvalue() == ""


def test_import_and_export_draw_the_bar_on_a_terminal(
    workdir: Path,  # noqa: F811 (the fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = Terminal()
    monkeypatch.setattr(progress, "terminal", lambda: screen)
    file = workdir / "customers.csv"
    file.write_text(CSV)
    imported = runner.invoke(cli, ["import", str(file), "--store", "SHOP"])
    assert imported.exit_code == 2, imported.output  # one row is refused
    assert "import" in screen.getvalue()
    assert "100%" in screen.getvalue()
    assert "rows/s" in screen.getvalue()
    screen.truncate(0)
    exported = runner.invoke(cli, ["export", "--store", "SHOP"])
    assert exported.exit_code == 0, exported.output
    assert "export" in screen.getvalue()
    assert "rows/s" in screen.getvalue()
    assert "rows/s" not in exported.stdout  # the data stays clean


def test_piped_import_and_export_print_the_data_and_summary_alone(
    workdir: Path,  # noqa: F811 (the fixture)
) -> None:
    file = workdir / "customers.csv"
    file.write_text(CSV)
    imported = runner.invoke(cli, ["import", str(file), "--store", "SHOP"])
    assert imported.exit_code == 2
    assert imported.stdout.count("\n") == 1  # the summary line
    assert "━" not in imported.stderr
    assert "left" not in imported.stderr
    exported = runner.invoke(cli, ["export", "--store", "SHOP"])
    assert exported.exit_code == 0
    assert exported.stderr == ""
    assert exported.stdout.startswith("id,")
