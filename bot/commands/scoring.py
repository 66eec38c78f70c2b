"""`python -m bot eval` and `calibrate`: score the answers on labelled questions, fit the confidence model."""

from __future__ import annotations

from pathlib import Path

from bot.commands.common import EXIT_FAIL, EXIT_OK, FORMATTER, CliError, load_desk
from bot.core import calibration, confidence, evaluation


def cmd_eval(args) -> int:
    """Score a question file and print per-office accuracy and every failure."""
    try:
        cases = evaluation.load_cases(Path(args.file))
    except (OSError, ValueError) as exc:
        raise CliError(f"無法讀取題目檔：{exc}") from None
    if args.agency:
        cases = [c for c in cases if c.agency == args.agency]
    results = evaluation.evaluate(load_desk(), cases)
    for r in results:
        if not r.ok and not args.quiet:
            kind = "oos " if r.case.oos else ""
            print(f"FAIL {kind}[{r.case.agency}] {r.case.q!r}: {r.why} (score {r.answer.score:.2f})")
    s = evaluation.summary(results)
    for aid, (ok, n) in sorted(s["per_agency"].items()):
        print(f"{aid:28s} {ok:4d}/{n:<4d} {ok / n:6.1%}")
    (iok, inn), (ook, on) = s["in_scope"], s["oos"]
    rate = lambda a, b: a / b if b else 1.0  # noqa: E731
    print(f"in scope {iok}/{inn} = {rate(iok, inn):.1%} (wrong answers {s['wrong_answers']}); "
          f"out of scope rejected {ook}/{on} = {rate(ook, on):.1%}")
    r = evaluation.rates(s)
    print(f"in scope: answered correctly {r['correct']:.1%}, right entry first {r['right_first']:.1%}, "
          f"wrong answers {r['wrong']:.1%}; out of scope: honest fallback {r['oos_fallback']:.1%}, "
          f"answered {r['oos_answered']:.1%}")
    if args.require and (rate(iok, inn) < args.require or rate(ook, on) < args.require):
        return EXIT_FAIL
    missed = evaluation.missed_targets(s) if args.targets else []
    for line in missed:
        print(f"MISSED {line}")
    return EXIT_FAIL if missed else EXIT_OK


def cmd_calibrate(args) -> int:
    """Fit the confidence model on labelled question files, search the thresholds, print both."""
    cases = []
    for name in args.files:
        try:
            cases += evaluation.load_cases(Path(name))
        except (OSError, ValueError) as exc:
            raise CliError(f"無法讀取題目檔：{exc}") from None
    observations = calibration.observe(load_desk(), cases)
    model = confidence.fit(calibration.training_rows(observations))
    best = calibration.best_setting(calibration.cross_validated(observations), args.cost)
    now = calibration.current(observations)
    print("                  answer_p clarify_p  in scope: correct  wrong  right first   out of scope: fallback  answered")
    for label, r in (("best (5-fold)", best), ("current", now)):
        print(f"{label:16s}  {r.answer_p:8.2f} {r.clarify_p:9.2f}  {r.correct:4d}/{r.in_scope} = {r.accuracy:5.1%}"
              f"  {r.wrong:5d}  {r.right_first:5d}/{r.in_scope}   {r.fallback:4d}/{r.oos}  {r.answered:4d}/{r.oos}")
    print("\n# the fitted model, for bot/core/confidence.py:\n" + confidence.as_python(model))
    return EXIT_OK


def register(sub) -> None:
    """Add eval and calibrate to the main parser's subcommands."""
    p = sub.add_parser("eval", help="score a question file (format of shared/eval/dev.yaml)", formatter_class=FORMATTER,
                       epilog="example:\n  python -m bot eval tests/data/dev.yaml")
    p.add_argument("file", help="YAML list of {agency, q, all/any | oos: true}")
    p.add_argument("--agency", help="only this office's questions")
    p.add_argument("--quiet", action="store_true", help="do not list failures")
    p.add_argument("--require", type=float, metavar="RATE",
                   help="exit 1 when in-scope accuracy or out-of-scope rejection is below RATE (e.g. 0.95)")
    p.add_argument("--targets", action="store_true",
                   help="exit 1 unless the real-question targets hold (correct ≥ 85%%, right entry first ≥ 97%%, "
                        "wrong ≤ 2%%; out of scope: honest fallback ≥ 85%%, answered ≤ 2%%)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="fit the confidence model and its thresholds on labelled questions",
                       formatter_class=FORMATTER, epilog="example:\n  python -m bot calibrate tests/data/calibration-*.yaml "
                       "tests/data/real-fit.yaml")
    p.add_argument("files", nargs="+", help="question files (format of shared/eval/dev.yaml)")
    p.add_argument("--cost", type=float, default=2.0,
                   help="how many missed answers one wrong answer (or one out-of-scope question answered) costs")
    p.set_defaults(func=cmd_calibrate)
