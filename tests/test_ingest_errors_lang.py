"""An export that cannot be read is explained in the report's language: `expert analyze BAD --lang zh` says what is
wrong and what to do in Chinese (file and field still named), and the English message is unchanged."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from expert.cli import main
from expert.ingest import IngestError, detect_format

FOLDER = ()  # the export is an empty folder
# id, file name, content, extra options, (Chinese needles), (English needles); the file's name is always checked.
CASES = [
    ("json-unrecognised", "u.json", '{"foo": 1}', [], ("无法识别的 JSON 文档类型", "支持的格式"),
     ("JSON document of an unrecognised kind", "supported formats: csv, jsonl")),
    ("format-unrecognised", "notes.txt", "just some notes\n", [], ("无法识别的文件格式",),
     ("unrecognised file format (not CSV with timestamp/actor, JSON, ZIP or mbox)",)),
    ("file-empty", "empty.json", "", [], ("文件是空的", "请重新导出"), ("file is empty", "export again")),
    ("zip-not-slack", "a.zip", {"notes.txt": "hello"}, [], ("不是 Slack 导出",), ("ZIP archive is not a Slack export",)),
    ("json-invalid", "t.json", '{"messages": [', ["--input-format", "telegram"], ("无效的 JSON", "截断"),
     ("invalid JSON: Expecting value", "re-export the file; it looks truncated or corrupted")),
    ("field-wrong", "t.json", '{"messages": [{"id": 5, "from_id": "u1", "date_unixtime": "soon", "type": "message"}]}',
     ["--input-format", "telegram"], ("记录 messages[0] (id 5)", "字段“date_unixtime”的值为 'soon'", "Unix 纪元秒数",
                                      "Telegram 导出"),
     ("messages[0] (id 5): field 'date_unixtime' is 'soon'; expected epoch seconds such as 1714564800",
      "this Telegram export looks hand-edited or corrupted")),
    ("page-field-wrong", "issues.json",
     '[{"url": "https://api.github.com/repos/a/b/issues/1", "number": "one", "user": {"login": "x"}}]',
     ["--input-format", "github"], ("字段“number”的值为 'one'", "应为:整数", "API 页面"),
     ("field 'number' is 'one'; expected a whole number", "save the API page again")),
    ("jsonl-field-missing", "l.jsonl", '{"timestamp": "2024-01-01T00:00:00Z"}\n', ["--input-format", "jsonl"],
     ("第 1 行", "缺少字段“actor”"), ("line 1: field 'actor' is missing; expected non-empty text",)),
    ("jsonl-bad-timestamp", "l.jsonl", '{"timestamp": "0001-01-01T00:00:00+01:00", "actor": "a"}\n',
     ["--input-format", "jsonl"], ("第 1 行:字段“timestamp”的值为 '0001-01-01T00:00:00+01:00'", "公元 1 到 9999 年"),
     ("line 1: field 'timestamp' is '0001-01-01T00:00:00+01:00'; expected ISO 8601 or epoch seconds, years 1 to 9999",)),
    ("jsonl-not-object", "l.jsonl", "[1, 2]\n", ["--input-format", "jsonl"], ("第 1 行:不是 JSON 对象",),
     ("line 1: not a JSON object",)),
    ("csv-missing-column", "e.csv", "timestamp,who\n2024-01-01T00:00:00Z,a\n", ["--input-format", "csv"],
     ("CSV 表头缺少列:actor", "至少需要"), ("CSV header lacks column(s) actor", "at least 'timestamp' and 'actor'")),
    ("csv-empty-actor", "e.csv", "timestamp,actor\n2024-01-01T00:00:00Z,\n", [], ("第 2 行:actor 为空",),
     ("line 2: empty actor", "every row needs an actor")),
    ("csv-bad-timestamp", "e.csv", "timestamp,actor\nsoon,a\n", [], ("第 2 行:时间戳 'soon' 无效",),
     ("line 2: bad timestamp 'soon'", "timestamps must be ISO 8601 or epoch seconds")),
    ("no-events", "t.json", '{"messages": []}', ["--input-format", "telegram"], ("没有找到任何事件", "只有系统消息"),
     ("no events found", "the export is empty or holds only system messages")),
    ("telegram-nothing", "t.json", '{"personal_information": {}}', [], ("没有找到“messages”或“chats.list”",),
     ("no 'messages' or 'chats.list' found", "expected a Telegram Desktop JSON export")),
    ("discord-nothing", "d.json", '{"guild": {}}', [], ("没有“messages”列表", "DiscordChatExporter"),
     ("no 'messages' list", "expected a DiscordChatExporter JSON export")),
    ("not-utf8", "e.csv", b"timestamp,actor\n2024-01-01T00:00:00Z,caf\xe9\n", [], ("不是 UTF-8 文本:字节 0xe9 无法解码",),
     ("not UTF-8 text: byte 0xe9 cannot be decoded", "re-export as UTF-8")),
    ("page-member-field", "issues.json", '[{"url": "https://api.github.com/repos/a/b/issues/1", "number": 1, '
     '"user": {"login": 5}, "created_at": "2024-01-01T00:00:00Z"}]', ["--input-format", "github"],
     ("第 1 条记录的“user”中:字段“login”的值为 5",), ("record 1.user: field 'login' is 5; expected text",)),
    ("github-unknown-record", "issues.json", '[{"id": 1}]', ["--input-format", "github"],
     ("第 1 条记录中:既不是 issue", "GitHub 的 REST API 页面"),
     ("record 1: not an issue, pull request, comment or review", "expected GitHub REST API pages")),
    ("page-field", "z.json", '{"result": "success", "messages": 5}', ["--input-format", "zulip"],
     ("页面中:字段“messages”的值为 5",), ("the page: field 'messages' is 5; expected a list",)),
    ("page-api-error", "m.json", '{"errcode": "M_FORBIDDEN", "error": "no", "chunk": []}', ["--input-format", "matrix"],
     ("页面是一个 Matrix API 错误", "请求成功后"),
     ("the page is a Matrix API error: 'no'", "save the page again once the request succeeds")),
    ("slack-no-days", "s.zip", {"channels.json": "[]"}, [], ("没有找到按天保存的频道文件", "Slack 工作区"),
     ("no channel day files (<channel>/<YYYY-MM-DD>.json) found", "this does not look like a Slack workspace export")),
    ("git-not-repo", "repo", FOLDER, ["--input-format", "git"], ("不是 git 仓库", "裸仓库"),
     ("not a git repository (no .git, and not a bare repository)", "point at a git working tree")),
    ("csv-unterminated-quote", "e.csv", 'timestamp,actor\n2024-01-01T00:00:00Z,"a\n' + "2024-01-02T00:00:00Z,b\n" * 3,
     [], ("第 2 行开始的引号没有闭合",), ("unterminated quote starting at line 2",)),
]
# Three or more English words in a row: a sentence left untranslated (file names and values excepted).
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]+ [A-Za-z]+ [A-Za-z]+\b")


def _export(tmp_path: Path, name: str, content: str | bytes | dict[str, str] | tuple[()]) -> Path:
    """The bad export: a file with this text or these bytes, a ZIP archive of these members, or an empty folder."""
    path = tmp_path / name
    if content == FOLDER:
        path.mkdir()
    elif isinstance(content, dict):
        with zipfile.ZipFile(path, "w") as zf:
            for member, text in content.items():
                zf.writestr(member, text)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _analyze(path: Path, options: list[str], lang: str, capsys) -> tuple[int | str | None, str]:
    """Run `expert analyze` and return (exit code, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(path), *options, "--lang", lang])
    return info.value.code, capsys.readouterr().err


