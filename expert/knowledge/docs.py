"""A readable markdown catalogue of the knowledge base, generated straight from the YAML.

``expert knowledge docs`` writes it to docs/knowledge.md (docs/knowledge.zh.md with --lang zh);
a test regenerates it and compares, so the committed catalogue never drifts from the knowledge.
Output is deterministic: the same knowledge gives the same bytes.
"""
from __future__ import annotations

from expert.knowledge import PHASES, TIERS, KnowledgeBase
from expert.knowledge.describe import describe_condition, range_bound, value_label

__all__ = ["render_catalogue", "catalogue_name"]


def catalogue_name(lang: str) -> str:
    """File name of the catalogue in one language."""
    return "knowledge.md" if lang == "en" else f"knowledge.{lang}.md"


def _anchor(ident: str) -> str:
    """A markdown anchor for an id."""
    return ident.replace(".", "-").replace("_", "-").lower()


def _cell(text: str) -> str:
    """Text made safe for one markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_catalogue(kb: KnowledgeBase, lang: str = "en") -> str:
    """The whole catalogue as one markdown document."""
    m = lambda key, **v: kb.message(key, lang, **v)  # noqa: E731
    out = [f"# {m('docs_title')}", "",
           m("docs_intro", diagnoses=len(kb.diagnoses), rules=len(kb.rules), actions=len(kb.actions),
             tactics=len(kb.tactics), facts=len(kb.facts) + len(kb.derived)), ""]
    out += _diagnoses(kb, lang, m)
    out += _rules(kb, lang, m)
    out += _actions(kb, lang, m)
    out += _tactics(kb, lang, m)
    out += _facts(kb, lang, m)
    return "\n".join(out).rstrip() + "\n"


def _diagnoses(kb: KnowledgeBase, lang: str, m) -> list[str]:
    """The diagnoses section, most urgent first, with rules, actions and references."""
    out = [f"## {m('docs_diagnoses')}", ""]
    for diag in sorted(kb.diagnoses.values(), key=lambda d: (d.priority, d.id)):
        out += [f"### {diag.title.get(lang)} `{diag.id}`", "",
                m("explain_diag_meta", family=diag.family, priority=diag.priority, threshold=f"{diag.threshold:g}"), "",
                diag.summary.get(lang), ""]
        producers = [r for r in kb.rules if r.diagnosis == diag.id]
        if producers:
            out.append(f"**{m('explain_led_by')}:** " + ", ".join(f"[`{r.id}`](#rule-{_anchor(r.id)}) ({r.cf:+g})" for r in producers))
            out.append("")
        if diag.actions:
            out.append(f"**{m('explain_actions')}:** " + ", ".join(
                f"[{kb.actions[a].title.get(lang)}](#action-{_anchor(a)})" for a in diag.actions if a in kb.actions))
            out.append("")
        refs = list(dict.fromkeys([*diag.references, *(ref for r in producers for ref in r.references)]))
        if refs:
            out += [f"**{m('explain_references')}:** " + ", ".join(f"<{r}>" for r in refs), ""]
    return out


def _rules(kb: KnowledgeBase, lang: str, m) -> list[str]:
    """The rules section, one sub-heading per rule file, each condition in words."""
    out = [f"## {m('docs_rules')}", ""]
    files = sorted({r.file for r in kb.rules})
    for file in files:
        out += [f"### {m('docs_rule_file', file=f'rules/{file}')}", ""]
        for rule in (r for r in kb.rules if r.file == file):
            diag = kb.diagnoses.get(rule.diagnosis)
            title = diag.title.get(lang) if diag else rule.diagnosis
            out += [f'<a id="rule-{_anchor(rule.id)}"></a>', f"#### `{rule.id}`", "",
                    m("explain_concludes", diagnosis=f"**{title}** (`{rule.diagnosis}`)", cf=f"{rule.cf:+g}"), "",
                    f"{m('explain_when')}:", ""]
            out += describe_condition(kb, rule.when, lang)
            out += ["", f"{m('explain_evidence')}: “{rule.evidence.get(lang)}”", ""]
            if rule.references:
                out += [f"{m('explain_references')}: " + ", ".join(f"<{r}>" for r in rule.references), ""]
    return out


def _actions(kb: KnowledgeBase, lang: str, m) -> list[str]:
    """The actions section in plan order (tier, phase, order)."""
    out = [f"## {m('docs_actions')}", ""]
    ordered = sorted(kb.actions.values(), key=lambda a: (TIERS.index(a.tier), PHASES.index(a.phase), a.order, a.id))
    for action in ordered:
        callers = [d.id for d in kb.diagnoses.values() if action.id in d.actions]
        out += [f'<a id="action-{_anchor(action.id)}"></a>', f"### {action.title.get(lang)} `{action.id}`", "",
                m("explain_details", kind=action.kind, tier=m(f"tier_{action.tier}"), phase=m(f"phase_{action.phase}"),
                  effort=m(f"effort_{action.effort}"), review=m("review_in_days", days=action.review_after_days)), "",
                action.description.get(lang), "",
                f"- **{m('col_behaviour')}:** {action.behaviour.get(lang)}",
                f"- **{m('col_success')}:** {action.success_metric.get(lang)}",
                f"- **{m('col_guardrail')}:** {action.guardrail_metric.get(lang)}",
                f"- **{m('col_owner')}:** {action.owner.get(lang)}"]
        if callers:
            out.append(f"- **{m('col_for')}:** " + ", ".join(f"{kb.diagnoses[d].title.get(lang)} (`{d}`)" for d in callers))
        if action.references:
            out.append(f"- **{m('explain_references')}:** " + ", ".join(f"<{r}>" for r in action.references))
        out.append("")
    return out


def _tactics(kb: KnowledgeBase, lang: str, m) -> list[str]:
    """The tactics table, forbidden ones first."""
    out = [f"## {m('docs_tactics')}", "",
           f"| id | {m('kind_tactic')} | {m('docs_col_value')} | {m('explain_synonyms')} |", "|---|---|---|---|"]
    for tactic in sorted(kb.tactics.values(), key=lambda t: (not t.forbidden, t.id)):
        verdict = m("explain_forbidden" if tactic.forbidden else "explain_allowed")
        synonyms = ", ".join([*tactic.synonyms_en, *tactic.synonyms_zh])
        out.append(f"| `{tactic.id}` | {_cell(tactic.label.get(lang))} | {_cell(verdict + ' ' + tactic.why.get(lang))} | {_cell(synonyms)} |")
    return out + [""]


def _facts(kb: KnowledgeBase, lang: str, m) -> list[str]:
    """The facts table: input facts, then derived ones."""
    out = [f"## {m('docs_facts')}", "", f"| id | {m('kind_fact')} | {m('docs_col_value')} |", "|---|---|---|"]
    for spec in kb.facts.values():
        bits = [m("explain_fact_meta", group=spec.group, type=m("type_" + spec.type))]
        if spec.min is not None or spec.max is not None:
            bits.append(m("explain_range", min=range_bound(spec.min), max=range_bound(spec.max)))
        if spec.unit:
            bits.append(m("explain_unit", unit=spec.unit))
        if spec.values:
            bits.append(", ".join(f"`{v}` {value_label(kb, spec.name, v, lang)}" for v in spec.values))
        out.append(f"| `{spec.name}` | {_cell(spec.label.get(lang))} | {_cell(' · '.join(bits))} |")
    for dspec in kb.derived.values():
        inputs = ", ".join(f"`{i}`" for i in [*dspec.inputs, *dspec.choices.values()])
        out.append(f"| `{dspec.name}` | {_cell(dspec.label.get(lang))} | {_cell(m('explain_derived_from', kind=dspec.kind) + ' ' + inputs)} |")
    return out + [""]

