"""Webhook benchmark: our bot beside the line-bot-sdk echo bot, both under gunicorn on loopback.

Both apps (`bot.app:create_app()`, `bench/echo_app.py`) run as `gunicorn -c gunicorn.conf.py --bind
127.0.0.1:PORT` with the same workers; a fake LINE API (tests/fake_line.py, in a child process) takes
the replies. Client threads post signed webhooks, one zh-TW text event for taoyuan-vac per body, each
with its own webhookEventId and replyToken. Measured, as the median of alternating rounds:
- ack: requests/s and p50/p99 of the HTTP 200. Ours answers 200 first and replies from a thread
  pool, so this alone would flatter it; the echo bot replies before its 200.
- end to end: from sending a webhook to the fake receiving the reply for its replyToken: replies/s
  over the run, p50/p99; every token must get exactly one reply. Headline: ours/echo replies/s.
Clients and fake share the cores with the servers ("bench cpu"; "srv cpu/ev": server CPU per event).
Prints figures only; nothing asserts a timing.

    .venv/bin/python bench/webhook_bench.py [--events 2000] [--concurrency 8] [--workers 2] [--rounds 2] [--json]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_line import FakeLine  # noqa: E402

SECRET = "bench-channel-secret"
APPS = {"echo": "bench.echo_app:create_app()", "ours": "bot.app:create_app()"}
REPLY = "/v2/bot/message/reply"
PROBLEMS = ("missing", "duplicate", "non_200", "log_problems")  # counts summed over rounds, not medians
QUESTIONS = [
    "榮民證要去哪裡辦？", "處長信箱幾天會回？", "就養金怎麼申請", "榮民證掉了要怎麼補發",
    "我爸爸過世了，喪葬補助要準備什麼", "孩子要上學，有清寒子女的就學補助嗎", "請問你們上班時間是幾點到幾點",
    "晚上有急事可以打給誰", "八德那邊有服務據點嗎", "我想找工作，就業站可以幫忙嗎", "退伍以後創業有輔導嗎",
    "要怎麼投訴承辦人員", "主委信箱要去哪裡寫", "新式的卡式榮民證怎麼換", "數位榮福卡是什麼",
    "遺眷的健保可以幫忙代辦嗎", "有送餐到家的服務嗎", "連假期間會有人打電話關心嗎", "接到可疑電話說要匯款怎麼辦",
    "二類官兵權益卡怎麼申請", "你好，請問教保中心收幾歲的小孩", "想參加座談會要去哪裡報名",
]


def _serve_fake(conn) -> None:
    """Child process: a FakeLine whose replies are stamped (perf_counter) by replyToken. Over the pipe:
    "count" → how many tokens have a reply; a list of tokens → their stamps; "close" → stop."""
    fake, arrivals = FakeLine(), {}

    class Stamped(list):  # FakeLine appends (path, payload) for each POST it receives
        def append(self, item):
            if item[0] == REPLY:
                arrivals.setdefault(item[1].get("replyToken"), []).append(time.perf_counter())
            super().append(item)

    fake.requests = Stamped()
    conn.send(fake.url)
    while (msg := conn.recv()) != "close":
        conn.send(len(arrivals) if msg == "count" else {t: arrivals.get(t, []) for t in msg})
    fake.close()


class FakeProcess:
    """The fake LINE API in a child process, so that it does not share the clients' GIL.
    Its stamps are perf_counter (CLOCK_MONOTONIC): the same clock in every process."""

    def __init__(self):
        self.conn, child = multiprocessing.Pipe()
        self.proc = multiprocessing.Process(target=_serve_fake, args=(child,), daemon=True)
        self.proc.start()
        self.url = self.conn.recv()

    def ask(self, msg):
        """The child's answer to one message."""
        self.conn.send(msg)
        return self.conn.recv()

    def close(self) -> None:
        """Stop the child."""
        self.conn.send("close")
        self.proc.join(timeout=10)


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds (nan when fewer than two)."""
    if len(seconds) < 2:
        return float("nan"), float("nan")
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def signed(prefix: str, n: int) -> list[tuple[str, bytes, dict]]:
    """n (token, body, headers): one signed text event each, token `prefix-<i>`, cycling the questions."""
    out = []
    for i in range(n):
        token = f"{prefix}-{i:06d}"
        event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
                 "source": {"type": "user", "userId": "U" + hashlib.md5(token.encode()).hexdigest()},
                 "replyToken": token, "webhookEventId": f"01BENCH{token}", "deliveryContext": {"isRedelivery": False},
                 "message": {"id": token, "type": "text", "text": QUESTIONS[i % len(QUESTIONS)], "quoteToken": "q"}}
        body = json.dumps({"destination": "Ubench", "events": [event]}, ensure_ascii=False).encode()
        sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        out.append((token, body, {"Content-Type": "application/json", "X-Line-Signature": sig}))
    return out


def post_all(port: int, path: str, bodies: list[tuple[str, bytes, dict]], concurrency: int,
             fake: FakeProcess | None = None) -> list[tuple]:
    """POST bodies from `concurrency` threads, one HTTPConnection each; (token, sent, acked, status).
    With `fake`, then wait until each token has a reply or none came for 10 s."""
    results: list[tuple] = []
    before = fake.ask("count") if fake else 0

    def client(share):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for token, body, headers in share:
            sent = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
            except (ConnectionError, http.client.HTTPException):  # the server closed the idle socket
                conn.close()
                conn.request("POST", path, body, headers)
            resp = conn.getresponse()
            resp.read()
            results.append((token, sent, time.perf_counter(), resp.status))
        conn.close()

    threads = [threading.Thread(target=client, args=(bodies[i::concurrency],)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen = -1
    while fake and seen != (count := fake.ask("count")) and count < before + len(bodies):
        seen = count
        wait_for(lambda: fake.ask("count") != seen, 10)
    time.sleep(0.3 if fake else 0)  # room for a late duplicate
    return results


def wait_for(predicate, seconds: float) -> bool:
    """Poll until predicate() is true or the time is up."""
    deadline = time.monotonic() + seconds
    while not (ok := predicate()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return ok


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user+sys) of a live process and its live children, read from /proc."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += sum(cpu_seconds(int(child)) for child in (task / "children").read_text().split())
    except OSError:
        pass
    return total


def start_server(kind: str, workers: int, fake: FakeProcess, log: Path) -> tuple[subprocess.Popen, int]:
    """Start gunicorn for one app on a free port (output to `log`) and wait for /healthz."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
           "USER_HASH_KEY": "bench-user-hash-key", "LINE_API_BASE_URL": fake.url, "DEFAULT_AGENCY": "taoyuan-vac",
           "AGENCIES": "taoyuan-vac", "ENV_FILE": os.devnull,  # one office on its channel, like the echo bot
           "KNOWLEDGE_SNAPSHOT_DIR": str(log.with_suffix(".snapshots")),
           "DATABASE_URL": f"sqlite:///{log.with_suffix('.db')}", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind",
                                 f"127.0.0.1:{port}", APPS[kind]], cwd=ROOT, env=env, stdout=out, stderr=out)

    def up() -> bool:
        """Healthy, or exited."""
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).status == 200
        except OSError:
            return proc.poll() is not None

    if not wait_for(up, 60) or proc.poll() is not None:
        proc.kill()
        raise SystemExit(f"{kind}: gunicorn did not become healthy:\n" + log.read_text()[-3000:])
    return proc, port


