"""What production refuses: settings an attacker could guess, or that send data in clear.

`bot.config.load` calls `refuse_weak` when COMEHOME_ENV is "production". Development accepts
anything, so that a laptop demo needs no secrets.
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

MIN_BITS = 128  # what a key or the webhook secret must carry, as far as its characters show


class WeakSetting(ValueError):
    """A setting production refuses; the message says which and why, never the value."""


def estimated_bits(value: bytes | str) -> float:
    """An upper estimate of a value's entropy from its own characters (Shannon, times length):
    all-equal or few-symbol values score low, random ones of 16 bytes and more high enough."""
    if not value:
        return 0.0
    counts, total = Counter(value), len(value)
    per_symbol = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_symbol * total


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_weak(
    pepper: bytes,
    chat_keys: Sequence[tuple[str, bytes]],
    webhook_url: str,
    webhook_secret: str,
    api_base_url: str,
) -> None:
    """Raise `WeakSetting` for the first weak production setting."""
    named = [("COMEHOME_PEPPER", pepper)] + [
        (f"COMEHOME_CHAT_KEYS ({key_id})", key) for key_id, key in chat_keys
    ]
    for name, key in named:
        if len(set(key)) <= 1:
            raise WeakSetting(f"{name}: every byte is the same; make one with `comehome keys new`")
        if estimated_bits(key) < MIN_BITS:
            raise WeakSetting(
                f"{name}: too little entropy (below {MIN_BITS} bits); "
                "make one with `comehome keys new`"
            )
    for key_id, key in chat_keys:
        if key == pepper:
            raise WeakSetting(f"COMEHOME_CHAT_KEYS ({key_id}) is the pepper: they must differ")
    if webhook_url and estimated_bits(webhook_secret) < MIN_BITS:
        raise WeakSetting(
            f"COMEHOME_WEBHOOK_SECRET carries less than {MIN_BITS} bits; "
            "use `comehome keys new` for it"
        )
    if urlsplit(api_base_url).scheme != "https" and not is_loopback(api_base_url):
        raise WeakSetting(
            "TELEGRAM_API_BASE_URL must be https:// (plain http only to a Bot API on this machine)"
        )
    if webhook_url and urlsplit(webhook_url).scheme != "https":
        raise WeakSetting("COMEHOME_WEBHOOK_URL must be https:// (Telegram only posts to https)")
