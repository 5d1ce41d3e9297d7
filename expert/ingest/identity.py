"""Pseudonymise identities and tag bots/staff, so no raw name or e-mail leaves a reader.

Bots are recognised by the export's own flag, by the --bot option, or by name: the `bots:` list
of knowledge/ingest.yaml holds name patterns (such as `*[bot]` or `dependabot`) in which `*`
matches any run of characters and everything else is literal, compared case-insensitively with
the account's identity, its display name and the local part of an e-mail or Matrix user id.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["pseudonym", "Identities", "BotMatch", "bot_patterns", "BOT_RULES"]

# Why an account was excluded as a bot; each rule has en/zh texts under `bot_rules:` in ingest.yaml.
BOT_RULES = ("export", "option", "name")
_EMAIL_ID = re.compile(r"^\d+\+")  # GitHub noreply addresses: 49699333+dependabot[bot]@users.noreply.github.com


class BotMatch(NamedTuple):
    """One account excluded as a bot: its pseudonym, the rule that caught it and, for names, the pattern."""

    pseudonym: str
    rule: str
    pattern: str = ""


def pseudonym(identity: str, salt: str = "") -> str:
    """Return sha256(salt + lowercased identity)[:12]: stable, short and not reversible by eye."""
    return hashlib.sha256((salt + identity.lower()).encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=8)
def _load_bot_patterns(path: Path) -> tuple[str, ...]:
    """Read the `bots:` list of one ingest.yaml once; a missing list means no name rules."""
    from expert.errors import KnowledgeError, Problem
    from expert.yamlio import load_yaml_file

    data = load_yaml_file(path) if path.is_file() else {}
    items = data.get("bots", []) if isinstance(data, dict) else []
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise KnowledgeError(Problem(f"{path}: bots", "must be a list of non-empty name patterns",
                                     "write e.g. bots: [\"*[bot]\", dependabot]"))
    return tuple(i.strip().lower() for i in items)


def bot_patterns(root: Path | str | None = None) -> tuple[str, ...]:
    """The bot name patterns of knowledge/ingest.yaml in `root` (default: the bundled knowledge)."""
    from expert.knowledge import default_knowledge_dir

    folder = Path(root) if root is not None else default_knowledge_dir()
    return _load_bot_patterns(folder / "ingest.yaml")


def _name_regex(pattern: str) -> re.Pattern:
    """Compile a name pattern: `*` is a wildcard, every other character (brackets too) is literal."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def _name_forms(*names: str) -> tuple[str, ...]:
    """Lowercased names plus the local part of e-mail addresses and Matrix ids (@local:server)."""
    forms: list[str] = []
    for name in names:
        name = name.strip().lower()
        if not name:
            continue
        forms.append(name)
        if name.startswith("@") and ":" in name:
            forms.append(name[1:].split(":", 1)[0])
        elif "@" in name:
            forms.append(_EMAIL_ID.sub("", name.rsplit("@", 1)[0]))
    return tuple(forms)


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

    __slots__ = ("salt", "bots", "staff", "names", "_cache", "_excluded", "ref")

    def __init__(self, bots: Iterable[str] = (), staff: Iterable[str] = (), salt: str = "",
                 names: Iterable[str] | None = None) -> None:
        """Keep the configured bot/staff ids or glob patterns and the bot name patterns (default: knowledge)."""
        self.salt = salt
        self.bots = _patterns(bots)
        self.staff = _patterns(staff)
        names = bot_patterns() if names is None else _patterns(names)
        self.names = tuple((pat, _name_regex(pat)) for pat in names)
        self._cache: dict[tuple, tuple[str, bool, bool]] = {}
        self._excluded: dict[str, BotMatch] = {}
        self.ref = lru_cache(maxsize=1 << 16)(self._ref)

    def resolve(self, identity: str, name: str = "", bot: bool = False, staff: bool = False, *, alias: str = ""):
        """Return (pseudonym, is_bot, is_staff) combining format flags with configuration.

        `alias` is one more name the account goes by (a Zulip sender e-mail), used only for bot names.
        """
        key = (identity, name, bot, staff, alias)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._compute(identity, name, bot, staff, alias)
        return hit

    def excluded_bots(self) -> list[BotMatch]:
        """Every account tagged as a bot so far, by pseudonym, with the rule that tagged it (no raw names)."""
        return sorted(self._excluded.values())

    def bot_rule(self, identity: str, name: str = "", bot: bool = False, alias: str = "") -> BotMatch | None:
        """Why this account is a bot (export flag, --bot, or a name pattern), or None when it is not."""
        pid = pseudonym(identity, self.salt)
        if bot:
            return BotMatch(pid, "export")
        if _matches(self.bots, tuple(c.lower() for c in (identity, name, alias, pid) if c)):
            return BotMatch(pid, "option")
        forms = _name_forms(identity, name, alias)
        for pat, regex in self.names:
            if any(regex.fullmatch(form) for form in forms):
                return BotMatch(pid, "name", pat)
        return None

    def _compute(self, identity: str, name: str, bot: bool, staff: bool, alias: str):
        """Hash the identity, apply bot rules (remembering why) and the configured staff list."""
        pid = pseudonym(identity, self.salt)
        match = self.bot_rule(identity, name, bot, alias)
        if match is not None and pid not in self._excluded:
            self._excluded[pid] = match
        cands = tuple(c.lower() for c in (identity, name, pid) if c)
        return pid, match is not None, staff or _matches(self.staff, cands)

    def _ref(self, identity: str | None) -> str | None:
        """Pseudonymise a reference (actor or message id) that may itself reveal identity."""
        if identity is None or identity == "":
            return None
        return pseudonym(identity, self.salt)
