"""Pytest plugin: no log record written during the whole suite carries a secret.

Logs are read by more people than the records are (hosting staff, CI, whoever gets the
server's disk), so names, testimony, passwords and session ids must never reach them.
This plugin

- installs one handler on the root logger at session start (level DEBUG; the root and
  the project's own `bordermonitor` logger are lowered to DEBUG too), and on every
  logger that does not propagate, so it sees every record written in this process;
- gathers the sensitive values the suite really produces, from the places they pass
  through rather than from a hard-coded list: the plaintext of every encrypted field
  being saved (pre_save on every model), every session key saved or created at
  sign-in, every raw password hashed or checked by Django's auth;
- at the end, fails the run if any record's text holds one of them (values of at least
  five characters, so short words do not match by chance).  The report names the
  logger, the level and the kind of value, never the value itself: a CI log is a log.

Records written in subprocesses (the CLI tests) are not seen here.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_LENGTH = 5
# Leaves of a JSON field (an intake draft's form data) that are not free text: record
# codes (which logs are meant to carry), dates, vocabulary and country codes.  Names
# and testimony have capitals, spaces or non-ASCII letters, so they are still gathered.
NOT_FREE_TEXT = re.compile(r"^(?:[A-Z]{1,3}-\d{4}-\d{5}|\d{4}-\d{2}(?:-\d{2})?|[a-z0-9_.:-]+)$")


@dataclass(frozen=True)
class Entry:
    """What a log record put into the log: the logger, level and full text."""

    logger: str
    level: str
    text: str


@dataclass(frozen=True)
class Leak:
    logger: str
    level: str
    kind: str

    def describe(self) -> str:
        return f"logger {self.logger!r} ({self.level}) wrote {self.kind}"


@dataclass
class Secrets:
    """Sensitive values seen during the run, each with the kind of value it is."""

    kinds: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, value: object, kind: str) -> None:
        """Gather a value; in a structure (a JSON field), only its free-text leaves."""
        structured = not isinstance(value, str)
        for text in _strings_in(value):
            text = text.strip()
            if len(text) < MIN_LENGTH or (structured and NOT_FREE_TEXT.match(text)):
                continue
            with self.lock:
                self.kinds.setdefault(text, kind)

    def __len__(self) -> int:
        return len(self.kinds)


def _strings_in(value: object) -> Iterable[str]:
    """Every string in a value: itself, or the leaves of a JSON-like structure."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_in(item)


class CapturingHandler(logging.Handler):
    """Keeps the full text of every record (message, exception, stack) it is given."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.entries: list[Entry] = []
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record whose message cannot be built still counts
            text = f"{record.msg!r} {record.args!r}"
        self.entries.append(Entry(record.name, record.levelname, text))


def find_leaks(entries: Iterable[Entry], secrets: Secrets) -> list[Leak]:
    """Every (logger, level, kind of value) where a record's text holds a secret."""
    entries = list(entries)
    if not entries:
        return []
    leaks: dict[tuple[str, str, str], Leak] = {}
    # One pass per secret over all the text, then find which records matched.
    everything = "\n".join(entry.text for entry in entries)
    with secrets.lock:
        found = [(value, kind) for value, kind in secrets.kinds.items() if value in everything]
    for value, kind in found:
        for entry in entries:
            if value in entry.text:
                leak = Leak(entry.logger, entry.level, kind)
                leaks[(leak.logger, leak.level, leak.kind)] = leak
    return list(leaks.values())


# -- gathering the values ------------------------------------------------------------


def collect_sensitive_values(secrets: Secrets) -> None:
    """Connect to the places sensitive values pass through (Django and our fields)."""
    import django.contrib.auth.base_user as base_user
    import django.contrib.auth.hashers as hashers
    from django.contrib.auth.signals import user_logged_in
    from django.db.models.signals import pre_save

    from bordermonitor.core.fields import _EncryptedField, _Sealed

    def sealed_values(sender, instance, **kwargs) -> None:
        if sender._meta.label == "sessions.Session":
            secrets.add(instance.session_key, "a session key")
        for model_field in sender._meta.concrete_fields:
            if isinstance(model_field, _EncryptedField):
                value = instance.__dict__.get(model_field.attname)
                if value is not None and not isinstance(value, _Sealed):
                    secrets.add(value, f"the plaintext of {sender._meta.label}.{model_field.name}")

    def signed_in(sender, request, user, **kwargs) -> None:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            secrets.add(session.session_key, "a session key")

    pre_save.connect(sealed_values, weak=False, dispatch_uid="log-capture-sealed")
    user_logged_in.connect(signed_in, weak=False, dispatch_uid="log-capture-session")

    # Raw passwords: Django hashes and checks them in these two functions; base_user
    # holds its own reference to each, so both modules get the recording wrapper.
    original_make, original_check = hashers.make_password, hashers.check_password

    def make_password(password, *args, **kwargs):
        if isinstance(password, str):
            secrets.add(password, "a password")
        return original_make(password, *args, **kwargs)

    def check_password(password, *args, **kwargs):
        if isinstance(password, str):
            secrets.add(password, "a password")
        return original_check(password, *args, **kwargs)

    for module in (hashers, base_user):
        module.make_password = make_password
        module.check_password = check_password


# -- the plugin hooks ----------------------------------------------------------------

_handler = CapturingHandler()
_secrets = Secrets()
_extra_loggers: list[logging.Logger] = []


def captured_entries() -> list[Entry]:
    """What the session-wide handler holds so far (for the plugin's own test)."""
    return list(_handler.entries)


def session_secrets() -> Secrets:
    return _secrets


def _install() -> None:
    """Put the handler in place (again): any later `django.setup()`, e.g. importing
    `bordermonitor.wsgi`, re-runs the LOGGING dictConfig, which drops root's handlers."""
    root = logging.getLogger()
    if _handler not in root.handlers:
        root.addHandler(_handler)
    root.setLevel(logging.DEBUG)
    logging.getLogger("bordermonitor").setLevel(logging.DEBUG)  # our own debug lines too
    for logger in list(logging.root.manager.loggerDict.values()):
        stops = isinstance(logger, logging.Logger) and not logger.propagate
        if stops and _handler not in logger.handlers:
            logger.addHandler(_handler)  # e.g. django.server: it does not reach root
            _extra_loggers.append(logger)


def pytest_sessionstart(session) -> None:
    # After pytest-django has set Django up and the project's LOGGING has run.
    _install()
    collect_sensitive_values(_secrets)


def pytest_collection_finish(session) -> None:
    _install()  # test modules imported during collection may have set Django up again


def pytest_runtest_setup(item) -> None:
    _install()


def pytest_sessionfinish(session, exitstatus) -> None:
    logging.getLogger().removeHandler(_handler)
    for logger in _extra_loggers:
        logger.removeHandler(_handler)
    leaks = find_leaks(_handler.entries, _secrets)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaks:
        lines = [
            "LOG LEAK: sensitive values were written to the log (values not shown):",
            *(f"  {leak.describe()}" for leak in leaks),
        ]
        if reporter:
            reporter.write_line("\n".join(lines), red=True)
        session.exitstatus = 1
    elif reporter:
        reporter.write_line(
            f"log capture: {len(_handler.entries)} log records checked against "
            f"{len(_secrets)} sensitive values, none found"
        )
