"""Credentials: where a call's come from, credentials written into a URL, and errors about them.

**Credentials in ``api_base``** (``http://user:pass@host/v1``, e.g. a reverse proxy with Basic
auth in front of a self-hosted server). Neither transport can send them as written (aiohttp
refuses a URL with credentials next to an Authorization header; litellm's client fails to
connect), and a URL is printed in too many places to carry a password. So, for both transports:

1. the userinfo is always removed from the URL that is used;
2. an ``api_key`` passed in the call's parameters is sent as ``Authorization: Bearer <key>`` and
   the URL's credentials are dropped: only one Authorization header can be sent, and the
   parameter is the documented, explicit way to authenticate;
3. otherwise the URL's credentials are sent as ``Authorization: Basic`` (RFC 7617), and an API key
   from the environment (``OPENAI_API_KEY``…) is *not* sent: credentials written into this
   endpoint's address say how to authenticate to it, and a global key meant for the provider
   should not travel to a host that authenticates its own way;
4. an ``Authorization`` header in ``extra_headers`` overrides all of the above.

**Credential errors** (401/403, litellm's AuthenticationError/PermissionDeniedError, an SDK's
"missing credentials") are never transient: no retry and no rerun fixes them. They raise
:class:`frontdesk.errors.CredentialError` at once, one line naming the provider and what to set.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from typing import Any

from frontdesk.errors import CredentialError
from frontdesk.llm.limits import provider_of
from frontdesk.llm.output import exception_chain
from frontdesk.redact import is_secret_key, scrub, split_url_credentials

BASE_PARAMS = ("api_base", "base_url")
# litellm's OpenAI client refuses to start without some api_key; when the URL's credentials are
# the ones sent, this stands in for it (the Authorization header it would make is replaced).
URL_CREDENTIALS_KEY = "unused-credentials-are-in-the-url"

# What SDKs say when no key was found before any request was sent.
_MISSING = re.compile(
    r"missing credentials|api_key client option must be set|missing [\w ]{0,40}api[ _-]?key|"
    r"no api[ _-]?key (?:was )?(?:provided|found|set)|api[ _-]?key (?:is )?(?:not set|required)",
    re.IGNORECASE,
)
_CREDENTIAL_CLASSES = frozenset({"AuthenticationError", "PermissionDeniedError"})


@functools.lru_cache(maxsize=256)
def strip_url_credentials(url: str) -> tuple[str, str | None]:
    """``(url without userinfo, "Basic …" header value or None)``."""
    clean, user, password = split_url_credentials(url)
    if user is None and password is None:
        return url, None
    token = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode("ascii")
    return clean, f"Basic {token}"


def _has_authorization(headers: Any) -> bool:
    return isinstance(headers, dict) and any(str(k).lower() == "authorization" for k in headers)


def with_url_credentials(params: dict[str, Any]) -> dict[str, Any]:
    """The call's parameters with URL credentials applied by the rules above (for litellm).

    Returns ``params`` itself when no URL carries credentials (the common case costs nothing).
    """
    found = next((k for k in BASE_PARAMS if isinstance(params.get(k), str) and "@" in params[k]), None)
    if found is None:
        return params
    clean, basic = strip_url_credentials(params[found])
    if basic is None:
        return params
    params = {**params, found: clean}
    if not params.get("api_key"):
        headers = dict(params.get("extra_headers") or {})
        if not _has_authorization(headers):
            headers["Authorization"] = basic
        params["extra_headers"] = headers
        params["api_key"] = URL_CREDENTIALS_KEY
    return params


def credential_problem(error: BaseException) -> str | None:
    """``"missing"`` or ``"rejected"`` if ``error`` is about credentials, else None."""
    for link in exception_chain(error):
        if _MISSING.search(str(link)):
            return "missing"
        names = {c.__name__ for c in type(link).__mro__}
        if names & _CREDENTIAL_CLASSES or str(getattr(link, "status_code", "")) in ("401", "403"):
            return "rejected"
    return None


@functools.lru_cache(maxsize=256)
def litellm_provider(model: str) -> str | None:
    """The provider litellm routes ``model`` to; None when litellm cannot tell."""
    try:
        from frontdesk.llm.client import import_litellm  # lazy: client imports this module

        return str(import_litellm().get_llm_provider(model=model)[1])
    except Exception:
        return None


def provider_name(model: str) -> str:
    """litellm's provider for ``model``, else the one its prefix names (as the limiter keys it)."""
    return litellm_provider(model) or provider_of(model)


def key_variables(model: str, provider: str) -> list[str]:
    """The environment variables that hold ``model``'s key: litellm's list of missing ones, else
    the provider's secret-looking variables that are set, else ``<PROVIDER>_API_KEY``."""
    try:
        from frontdesk.llm.client import import_litellm

        missing = list(import_litellm().validate_environment(model=model).get("missing_keys") or [])
    except Exception:
        missing = []
    if missing:
        return missing
    prefix = re.sub(r"\W", "_", provider.upper()) + "_"
    present = sorted(name for name in os.environ if name.startswith(prefix) and is_secret_key(name))
    return present or [f"{prefix}API_KEY"]


def credential_error(model: str, params: dict[str, Any], problem: str, detail: str) -> CredentialError:
    """One line: which provider, what went wrong, and what to set."""
    provider = provider_name(model)
    detail = " ".join(scrub(detail).split())[:200]
    base = next((params[k] for k in BASE_PARAMS if isinstance(params.get(k), str)), "")
    if params.get("api_key") and params.get("api_key") != URL_CREDENTIALS_KEY:
        source = "the api_key parameter (--llm-param api_key=…)"
    elif strip_url_credentials(base)[1] is not None:
        source = "the user:password in api_base"
    else:
        source = " or ".join(key_variables(model, provider))
    if problem == "missing":
        return CredentialError(f"{model}: no credentials for provider {provider!r}: set {source} ({detail})")
    return CredentialError(
        f"{model}: provider {provider!r} rejected the credentials ({detail}); check {source}, then rerun"
    )
