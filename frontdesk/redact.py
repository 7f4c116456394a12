"""Secrets never reach manifests, logs, caches or reports.

Two tools, for two kinds of data:

- :func:`redact` works on structured data (a configuration, a request): values of secret-looking
  keys become ``***`` and credentials inside URLs (``http://user:pass@host``) are masked.
- :func:`scrub` works on text (an error message, a line about to be written): every secret value
  this process knows is replaced by ``***`` wherever it appears, whatever key it came under, along
  with credentials in any URL and ``Bearer`` tokens.

The secrets :func:`scrub` knows are collected once, at first use, from the environment (every
variable whose name looks secret, such as ``OPENAI_API_KEY``, ``HF_TOKEN``, ``DB_PASSWORD``, or
whose value is a URL with credentials), plus whatever :func:`register_secret` and
:func:`register_secrets_in` were given (the LLM layer registers the secret parameters of every
model it calls). :func:`refresh_environment` reads the environment again.
"""

from __future__ import annotations

import os
import re
import threading
import urllib.parse
from typing import Any

# Whole-name matches ("api_key", "x-api-key", "aws_secret_access_key", "Authorization"), so that
# sampling parameters such as "max_tokens" are kept: they change results and belong in the hash.
_SECRET_KEY = re.compile(
    r"(^|[_-])(api[_-]?key|key|key[_-]id|token|secret|password|passwd|authorization|credentials?)$", re.IGNORECASE
)
REDACTED = "***"

# Shorter values are left alone: scrubbing "1" or "true" would mangle every text it appears in.
MIN_SECRET_LENGTH = 8

# The userinfo of a URL inside text: after "://", up to an "@" that comes before any "/", space or quote.
_URL_USERINFO = re.compile(r"://([^/\s@\"'<>\\]+)@")
# "Bearer <token>" (tokens are long: the English word "bearer" is left alone), and a Basic
# credential only where it is plainly a header value ("basic" is a common word).
_BEARER = re.compile(r"\b(Bearer|Authorization[\"']?\s*[:=]\s*[\"']?(?:Basic|Bearer))\s+[A-Za-z0-9._~+/=-]{16,}")


def is_secret_key(name: str) -> bool:
    """A parameter, header or environment variable name whose value is a secret."""
    return bool(_SECRET_KEY.search(name))


def split_url_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``(url without userinfo, user, password)``; user and password are None when absent.

    Only strings that are URLs with a scheme and host are touched; anything else comes back as is.
    """
    if "@" not in url or "://" not in url:
        return url, None, None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url, None, None
    if not parts.scheme or "@" not in parts.netloc:
        return url, None, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, sep, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=host))
    return clean, urllib.parse.unquote(user), urllib.parse.unquote(password) if sep else None


def _mask_url(value: str) -> str:
    clean, user, password = split_url_credentials(value)
    if user is None and password is None:
        return value
    scheme, rest = clean.split("://", 1)
    return f"{scheme}://{REDACTED}@{rest}"


def redact(value: Any) -> Any:
    """Replace the values of secret-looking keys and the credentials in URLs, at any depth."""
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_key(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _mask_url(value)
    return value


# --- scrub ---------------------------------------------------------------------------------------

_lock = threading.Lock()
_registered: set[str] = set()
_environment: set[str] | None = None  # None: not read yet
_ordered: tuple[str, ...] | None = None  # every known secret, longest first; None: to be rebuilt


def _url_secrets(value: str) -> list[str]:
    _, user, password = split_url_credentials(value)
    found = [password] if password else []
    if user and password is not None:
        found.append(f"{user}:{password}")
    return found


def _from_environment() -> set[str]:
    found: set[str] = set()
    for name, value in os.environ.items():
        if is_secret_key(name) or name.upper().endswith(("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD", "_PASS")):
            found.add(value)
        found.update(_url_secrets(value))
    return {v for v in found if len(v) >= MIN_SECRET_LENGTH}


def refresh_environment() -> None:
    """Read the environment's secrets again (after a variable was set while the process runs)."""
    global _environment, _ordered
    with _lock:
        _environment = _from_environment()
        _ordered = None


def register_secret(value: Any) -> None:
    """Make :func:`scrub` remove ``value`` from every text from now on (ignored if too short to be one)."""
    global _ordered
    if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value in _registered:
        return
    with _lock:
        _registered.add(value)
        _ordered = None


def register_secrets_in(value: Any) -> None:
    """Register every secret in structured data: values of secret-looking keys, URL credentials."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if is_secret_key(str(k)) and isinstance(v, (str, int)):
                    register_secret(str(v))
                else:
                    stack.append(v)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, str):
            for secret in _url_secrets(item):
                register_secret(secret)


def known_secrets() -> tuple[str, ...]:
    """Every secret :func:`scrub` removes, longest first (so a secret containing another goes whole)."""
    global _environment, _ordered
    ordered = _ordered
    if ordered is None:
        with _lock:
            if _environment is None:
                _environment = _from_environment()
            ordered = _ordered = tuple(sorted(_environment | _registered, key=len, reverse=True))
    return ordered


def scrub(text: str) -> str:
    """``text`` with every known secret, every URL's credentials and every bearer token replaced by ``***``.

    Cheap enough to call on every line written: a substring test per known secret, and regular
    expressions only when the text holds a URL with an ``@``, "Bearer" or "Authorization".
    """
    if not isinstance(text, str):
        return text
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "://" in text and "@" in text:
        text = _URL_USERINFO.sub(f"://{REDACTED}@", text)
    if "Bearer" in text or "uthorization" in text:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return text
