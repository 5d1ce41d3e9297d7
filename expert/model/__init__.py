"""Situation and plan: the typed input and output of a diagnosis, and the scenario checks that compare them."""
