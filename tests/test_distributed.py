"""The Dask path (optional `dask` extra): on a LocalCluster it writes the very lines the local batch writes."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from expert.batch import BatchItem, run_items
from expert.model.scenario import load_scenario

from .conftest import SCENARIOS

dask_bag = pytest.importorskip("dask.bag", reason="the dask extra is not installed (pip install '.[dask]')")
distributed = pytest.importorskip("dask.distributed", reason="the dask extra is not installed (pip install '.[dask]')")

from expert.batch.distributed import diagnose_bag, item_from_json  # noqa: E402

TODAY = dt.date(2025, 1, 6)


@pytest.fixture(scope="module")
def client():
    """Two worker processes on this machine, as a real cluster would run them."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as connected:
        yield connected


def _lines():
    """Every scenario as a JSONL line with its file name as id, plus lines that must fail."""
    good = [json.dumps({"id": path.name, **load_scenario(path).situation}) for path in SCENARIOS]
    return [*good[:20], "not json", json.dumps({"community": {"name": "no id"}}),
            json.dumps({"id": "bad", "community": {"name": "X"}, "mood": "ecstatic"}), *good[20:]]


def test_a_dask_bag_over_a_local_cluster_gives_the_local_batch_lines_in_order(client):
    lines = _lines()
    bag = dask_bag.from_sequence(lines, npartitions=5).map(item_from_json)
    remote = diagnose_bag(bag, today=TODAY).compute()
    local = [r.to_line().rstrip("\n") for r in run_items([item_from_json(line) for line in lines], today=TODAY)]
    assert remote == local
    assert all("\n" not in line for line in remote)  # to_textfiles adds one after each
    records = [json.loads(line) for line in remote]
    assert [("plan" in r) for r in records].count(False) == 3
    assert records[22]["id"] == "bad" and "ecstatic" in records[22]["error"]


def test_a_line_without_an_id_is_a_failure_not_a_crash():
    item = item_from_json(json.dumps({"community": {"name": "no id"}}))
    assert item.kind == "error" and "id" in item.payload
    assert item_from_json("[1, 2]").kind == "error"
    assert item_from_json('{"id": 7, "community": {"name": "A"}}') == BatchItem("7", "data", {"community": {"name": "A"}})
