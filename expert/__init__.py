"""community-expert: diagnose an online community's situation and return an explainable plan.

    >>> import expert
    >>> plan = expert.diagnose({"community": {"name": "Demo"}, "activity": {"activity_change_pct": -30}})
    >>> plan.to_json()
"""
from .api import diagnose, load_situation
from .errors import ExpertError, InputFileError, KnowledgeError, SituationError
from .knowledge import KnowledgeBase, load_knowledge
from .plan import Plan
from .situation import Situation

__all__ = [
    "diagnose", "load_situation", "load_knowledge", "KnowledgeBase", "Plan", "Situation",
    "ExpertError", "SituationError", "KnowledgeError", "InputFileError",
]
__version__ = "0.1.0"
