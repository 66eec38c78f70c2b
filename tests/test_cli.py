"""The command line as a real process: help, ask (plain and JSON), errors, kb check, eval."""

import json
import os
import shutil
import subprocess
import sys

import yaml

from conftest import DATA, KNOWLEDGE, ROOT, run_cli


def test_help_lists_every_command_with_an_example():
    out = run_cli("--help").stdout
    for command in ("ask", "chat", "eval", "calibrate", "kb", "admin"):
        assert command in out
    for command in (["ask"], ["chat"], ["eval"], ["calibrate"], ["kb", "check"], ["admin"]):
        sub = run_cli(*command, "--help")
        assert sub.returncode == 0 and "example" in sub.stdout, command


def test_ask_prints_the_reply_as_a_citizen_reads_it():
    got = run_cli("ask", "--agency", "taoyuan-vac", "處長信箱幾天會回？")
    assert got.returncode == 0
    assert "處長信箱" in got.stdout and "Traceback" not in got.stderr


def test_ask_json_reads_one_question_per_line():
    got = run_cli("ask", "--agency", "taoyuan-vac", "--json", "-", stdin="榮民證要去哪裡辦\n明天會下雨嗎\n你好\n\n",
                  process=True)  # as a process: stdin and stdout in UTF-8 whatever the locale
    rows = [json.loads(line) for line in got.stdout.splitlines()]
    assert len(rows) == 4
    keys = {"agency", "question", "outcome", "entry_id", "score", "answer", "choices", "source"}
    assert all(set(r) == keys for r in rows)
    assert rows[0]["outcome"] == "answer" and rows[0]["entry_id"] and rows[0]["source"]
    assert rows[1]["outcome"] == "fallback" and rows[1]["entry_id"] is None
    assert rows[2]["outcome"] == "smalltalk" and rows[2]["entry_id"] is None
    assert rows[3]["outcome"] == "fallback"
    assert rows[0]["question"] == "榮民證要去哪裡辦"


def test_unknown_agency_exits_2_and_lists_the_valid_ids():
    got = run_cli("ask", "--agency", "nowhere", "榮民證", process=True)
    assert got.returncode == 2
    assert "taoyuan-vac" in got.stderr and "sanmin-district" in got.stderr
    assert "Traceback" not in got.stderr


def test_knowledge_dir_is_honoured(tmp_path):
    shutil.copy(DATA / "demo-office.yaml", tmp_path)
    got = run_cli("ask", "--agency", "demo-office", "--json", "榮民證要去哪裡辦", env={"KNOWLEDGE_DIR": str(tmp_path)})
    assert json.loads(got.stdout)["entry_id"] == "veteran-card"


def test_kb_check_passes_on_the_shipped_knowledge():
    got = run_cli("kb", "check", "--no-gaps")
    assert got.returncode == 0, got.stdout
    assert "0 個錯誤" in got.stdout


def test_kb_check_lists_gaps_as_warnings_not_errors():
    got = run_cli("kb", "check", "--agency", "fengshan-household")
    assert got.returncode == 0
    assert "提醒 fengshan-household.yaml" in got.stdout and "office.phone" in got.stdout


def test_kb_check_fails_with_file_line_and_field(tmp_path):
    text = (DATA / "demo-office.yaml").read_text(encoding="utf-8").replace("reply_days: 5", "reply_days: soon")
    (tmp_path / "demo-office.yaml").write_text(text, encoding="utf-8")
    got = run_cli("kb", "check", env={"KNOWLEDGE_DIR": str(tmp_path)})
    assert got.returncode == 1
    assert "錯誤 demo-office.yaml 第 " in got.stdout and "channels 第 1 項（director-mailbox）的 reply_days" in got.stdout


def test_ask_on_broken_knowledge_is_a_message_not_a_traceback(tmp_path):
    (tmp_path / "demo-office.yaml").write_text("agency: [\n", encoding="utf-8")
    got = run_cli("ask", "--agency", "demo-office", "榮民證", env={"KNOWLEDGE_DIR": str(tmp_path)},
                  process=True)  # as a process: what an operator would see on the terminal
    assert got.returncode == 1 and "YAML 格式錯誤" in got.stderr and "Traceback" not in got.stderr


def test_eval_meets_the_required_rates_on_dev_yaml():
    got = run_cli("eval", str(DATA / "dev.yaml"), "--require", "0.95")
    assert got.returncode == 0, got.stdout
    assert "out of scope rejected" in got.stdout.splitlines()[-2]
    assert "honest fallback" in got.stdout.splitlines()[-1]


def test_calibrate_fits_a_model_and_prints_it(tmp_path):
    # Every fourth question of one file, in and out of scope: the fit, not its figures, is tested, and
    # the fit's time grows with the questions (3,000 descent steps, six fits with the folds).
    cases = yaml.safe_load((DATA / "calibration-a.yaml").read_text(encoding="utf-8"))
    (tmp_path / "quarter.yaml").write_text(yaml.safe_dump(cases[::4], allow_unicode=True), encoding="utf-8")
    got = run_cli("calibrate", str(tmp_path / "quarter.yaml"))
    assert got.returncode == 0, got.stderr
    assert any(line.startswith("current") for line in got.stdout.splitlines())
    assert "MODEL = Model(" in got.stdout and "weights=(" in got.stdout


def test_every_knowledge_file_is_covered_by_the_labelled_questions():
    text = "".join(p.read_text(encoding="utf-8") for p in DATA.glob("calibration-*.yaml"))
    for path in KNOWLEDGE.glob("*.yaml"):
        assert f"agency: {path.stem}" in text


def test_a_reader_that_leaves_early_gets_no_traceback():
    # `ask … | head -1`: head exits and the pipe closes; the command ends quietly.
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    try:
        done = subprocess.run([sys.executable, "-m", "bot", "ask", "--agency", "taoyuan-vac", "榮民證要去哪裡辦"],
                              stdout=write, stderr=subprocess.PIPE, cwd=ROOT, timeout=120)
    finally:
        os.close(write)
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr.decode()
