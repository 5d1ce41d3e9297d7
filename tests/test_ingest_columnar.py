"""The columnar reader (pyarrow, the `fast` extra) gives the streaming reader's Analysis, bit for bit,
and hands every file it does not read exactly alike back to the streaming reader (same result, same error)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from expert.errors import ExpertError  # noqa: E402
from expert.ingest import analyze_export  # noqa: E402
from expert.ingest.columnar import read_columns  # noqa: E402
from expert.ingest.identity import Identities  # noqa: E402
from tests.analyze_cases import fixture_inputs, generated, generated_rows, normalised, option_sets, write_csv  # noqa: E402

CSV_INPUTS = {name: path for name, path in fixture_inputs().items() if path.suffix == ".csv"}


def both(path, **options):
    """The streaming and the columnar result (or error) for one file."""
    out = []
    for reader in ("stream", "columnar"):
        try:
            out.append(normalised(analyze_export(path, reader=reader, **options)))
        except ExpertError as exc:
            out.append({"error": str(exc)})
    return out


@pytest.mark.parametrize("name", sorted(CSV_INPUTS))
def test_columnar_equals_streaming_on_every_csv_fixture(name):
    for options in option_sets(name):
        stream, columnar = both(CSV_INPUTS[name], **options)
        assert columnar == stream, (name, options)


def test_columnar_equals_streaming_on_the_generated_logs(tmp_path):
    for name, path in generated(tmp_path).items():
        if name.endswith(".csv"):
            for options in option_sets(name) + [{"until": "2024-06-30T15:30:45.123456Z"}]:
                stream, columnar = both(path, **options)
                assert columnar == stream, (name, options)


def test_plain_logs_are_read_by_arrow_not_handed_back(tmp_path):
    rows = generated_rows(5, future=False)
    path = write_csv(tmp_path / "plain.csv", rows)
    assert read_columns(path, Identities(), {"window_days": 90}) is not None
    for name in ("fixtures/forum.csv", "realdata/git/pallets__click.events.csv"):
        if name in CSV_INPUTS:
            assert read_columns(CSV_INPUTS[name], Identities(), {"window_days": 90}) is not None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400), window=st.sampled_from([7, 30, 90, 200]),
       until=st.sampled_from([None, "2024-03-01T15:30:45.123456Z", "2024-06-30T15:30:45Z"]))
def test_columnar_equals_streaming_on_generated_logs(tmp_path, seed, n, window, until):
    path = write_csv(tmp_path / f"g{seed}.csv", generated_rows(seed, n, future=False))
    stream, columnar = both(path, window_days=window, until=until)
    assert columnar == stream


@pytest.mark.parametrize("body, error", [
    ('2024-01-01T00:00:00Z,a\n2024-01-02T00:00:00Z,"b\n' + "2024-01-03T00:00:00Z,c\n" * 5, "unterminated quote"),
    ("2024-01-01T00:00:00Z,a\n2024-01-02T00:00:00Z,\n", "line 3: empty actor"),
    ("2024-01-01T00:00:00Z,a\nyesterday,b\n", "line 3: bad timestamp"),
    ("2024-01-01T00:00:00Z,a\n2024-01-02T00:00:00Z,b,extra,cells\n2024-01-03T00:00:00Z,c\n", None),
    ("1704067200,a\n2024-01-02T00:00:00+01:00,b\n2024-01-03 10:00,c\n", None),
    ("2024-01-01T00:00:00Z,a\n\n2024-01-02T00:00:00Z,b\n2099-01-01T00:00:00Z,c\n", None),
    ("2024-01-01T00:00:00Z,a\n2024-01-02T00:00:00Z,b\xe9\n", None),
])
def test_files_the_columnar_reader_does_not_take_get_the_streaming_result(tmp_path, body, error):
    path = tmp_path / "log.csv"
    path.write_text("timestamp,actor\n" + body, encoding="utf-8")
    stream, columnar = both(path)
    assert columnar == stream
    if error:
        assert error in stream["error"]
    assert read_columns(path, Identities(), {"window_days": 90}) is None or "error" not in stream


def test_a_latin1_file_is_the_same_error_from_both(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"timestamp,actor,text\n2024-01-01T00:00:00Z,a,caf\xe9\n")
    stream, columnar = both(path)
    assert columnar == stream and "not UTF-8" in stream["error"]


def test_the_reader_option_is_checked(tmp_path):
    path = write_csv(tmp_path / "x.csv", generated_rows(1, 20, future=False))
    with pytest.raises(ExpertError, match="is not a reader"):
        analyze_export(path, reader="fastest")
    assert json.dumps(normalised(analyze_export(path, reader="auto")))
