"""Consultation: the adaptive questionnaire, its saved sessions and what-if comparisons."""
