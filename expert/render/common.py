"""Localised labels shared by the text renderers."""
from __future__ import annotations

from expert.knowledge import KnowledgeBase, fill
from expert.knowledge.planning import planning_of
from expert.model.plan import DiagnosisResult, Plan, PlannedAction
from expert.textsafe import TEXT_LIMIT, clip, grouped

__all__ = ["Labels"]



class Labels:
    """Headings, phases and efforts in the plan's language, from knowledge/messages.yaml."""

    def __init__(self, kb: KnowledgeBase, plan: Plan) -> None:
        self.kb, self.lang, self.plan = kb, plan.lang, plan

    def __call__(self, key: str, **values) -> str:
        """The message ``key`` in the plan's language, placeholders filled."""
        return self.kb.message(key, self.lang, **values)

    def phase(self, action: PlannedAction) -> str:
        """When the action starts, in words."""
        return self(f"phase_{action.phase}")

    def effort(self, action: PlannedAction) -> str:
        """How much work the action is, in words."""
        return self(f"effort_{action.effort}")

    def tier(self, tier: str) -> str:
        """The plan tier (stop harm, repair, ...) in words."""
        return self(f"tier_{tier}")

    def review(self, action: PlannedAction) -> str:
        """When to review the action, in words (and the date, when the plan has one)."""
        days = self("review_in_days", days=action.review_after_days)
        return f"{days}, {self.planning('review_on', date=action.review_on)}" if action.review_on else days

    def planning(self, key: str, **values) -> str:
        """A string of knowledge/planning.yaml in the plan's language, placeholders filled."""
        return fill(planning_of(self.kb).text(key, self.lang), values)

    def certainty(self, d: DiagnosisResult) -> str:
        """A certainty as a number and in words (suspected, likely, established, or stated)."""
        return f"{d.certainty:.2f} {d.certainty_word}".strip()

    def action_extras(self, action: PlannedAction) -> list[str]:
        """The target, the gating or team note and the hedge of an action, as lines."""
        lines = [f"{self.planning('target')}: {action.target}"] if action.target else []
        return lines + [text for text in (action.note, action.hedged) if text]

    def plan_parts(self) -> list[tuple[str, list[PlannedAction]]]:
        """The plan in two parts, each with its heading: now and this week, then later."""
        parts = [(self.planning("heading_main"), self.plan.main_actions()), (self.planning("heading_later"), self.plan.later_actions())]
        return [(title, actions) for title, actions in parts if actions]

    def diagnosis_title(self, diagnosis_id: str) -> str:
        """The title of a reported diagnosis (its id if it is not in the plan)."""
        found = self.plan.diagnosis(diagnosis_id)
        return found.title if found else diagnosis_id

    def table_diagnoses(self) -> list[DiagnosisResult]:
        """Diagnoses for the main table, in the plan's order (the order of the JSON, so every format agrees);
        anti-patterns and referrals, as the plan lists them, have sections of their own."""
        apart = set(self.plan.anti_patterns) | set(self.plan.referrals)
        return [d for d in self.plan.diagnoses if d.id not in apart]

    def warning_lines(self) -> list[str]:
        """The plan's warnings as shown: identical ones once with "(×N)", at most WARNINGS_SHOWN,
        then how many more were left out (so a flood of unknown tactics stays short and quick)."""
        shown, left_out = grouped(self.plan.warnings)
        lines = [clip(text, TEXT_LIMIT - 20) if count == 1 else
                 self("warning_repeated", text=clip(text, TEXT_LIMIT - 20), count=count) for text, count in shown]
        return lines + ([self("lines_left_out", count=left_out)] if left_out else [])

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
