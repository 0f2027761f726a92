"""The pipeline's one way to talk HTTP: retries with backoff, Retry-After, timeouts, clean errors.

Every call a target client makes goes through :class:`RetryingHttpClient`, which gets its
``requests.Session`` from an injected factory (in-process runs mount
:func:`harness.transport.mount_wsgi` on it; live runs use a plain session). Nothing above the
transport differs between the two.

Retried: connection errors (including a connection dropped mid-response), timeouts, 5xx and
429. A 429 or 503 with ``Retry-After`` waits that long (capped, so a hostile header cannot stall
the nightly run); otherwise the wait is exponential backoff with full jitter. Any other 4xx is
the caller's mistake or the target's verdict and is not retried. How many times, how long and
how far apart is one :class:`RetryPolicy`, passed in (the configuration holds the defaults).

When it gives up, :class:`TargetError` names the target, the method, the URL path (never the
query string, which may carry a token) and what went wrong — never a header or a body, which may
carry secrets.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger("pipeline.http")

SessionFactory = Callable[[], requests.Session]

#: Statuses that say "try again later" rather than "you are wrong".
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The longest a Retry-After header may make us wait, in seconds.
MAX_RETRY_AFTER = 60.0
#: The longest one backoff wait, in seconds.
MAX_BACKOFF = 30.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a :class:`RetryingHttpClient` retries and how long it waits.

    :param retries: how many times to retry after the first attempt.
    :param backoff: the base of the exponential backoff, in seconds.
    :param timeout: seconds for connect and read, per attempt.
    :param max_retry_after: the longest a ``Retry-After`` header may make the client wait.
    """

    retries: int = 5
    backoff: float = 0.5
    timeout: float = 30.0
    max_retry_after: float = MAX_RETRY_AFTER


class TargetError(Exception):
    """A target system (lgate, m365, drill, c4th) failed or refused, after any retries.

    :param target: the target's name (``lgate``, ``m365``, ``drill``, ``c4th``).
    :param message: what went wrong, with no secret in it.
    :param status: the last HTTP status, or None when no response came.
    :param body: the parsed JSON error body when there was one (Graph and mock error shapes
        carry no secrets); kept for callers that must tell a duplicate from another 400.
    """

    def __init__(self, target: str, message: str, *, status: int | None = None,
                 body: Any = None) -> None:
        super().__init__(f"{target}: {message}")
        self.target = target
        self.message = message
        self.status = status
        self.body = body

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes, without the body
        return (TargetError, (self.target, self.message))


def safe_url(url: str) -> str:
    """The URL without its query string or credentials, fit for a log line or an error."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryingHttpClient:
    """A retrying HTTP client for one target system (the rules are in the module docstring).

    :param session_factory: makes the ``requests.Session`` (called once, lazily).
    :param target: the target's name, used in errors and logs.
    :param policy: retries, backoff and timeouts.
    :param sleep: how to wait (tests pass a recorder).
    :param rng: the jitter's random source (tests pass a seeded one).
    :param verify: requests' ``verify``: True (the system's CAs) or a CA bundle's path.
    """

    def __init__(self, session_factory: SessionFactory | None, *, target: str,
                 policy: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, verify: bool | str = True) -> None:
        self._factory = session_factory or requests.Session
        self._session: requests.Session | None = None
        self.target = target
        self.policy = policy
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.verify = verify

    def __repr__(self) -> str:
        return (f"RetryingHttpClient(target={self.target!r}, timeout={self.policy.timeout}, "
                f"retries={self.policy.retries})")

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = self._factory()
        return self._session

    def backoff_delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff for retry number ``attempt`` (0-based)."""
        ceiling = min(MAX_BACKOFF, self.policy.backoff * (2 ** attempt))
        return self.rng.uniform(ceiling / 2, ceiling)

    def request(self, method: str, url: str, *, ok: Iterable[int] = (),
                **kwargs: Any) -> requests.Response:
        """Send a request, retrying what may be retried; return the response or raise.

        :param ok: extra 4xx statuses the caller handles itself (e.g. 404 on a lookup, 400 on a
            Graph duplicate) — returned instead of raised.
        :raises TargetError: on giving up, or on a 4xx not in ``ok``.
        """
        accepted = frozenset(ok)
        retries, timeout = self.policy.retries, self.policy.timeout
        kwargs.setdefault("timeout", timeout)
        if self.verify is not True:
            kwargs.setdefault("verify", self.verify)
        where = f"{method.upper()} {urlsplit(url).path}"
        last = "no attempt made"
        status: int | None = None
        for attempt in range(retries + 1):
            wait: float | None = None
            try:
                resp = self.session.request(method, url, **kwargs)
            except requests.Timeout:
                last, status = f"{where} timed out after {timeout:g} s", None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                # ChunkedEncodingError: the socket closed while the body was read (a drop)
                last, status = f"{where}: connection failed or dropped", None
            except requests.RequestException as exc:
                raise TargetError(self.target, f"{where}: {type(exc).__name__}") from None
            else:
                status = resp.status_code
                if status < 400 or status in accepted:
                    return resp
                if status not in RETRY_STATUSES:
                    raise TargetError(self.target, f"{where} → HTTP {status}{_hint(resp)}",
                                      status=status, body=_json_or_none(resp))
                last = f"{where} → HTTP {status}{_hint(resp)}"
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if retry_after is not None:
                    wait = min(retry_after, self.policy.max_retry_after)
                resp.close()
            if attempt == retries:
                break
            if wait is None:
                wait = self.backoff_delay(attempt)
            log.info("%s: %s; retry %d/%d in %.2f s", self.target, last, attempt + 1,
                     retries, wait)
            self.sleep(wait)
        raise TargetError(self.target, f"gave up after {retries + 1} attempts: {last}",
                          status=status)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", url, **kwargs)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _hint(resp: requests.Response) -> str:
    """A short, secret-free reason from a JSON error body (Graph/mock shape), if any."""
    body = _json_or_none(resp)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        if isinstance(code, str) and code.isascii() and len(code) < 80:
            return f" ({code})"
    return ""
