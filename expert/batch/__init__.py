"""Many communities at once: situations or exports in, plans out in input order (see runner and inputs)."""
from expert.batch.runner import BatchItem, BatchResult, default_workers, diagnose_many, run_items

__all__ = ["BatchItem", "BatchResult", "diagnose_many", "run_items", "default_workers"]