def run_round(kind: str, rnd: int, args, fake: FakeProcess, tmp: Path) -> dict:
    """Start one bot, warm it up, send the measured events, wait for their replies, stop it."""
    log = tmp / f"{kind}-{rnd}.log"
    proc, port = start_server(kind, args.workers, fake, log)
    try:
        post_all(port, "/callback", signed(f"{kind}{rnd}w", max(args.concurrency * 10, 100)), args.concurrency, fake)
        cpu, bench = cpu_seconds(proc.pid), time.process_time() + cpu_seconds(fake.proc.pid)
        results = post_all(port, "/callback", signed(f"{kind}{rnd}m", args.events), args.concurrency, fake)
        cpu, bench = cpu_seconds(proc.pid) - cpu, time.process_time() + cpu_seconds(fake.proc.pid) - bench
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    start, acked = min(r[1] for r in results), max(r[2] for r in results)
    arrivals = fake.ask([r[0] for r in results])
    replies = [(sent, arrivals[token]) for token, sent, _, _ in results]
    e2e = [times[0] - sent for sent, times in replies if times]
    end = max([times[0] for _, times in replies if times] + [acked])
    problems = [line for line in log.read_text(errors="replace").splitlines()
                if "Traceback" in line or " ERROR " in line or "reply failed" in line]
    return {"bot": kind, "workers": args.workers, "events": len(results),
            "ack_rps": len(results) / (acked - start), "ack_ms": percentiles([r[2] - r[1] for r in results]),
            "e2e_rps": len(e2e) / (end - start), "e2e_ms": percentiles(e2e),
            "missing": sum(not t for _, t in replies), "duplicate": sum(len(t) > 1 for _, t in replies),
            "non_200": sum(r[3] != 200 for r in results), "log_problems": len(problems),
            "server_cpu_ms_per_event": cpu * 1000 / len(results), "bench_cpu_share": bench / (end - start)}


