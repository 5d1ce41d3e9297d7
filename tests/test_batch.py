"""Batch diagnosis: the same plans as one at a time, in input order, failures recorded, resumable, streaming."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import expert
from expert.batch import BatchItem, run_items
from expert.cli import main as expert_main
from expert.model.scenario import load_scenario
from expert.planning.pipeline import diagnose

from .conftest import ROOT, SCENARIOS

TODAY = dt.date(2025, 1, 6)


def _scenario_situations():
    """Every scenario's situation with its file name as id."""
    return [(path.name, load_scenario(path).situation) for path in SCENARIOS]


def test_diagnose_many_gives_each_plan_as_diagnose_does_in_input_order_with_two_workers(kb):
    pairs = _scenario_situations()
    results = list(expert.diagnose_many(pairs, workers=2, today=TODAY))
    assert [r.id for r in results] == [name for name, _ in pairs]
    for (_, situation), result in zip(pairs, results, strict=True):
        assert result.plan_json == diagnose(situation, knowledge=kb, today=TODAY).to_json(indent=None)
        assert result.plan == diagnose(situation, knowledge=kb, today=TODAY)


def test_a_failing_situation_is_recorded_with_its_reason_and_the_rest_go_on():
    good = {"community": {"name": "Fine"}}
    given = [("a", good), ("b", {"community": {"name": "X"}, "activity": {"activity_change_pct": "lots"}}),
             ("c", 42), ("d", good)]
    results = list(expert.diagnose_many(given, workers=2))
    assert [(r.id, r.ok) for r in results] == [("a", True), ("b", False), ("c", False), ("d", True)]
    assert "activity_change_pct" in results[1].error and "lots" in results[1].error
    assert "int" in results[2].error


def test_the_pool_reads_its_input_only_a_few_chunks_ahead_of_what_it_has_given_back():
    """Streaming with flat memory: a million situations must never be read in before the first result."""
    consumed = 0

    def endless():
        nonlocal consumed
        while True:
            consumed += 1
            yield BatchItem(str(consumed), "data", {"community": {"name": f"C{consumed}"}})

    results = run_items(endless(), workers=2, chunk=4)
    first = [next(results).id for _ in range(10)]
    assert first == [str(n) for n in range(1, 11)]
    assert consumed <= 10 + 2 * 3 * 4 + 4
    results.close()


class _Ran:
    """An `expert` run: its exit code and standard error."""

    def __init__(self, code, stderr):
        self.exit_code, self.stderr = code, stderr


def _expert(capsys, args):
    """Run the `expert` console entry point as a user would, error handling included."""
    try:
        expert_main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return _Ran(code, capsys.readouterr().err)


def _write_jsonl(path, records):
    """One JSON object (or raw text) a line."""
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")


def _ids(path):
    """The ids of an output file, in order."""
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_cli_writes_a_line_per_record_in_order_and_exits_1_when_some_failed(capsys, tmp_path):
    source = tmp_path / "in.jsonl"
    _write_jsonl(source, [{"id": "one", "community": {"name": "A"}}, "not json", [1, 2],
                          {"community": {"name": "B"}, "mood": "ecstatic"}, {"id": "one", "community": {"name": "C"}},
                          {"community": {"name": "D"}}])
    out = tmp_path / "out.jsonl"
    result = _expert(capsys, ["batch", str(source), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 1, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["one", "line 2", "line 3", "line 4", "one", "line 6"]
    assert ["plan" in line for line in lines] == [True, False, False, False, False, True]
    assert "line 2 is not JSON" in lines[1]["error"]
    assert "mood" in lines[3]["error"] and "ecstatic" in lines[3]["error"]
    assert "already used" in lines[4]["error"]
    assert "2 plans and 4 failures" in result.stderr


def test_batch_resume_skips_ids_already_written_and_drops_a_half_written_last_line(capsys, tmp_path):
    source = tmp_path / "in.jsonl"
    _write_jsonl(source, [{"id": f"c{n}", "community": {"name": f"C{n}"}} for n in range(6)])
    full = tmp_path / "full.jsonl"
    assert _expert(capsys, ["batch", str(source), "-o", str(full), "--workers", "1",
                                        "--today", "2025-01-06"]).exit_code == 0
    text = full.read_text(encoding="utf-8")
    cut = tmp_path / "cut.jsonl"
    second_line_end = text.index("\n", text.index("\n") + 1) + 1
    cut.write_text(text[: second_line_end + 40], encoding="utf-8")  # two records and a torn third
    result = _expert(capsys, ["batch", str(source), "-o", str(cut), "--resume", "--workers", "2",
                                          "--today", "2025-01-06"])
    assert result.exit_code == 0, result.stderr
    assert cut.read_text(encoding="utf-8") == text
    assert "2 already there" in result.stderr


def test_batch_refuses_to_overwrite_an_existing_output_without_resume(capsys, tmp_path):
    source = tmp_path / "in.jsonl"
    _write_jsonl(source, [{"community": {"name": "A"}}])
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    result = _expert(capsys, ["batch", str(source), "-o", str(out)])
    assert result.exit_code == 2
    assert "--resume" in result.stderr
    assert out.read_text(encoding="utf-8") == "precious\n"


def test_batch_resume_refuses_an_output_it_did_not_write(capsys, tmp_path):
    source = tmp_path / "in.jsonl"
    _write_jsonl(source, [{"community": {"name": "A"}}])
    out = tmp_path / "out.jsonl"
    out.write_text("precious\nmore\n", encoding="utf-8")
    result = _expert(capsys, ["batch", str(source), "-o", str(out), "--resume"])
    assert result.exit_code == 2
    assert "line 1" in result.stderr
    assert out.read_text(encoding="utf-8") == "precious\nmore\n"


def test_batch_reads_a_folder_of_situation_files_by_name(capsys, tmp_path):
    folder = tmp_path / "situations"
    folder.mkdir()
    for path in SCENARIOS[:3]:
        shutil.copy(path, folder / path.name)
    (folder / "broken.yaml").write_text("community: [\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a situation", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _expert(capsys, ["batch", str(folder), "-o", str(out), "--workers", "1", "--lang", "zh"])
    assert result.exit_code == 1
    assert _ids(out) == sorted(["broken.yaml", *(p.name for p in SCENARIOS[:3])])
    assert "份方案" in result.stderr


def test_batch_analyzes_a_folder_of_exports(capsys, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "ingest" / "events.csv", folder / "forum-a.csv")
    shutil.copy(ROOT / "tests" / "fixtures" / "ingest" / "events.jsonl", folder / "forum-b.jsonl")
    (folder / "empty.csv").write_text("timestamp,actor\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = _expert(capsys, ["batch", str(folder), "--exports", "-o", str(out), "--workers", "1"])
    lines = {line["id"]: line for line in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert sorted(lines) == ["empty.csv", "forum-a.csv", "forum-b.jsonl"]
    assert "no events" in lines["empty.csv"]["error"]
    assert lines["forum-a.csv"]["plan"]["community"] == "forum-a"
    assert result.exit_code == 1
