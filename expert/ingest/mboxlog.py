"""mbox / pipermail archive reader: From for the actor, Date, In-Reply-To/References for threads."""
from __future__ import annotations

import mailbox
from collections.abc import Iterator
from datetime import datetime
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, Text
from expert.ingest.timeparse import UTC

__all__ = ["read_mbox"]


def read_mbox(path, ids: Identities) -> Iterator[Event]:
    """Iterate messages lazily via the mailbox module, skipping ones without a usable From/Date."""
    path = Path(path)
    try:
        box = mailbox.mbox(path, create=False)
        keys = box.iterkeys()
    except (OSError, mailbox.Error) as exc:
        raise IngestError(path, Text("mbox_cannot_open", {"detail": str(exc)}), Text("hint_mbox")) from exc
    try:
        for key in keys:
            ev = _message_event(box.get_message(key), ids)
            if ev is not None:
                yield ev
    finally:
        box.close()


def _sender(msg) -> tuple[str, str]:
    """Return (e-mail, display name); pipermail's 'user at host' obfuscation is undone."""
    raw = str(msg.get("From") or "").replace(" at ", "@")
    pairs = getaddresses([raw])
    name, addr = pairs[0] if pairs else ("", "")
    return addr.strip(), name.strip()


def _date(msg) -> datetime | None:
    """Parse the Date header to aware UTC (naive dates are taken as UTC); None when unparseable."""
    try:
        dt = parsedate_to_datetime(str(msg.get("Date")))
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: year 1 or 9999 shifted by its zone
        return None


def _ids(header) -> list[str]:
    """Extract <message-id> tokens from In-Reply-To / References headers."""
    return [tok for tok in str(header or "").replace(">", "> ").split() if tok.startswith("<") and tok.endswith(">")]


def _message_event(msg, ids: Identities) -> Event | None:
    """Thread = first References id (or In-Reply-To, or own id); message ids are hashed too."""
    addr, name = _sender(msg)
    when = _date(msg)
    if when is None or not (addr or name):
        return None
    pid, is_bot, is_staff = ids.resolve(addr or f"name:{name}", name)
    own_ids = _ids(msg.get("Message-ID"))
    own = own_ids[0] if own_ids else None
    parents = _ids(msg.get("In-Reply-To")) or _ids(msg.get("References"))[-1:]
    refs = _ids(msg.get("References"))
    root = refs[0] if refs else parents[0] if parents else own
    return Event(when, pid, "reply" if parents else "post", ids.ref(root),
                 ids.ref(parents[0]) if parents else None, None, is_staff, is_bot, ids.ref(own))
