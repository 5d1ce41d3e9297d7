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
