"""Pseudonymise identities and tag bots/staff, so no raw name or e-mail leaves a reader."""
from __future__ import annotations

import hashlib
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Iterable

__all__ = ["pseudonym", "Identities"]


def pseudonym(identity: str, salt: str = "") -> str:
    """Return sha256(salt + lowercased identity)[:12]: stable, short and not reversible by eye."""
    return hashlib.sha256((salt + identity.lower()).encode("utf-8")).hexdigest()[:12]


def _patterns(items: Iterable[str]) -> tuple[str, ...]:
    """Normalise configured ids/patterns to lowercase for case-insensitive matching."""
    return tuple(str(item).lower() for item in items if str(item).strip())


def _matches(patterns: tuple[str, ...], candidates: tuple[str, ...]) -> bool:
    """True when any candidate equals or glob-matches any pattern."""
    for pat in patterns:
        for cand in candidates:
            if cand == pat or fnmatchcase(cand, pat):
                return True
    return False


class Identities:
    """Map raw identities to (pseudonym, is_bot, is_staff), cached per identity for speed."""

    __slots__ = ("salt", "bots", "staff", "_cache", "ref")

    def __init__(self, bots: Iterable[str] = (), staff: Iterable[str] = (), salt: str = "") -> None:
        """Keep the configured bot/staff ids or glob patterns (raw ids, names or pseudonyms)."""
        self.salt = salt
        self.bots = _patterns(bots)
        self.staff = _patterns(staff)
        self._cache: dict[tuple, tuple[str, bool, bool]] = {}
        self.ref = lru_cache(maxsize=1 << 16)(self._ref)

    def resolve(self, identity: str, name: str = "", bot: bool = False, staff: bool = False):
        """Return (pseudonym, is_bot, is_staff) combining format flags with configuration."""
        key = (identity, name, bot, staff)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._compute(identity, name, bot, staff)
        return hit

    def _compute(self, identity: str, name: str, bot: bool, staff: bool):
        """Hash the identity and apply the '[bot]' suffix rule and configured lists."""
        pid = pseudonym(identity, self.salt)
        cands = tuple(c.lower() for c in (identity, name, pid) if c)
        is_bot = bot or any(c.endswith("[bot]") for c in cands) or _matches(self.bots, cands)
        is_staff = staff or _matches(self.staff, cands)
        return pid, is_bot, is_staff

    def _ref(self, identity: str | None) -> str | None:
        """Pseudonymise a reference (actor or message id) that may itself reveal identity."""
        if identity is None or identity == "":
            return None
        return pseudonym(identity, self.salt)
