"""Webhooks: consumers register a URL and are told, signed and with retries, when a verdict is
published, corrected or retracted."""
