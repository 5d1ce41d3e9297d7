"""expert consult in a real pseudo-terminal: answer, kill -9, resume with every answer kept."""
from __future__ import annotations

import os
import signal
import sys

import pytest
import yaml

pexpect = pytest.importorskip("pexpect")

PROMPT = "Your answer > "
ZH_PROMPT = "你的回答 > "


def spawn(*args, cwd):
    """Start `python -m expert consult ...` in a pty, without colours, wide enough for one-line prompts."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "TERM": "dumb"}
    return pexpect.spawn(sys.executable, ["-m", "expert", "consult", "--no-color", *args], cwd=str(cwd),
                         env=env, encoding="utf-8", timeout=60, dimensions=(50, 200), preexec_fn=_terminal_signals)


def _terminal_signals() -> None:
    """Ctrl-C as a terminal delivers it: a test run started in the background (`cmd &` in a script) ignores
    SIGINT, the child would inherit that, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def answered(path):
    return [s["fact"] for s in yaml.safe_load(path.read_text(encoding="utf-8"))["steps"]]


def answer(child, question: str, text: str, prompt: str = PROMPT) -> None:
    """Wait for a question (a regular expression) and its prompt, then type the answer and Enter."""
    child.expect(question)
    child.expect_exact(prompt)
    child.sendline(text)


def test_kill_minus_nine_then_resume_keeps_every_answer(tmp_path):
    session = tmp_path / "pty.session.yaml"
    child = spawn("--session", str(session), cwd=tmp_path)
    answer(child, "In a sentence or two, what is happening", "We make things together and I am under pressure.")
    answer(child, "This is what I understood", "")
    child.expect("You are under real pressure")
    answer(child, "What is this community for", "members help each other ship")
    answer(child, "How will you judge", "questions resolved within 48 h")
    child.expect("Where is the community now")
    child.expect_exact(PROMPT)
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    assert answered(session) == ["story", "mood", "objective", "success_metric"]

    resumed = spawn("--resume", str(session), cwd=tmp_path)
    resumed.expect("4 answers kept")
    index = resumed.expect(["Where is the community now", "what is happening", "What is this community for", "How will you judge"])
    assert index == 0, "an answered question was asked again"
    resumed.expect_exact(PROMPT)
    resumed.sendline("declining")
    answer(resumed, "What brings you here", "done")
    answer(resumed, "Which community", "PtyHub")  # the name only labels the report: asked last
    resumed.expect("Community diagnosis: PtyHub")
    resumed.expect(pexpect.EOF)
    resumed.close()
    assert resumed.exitstatus == 0
    data = yaml.safe_load(session.read_text(encoding="utf-8"))
    assert answered(session) == ["story", "mood", "objective", "success_metric", "stage", "name"]
    assert data["finished"] is True and data["situation"]["community"]["name"] == "PtyHub"


def test_ctrl_c_saves_and_says_how_to_resume(tmp_path):
    session = tmp_path / "int.session.yaml"
    child = spawn("--session", str(session), "--lang", "zh", cwd=tmp_path)
    answer(child, "用一两句话说说", "我们一起做开源硬件", ZH_PROMPT)
    child.expect("社群是为了什么")
    child.expect_exact(ZH_PROMPT)
    child.sendintr()
    child.expect("已中断")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert answered(session) == ["story"]


# --- resume after every kind of answer (issue 8 item 1: a list answer made every resume crash) -----------

KINDS = {"text": ("text",), "choice": ("enum",), "list": ("list",), "number": ("number", "integer"), "boolean": ("bool",)}


def words_for(spec):
    """A valid answer, in a person's words, for a fact of any type."""
    if spec.type in ("number", "integer"):
        low = spec.min if spec.min is not None else 0
        return str(int(low) + 1)
    if spec.type == "bool":
        return "yes"
    if spec.type == "enum":
        return "1"
    if spec.type == "list":
        return "1" if spec.values else "expert AMA"
    return "a few words"


def session_before(kb, tmp_path, kind):
    """A saved session whose next question is of ``kind`` (answering the ones before it); its fact."""
    from expert.consult.questionnaire import load_questions, next_question
    from expert.consult.session import Session, parse_answer

    catalogue = load_questions(kb)
    session = Session(kb, path=tmp_path / f"{kind}.session.yaml")
    for _ in range(40):
        choice, _left = next_question(kb, catalogue, session.facts(), session.skipped())
        assert choice is not None, f"no {kind} question reached"
        spec = kb.facts[choice.fact]
        if kind == "dont_know" and choice.fact != "name" or spec.type in KINDS.get(kind, ()):
            session.save()
            return session, choice.fact
        session.answer(choice.fact, parse_answer(kb, choice.fact, words_for(spec)))
    raise AssertionError(f"no {kind} question within 40")


@pytest.mark.parametrize("kind", [*KINDS, "dont_know"])
def test_resume_after_each_kind_of_answer_and_kill_minus_nine(kb, tmp_path, kind):
    session, fact = session_before(kb, tmp_path, kind)
    path, kept = session.path, len(session.steps)
    answer = "?" if kind == "dont_know" else words_for(kb.facts[fact])

    child = spawn("--resume", str(path), cwd=tmp_path)
    child.expect(f"{kept} answers kept")
    child.expect_exact(PROMPT)
    child.sendline(answer)
    child.expect_exact(PROMPT)  # the next question: the answer is on disk
    os.kill(child.pid, signal.SIGKILL)
    child.expect(pexpect.EOF)
    child.close()
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["steps"]
    assert len(steps) == kept + 1 and steps[-1]["fact"] == fact
    assert steps[-1].get("dont_know", False) is (kind == "dont_know")

    resumed = spawn("--resume", str(path), cwd=tmp_path)
    resumed.expect(f"{kept + 1} answers kept")
    resumed.expect_exact(PROMPT)
    resumed.sendline("quit")
    resumed.expect("Saved. Resume with")
    resumed.expect(pexpect.EOF)
    resumed.close()
    assert resumed.exitstatus == 0, "resume failed"
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["steps"] == steps


def test_a_chinese_consultation_starts_from_one_free_text_sentence(tmp_path):
    session = tmp_path / "zh.session.yaml"
    child = spawn("--session", str(session), "--lang", "zh", cwd=tmp_path)
    answer(child, "用一两句话说说", "老板要求六周内日活提升30%,可是社群越来越冷清,活跃度下降了四成", ZH_PROMPT)
    child.expect("我听到的是")
    child.expect("活跃度相对基线变化: -40 %")
    answer(child, "截止周数: 6\r", "", ZH_PROMPT)  # one keystroke keeps everything understood
    child.expect("保留了 6 项中的 6 项")
    answer(child, "社群是为了什么", "帮助成员解决问题", ZH_PROMPT)
    child.expect_exact(ZH_PROMPT)
    child.sendline("完成")
    child.expect("我们要看的是哪个社群")  # the name, last
    child.expect_exact(ZH_PROMPT)
    child.sendline("增长社")
    child.expect("社群诊断:增长社")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    situation = yaml.safe_load(session.read_text(encoding="utf-8"))["situation"]
    assert situation["activity"]["activity_change_pct"] == -40
    assert situation["pressure"]["deadline_weeks"] == 6 and situation["pressure"]["target_change_pct"] == 30
    assert situation["pressure"]["target_metric"] == "日活跃用户"  # in the words of the session
    assert set(situation["community"]["concerns"]) == {"activity_decline", "metric_target"}
    assert situation["mood"] == "under_pressure" and situation["community"]["name"] == "增长社"
