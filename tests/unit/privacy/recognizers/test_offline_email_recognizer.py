import socket

import pytest

from privacy.recognizers.offline_email_recognizer import OfflineEmailRecognizer

CASES = [
    ("john.smith@example.com", ["john.smith@example.com"]),
    ("write to jane@hospital.org today", ["jane@hospital.org"]),
    ("Email: a.b-c@mail.health.ny.gov", ["a.b-c@mail.health.ny.gov"]),
    # Negatives
    ("user@localhost", []),  # no public suffix
    ("a@b.c", []),
    ("not an email", []),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_emails(recognize, text, expected):
    found = recognize(OfflineEmailRecognizer, text)
    assert [m for _, m, _ in found] == expected
    assert all(entity == "EMAIL_ADDRESS" and score == 1.0 for entity, _, score in found)


def test_validation_never_uses_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert OfflineEmailRecognizer().validate_result("someone@example.co.uk")
