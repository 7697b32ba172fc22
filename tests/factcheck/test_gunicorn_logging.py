from core.redaction import redact


def test_api_keys_are_redacted_from_access_log_lines():
    line = "GET /api/v1/claims/?q=funeral&key=fck_ab12cd34_SECRET&page_size=5 HTTP/1.1"
    assert redact(line) == "GET /api/v1/claims/?q=funeral&key=[redacted]&page_size=5 HTTP/1.1"
    assert redact("key=fck_1_SECRET") == "key=[redacted]"
    assert redact("monkey=1&q=x") == "monkey=1&q=x"
