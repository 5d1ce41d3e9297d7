"""Kept for the README's `expert.rete.engine_logging(True)`: the engine now lives in expert.reasoning.rete."""
from expert.reasoning.rete import engine_logging

__all__ = ["engine_logging"]
