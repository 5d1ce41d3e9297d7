"""Reasoning: derive facts, compile rules to experta (or evaluate them plainly), combine certainty, explain."""