def harness_capacity(fake: FakeProcess, concurrency: int, n: int = 2000) -> float:
    """Round trips/s of the clients straight to the fake, no server: the most the harness can drive."""
    bodies = [(f"cap-{i}", json.dumps({"replyToken": f"cap-{i}", "messages": [{"type": "text", "text": "答" * 200}]})
               .encode(), {"Content-Type": "application/json"}) for i in range(n)]
    results = post_all(int(fake.url.rsplit(":", 1)[1]), REPLY, bodies, concurrency)
    return len(results) / (max(r[2] for r in results) - min(r[1] for r in results))


def median_row(rows: list[dict]) -> dict:
    """One bot's rounds: the median of each measure, the sum of each count of problems."""
    out = dict(rows[0], rounds=len(rows), **{k: sum(r[k] for r in rows) for k in PROBLEMS})
    for key, value in rows[0].items():
        if isinstance(value, (tuple, float)):
            columns = zip(*(r[key] for r in rows)) if isinstance(value, tuple) else [[r[key] for r in rows]]
            medians = tuple(map(statistics.median, columns))
            out[key] = medians if isinstance(value, tuple) else medians[0]
    return out


def print_table(s: dict) -> None:
    """The human-readable report."""
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores shared by gunicorn, the load generator and "
          f"the fake LINE API (load average {s['loadavg']:.1f} at start); {s['concurrency']} client threads; "
          f"median of {s['rounds']} rounds")
    print(f"{'bot':5} {'wrk':>3} {'events':>6} {'ack/s':>6} {'ack p50':>8} {'ack p99':>8} {'e2e/s':>6} "
          f"{'e2e p50':>9} {'e2e p99':>9} {'miss':>4} {'dup':>3} {'srv cpu/ev':>10} {'bench cpu':>9}")
    for r in s["bots"]:
        print(f"{r['bot']:5} {r['workers']:3d} {r['events']:6d} {r['ack_rps']:6.0f} {r['ack_ms'][0]:6.1f}ms "
              f"{r['ack_ms'][1]:6.1f}ms {r['e2e_rps']:6.0f} {r['e2e_ms'][0]:7.1f}ms {r['e2e_ms'][1]:7.1f}ms "
              f"{r['missing']:4d} {r['duplicate']:3d} {r['server_cpu_ms_per_event']:8.2f}ms "
              f"{r['bench_cpu_share']:9.0%}")
    top = max(r["e2e_rps"] for r in s["bots"])
    verdict = "not the limit" if top < 0.7 * s["harness_rps"] else "may limit the faster bot"
    print(f"harness alone (clients → fake LINE API, no server; best of rounds): {s['harness_rps']:.0f} "
          f"round trips/s; the fastest bot used {top / s['harness_rps']:.0%} of it: {verdict}")
    bad = {k: sum(r[k] for r in s["bots"]) for k in PROBLEMS}
    print("every event got exactly one reply" if not any(bad.values()) else f"PROBLEMS: {bad}")
    print(f"throughput ratio (ours/echo, end to end): {s['ratio']:.2f} (target ≥ 0.90); "
          f"per round: {' '.join(f'{x:.2f}' for x in s['round_ratios'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="measured events per bot and round")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each bot, alternating")
    parser.add_argument("--json", action="store_true", help="print a JSON summary instead of the table")
    args = parser.parse_args()
    loadavg, fake = os.getloadavg()[0], FakeProcess()
    rows, capacity = [], 0.0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for rnd in range(args.rounds):
                for kind in APPS:  # capacity before each round; the best is the least disturbed
                    capacity = max(capacity, harness_capacity(fake, args.concurrency))
                    rows.append(run_round(kind, rnd, args, fake, Path(tmp)))
    finally:
        fake.close()
    bots = {kind: median_row([r for r in rows if r["bot"] == kind]) for kind in APPS}
    summary = {"concurrency": args.concurrency, "rounds": args.rounds, "loadavg": loadavg,
               "harness_rps": capacity, "bots": list(bots.values()),
               "ratio": bots["ours"]["e2e_rps"] / bots["echo"]["e2e_rps"], "per_round": rows,
               "round_ratios": [o["e2e_rps"] / e["e2e_rps"] for e, o in zip(rows[::2], rows[1::2])]}
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print_table(summary)


if __name__ == "__main__":
    main()
