"""The knowledge: the rule language (conditions and their parser), the typed model, the loader; lint and docs.

The lowest stage above errors and YAML I/O: everything else reads the knowledge, it reads nothing of theirs.
"""
from expert.knowledge.loader import (
    cached_knowledge,
    default_knowledge_dir,
    load_knowledge,
    load_knowledge_with_problems,
)
from expert.knowledge.model import (
    LANGS,
    PHASES,
    TIERS,
    ActionSpec,
    DerivedSpec,
    DiagnosisSpec,
    FactSpec,
    FamilySpec,
    KnowledgeBase,
    Memo,
    RuleSpec,
    TacticSpec,
    Text,
    fill,
    normalise_name,
)

__all__ = [
    "Text", "FactSpec", "DerivedSpec", "RuleSpec", "DiagnosisSpec", "ActionSpec", "TacticSpec", "FamilySpec",
    "KnowledgeBase", "Memo", "fill", "normalise_name", "LANGS", "TIERS", "PHASES",
    "load_knowledge", "load_knowledge_with_problems", "cached_knowledge", "default_knowledge_dir",
]
