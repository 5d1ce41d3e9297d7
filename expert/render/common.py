"""Localised labels shared by the text renderers."""
from __future__ import annotations

from ..knowledge import KnowledgeBase
from ..plan import Plan, PlannedAction

__all__ = ["Labels"]


class Labels:
    """Headings, phases and efforts in the plan's language, from knowledge/messages.yaml."""

    def __init__(self, kb: KnowledgeBase, plan: Plan) -> None:
        self.kb, self.lang, self.plan = kb, plan.lang, plan

    def __call__(self, key: str, **values) -> str:
        return self.kb.message(key, self.lang, **values)

    def phase(self, action: PlannedAction) -> str:
        return self(f"phase_{action.phase}")

    def effort(self, action: PlannedAction) -> str:
        return self(f"effort_{action.effort}")

    def tier(self, tier: str) -> str:
        return self(f"tier_{tier}")

    def review(self, action: PlannedAction) -> str:
        return self("review_in_days", days=action.review_after_days)

    def diagnosis_title(self, diagnosis_id: str) -> str:
        found = self.plan.diagnosis(diagnosis_id)
        return found.title if found else diagnosis_id

    def core_diagnoses(self):
        """Diagnoses shown in the main table: not anti-patterns, referrals or violations."""
        hidden = ("avoid.", "referral.", "violation.")
        return [d for d in self.plan.diagnoses if not d.id.startswith(hidden)]

    def differential_lines(self) -> list[str]:
        """One line per family of competing causes: standings, what is ruled out, what settles it."""
        lines = []
        for diff in self.plan.differentials:
            title = lambda d: self.kb.diagnoses[d].title.get(self.lang) if d in self.kb.diagnoses else d  # noqa: E731
            text = " · ".join(f"{title(d)} {c:.2f}" for d, c in diff.candidates.items())
            if diff.ruled_out:
                text += f"; {self('ruled_out')}: " + ", ".join(title(d) for d in diff.ruled_out)
            if diff.note:
                text += f". {diff.note}"
            lines.append(text)
        return lines
