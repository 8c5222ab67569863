"""``python -m clientbook``: the same commands as the ``clientbook`` entry point."""

from clientbook.cli import app

app(prog_name="clientbook")
