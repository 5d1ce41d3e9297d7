"""community-expert: diagnose an online community's situation and return an explainable plan."""
