"""Log lines are JSON with what operators need, and no e-mail or phone number in clear."""

import json

import pytest
import structlog

from clientbook import logging


def test_personal_data_is_masked_and_our_own_values_are_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.configure("INFO", json=True)
    log = structlog.get_logger("test")
    log.info(
        "import_failed",
        detail="ada@example.com called from +48 512 345 678",
        request_id="20261123-1234-5678",
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["detail"] == "[email] called from [phone]"
    assert line["request_id"] == "20261123-1234-5678"
    assert line["timestamp"].startswith("20")  # an ISO time, not "[phone]T..."
    assert "[phone]" not in line["timestamp"]
    assert line["level"] == "info"