@pytest.mark.parametrize(("name", "content", "options", "zh", "en"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_export_error_is_in_chinese_under_lang_zh(tmp_path, capsys, name, content, options, zh, en):
    """Message and hint in Chinese, the file and the field still named, no English sentence, exit 2."""
    code, err = _analyze(_export(tmp_path, name, content), options, "zh", capsys)
    assert code == 2, err
    assert "Traceback" not in err and err.startswith("错误:"), err
    assert name in err and "怎么办:" in err, err
    for needle in zh:
        assert needle in err, err
    words = err.replace(str(tmp_path), "").replace("Expecting value", "")  # the JSON parser's own words may stay
    assert not ENGLISH_SENTENCE.search(words), err


@pytest.mark.parametrize(("name", "content", "options", "zh", "en"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_export_error_in_english_is_unchanged(tmp_path, capsys, name, content, options, zh, en):
    """Without --lang zh the same error reads as before, in English."""
    code, err = _analyze(_export(tmp_path, name, content), options, "en", capsys)
    assert code == 2 and "Traceback" not in err and err.startswith("Error:"), err
    for needle in (name, *en):
        assert needle in err, err
    assert not re.search(r"[\u4e00-\u9fff]", err), err


def test_library_error_stays_english_and_renders_in_chinese_on_request(tmp_path):
    """str(exc), .reason and .hint are English for library users; localised("zh") gives the Chinese problem."""
    path = _export(tmp_path, "u.json", '{"foo": 1}')
    with pytest.raises(IngestError) as info:
        detect_format(path)
    err = info.value
    assert err.reason == "JSON document of an unrecognised kind" and err.hint.startswith("supported formats:")
    assert str(err).startswith(f"{path}: JSON document of an unrecognised kind (supported formats:")
    problem = err.localised("zh")[0]
    assert problem.file == str(path) and problem.message == "无法识别的 JSON 文档类型"
    assert problem.hint is not None and problem.hint.startswith("支持的格式:csv")


def test_an_error_after_a_chinese_run_is_english_again(tmp_path, capsys):
    """One process, two commands: the second (English) run's error is not in the first run's language."""
    path = _export(tmp_path, "u.json", '{"foo": 1}')
    _analyze(path, [], "zh", capsys)
    with pytest.raises(SystemExit):
        main(["analyze", str(path)])
    assert capsys.readouterr().err.startswith("Error:\n")


OPTION_CASES = [
    ("since-not-a-date", ["--since", "soon"], ("since: 'soon' 不是日期或时间", "Unix 纪元秒数"),
     ("since: 'soon' is not a date/time", "allowed: ISO 8601")),
    ("since-after-latest", ["--since", "2030-01-01"], ("不早于最近一条事件的时间 2024-01-02",),
     ("is not before the latest event 2024-01-02", "since must be earlier than until")),
    ("since-after-until", ["--since", "2030-01-01", "--until", "2029-01-01"], ("不早于 until 的 2029-01-01",),
     ("is not before until 2029-01-01",)),
    ("until-too-early", ["--until", "0001-06-01"], ("until: 0001-06-01 太早", "公元 3 年"),
     ("0001-06-01 leaves no room for the baseline", "give a date from year 3 on")),
]


@pytest.mark.parametrize(("options", "zh", "en"), [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES])
def test_analyze_option_error_follows_lang(tmp_path, capsys, options, zh, en):
    """A --since/--until that analyze_export refuses is explained in Chinese under --lang zh, English otherwise."""
    path = _export(tmp_path, "e.csv", "timestamp,actor\n2024-01-01T00:00:00Z,a\n2024-01-02T00:00:00Z,b\n")
    code, err = _analyze(path, options, "zh", capsys)
    assert code == 2 and "Traceback" not in err and err.startswith("错误:"), err
    assert all(needle in err for needle in zh), err
    assert not ENGLISH_SENTENCE.search(err), err
    code, err = _analyze(path, options, "en", capsys)
    assert code == 2 and err.startswith("Error:") and all(needle in err for needle in en), err
