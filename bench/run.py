"""The API benchmark, end to end: database, seed, gunicorn, wrk, report.

    bench/run.sh                 # = .venv/bin/python -m bench.run, from the repository root

1. Uses the dedicated database `factcheck_bench` on the embedded PostgreSQL (or DATABASE_URL, a
   local server with pgvector): creates it if missing, migrates, seeds
   100,000 claims (`bench/seed.py`) if it has none.
2. Creates a fact-checker `bench-api` with a fresh API key (previous bench keys are revoked).
3. Starts gunicorn with `bench.settings` on 127.0.0.1 and a free port (see --workers).
4. For each scenario: checks one request by hand (status, headers), warms up, then runs
   `wrk -t2 -c<connections> -d<duration> --latency` with `bench/wrk.lua`, which counts every
   response's status. A scenario fails when wrk saw socket errors or a status other than the
   expected one (the conditional GET must be all 304).
5. Prints the table, checks the issue's targets, writes `bench/results/api-<date>.json` (and the
   raw wrk output and gunicorn log under `bench/results/raw/`), stops gunicorn.

Exit status: 0 when every scenario ran clean, 1 otherwise. Targets that are missed are reported
(and recorded in the JSON) but do not fail the run: the benchmark measures, it does not gate.
"""

import argparse
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from pathlib import Path

from bench.database import admin_url, database_name, database_url

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
RAW = RESULTS / "raw"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WRK = "/usr/bin/wrk"
DATABASE = "factcheck_bench"

ENV_DEFAULTS = {
    "CACHE_URL": "redis://127.0.0.1:6379/14",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    "DJANGO_SECRET_KEY": "bench-only-not-secret",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
}

# The baseline's rows are the anonymous verdict list's rows; see bench/baseline.py.
LIST_PATH = "/api/v1/verdicts/?page_size=50"
BASELINE_PATH = "/bench/baseline/verdicts/?page_size=50"
CREATE_PATH = "/api/v1/claims/"
RETRIEVE_SAMPLE = 200  # published verdicts the retrieve scenarios cycle through


def log(message: str) -> None:
    print(message, flush=True)


def environment(
    settings_module: str = "bench.settings", database: str = DATABASE, **defaults: str
) -> dict:
    """The benchmark's environment: ENV_DEFAULTS (overridden by `defaults`) where the caller's
    environment leaves a variable unset, the database (see bench/database.py) and
    `settings_module` for Django."""
    for name, value in {**ENV_DEFAULTS, **defaults}.items():
        os.environ.setdefault(name, value)
    os.environ["DATABASE_URL"] = database_url(database)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    return dict(os.environ)


# Database


def ensure_database(url: str) -> None:
    import psycopg

    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            log(f"Creating database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def run_checked(args: list[str], env: dict) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(map(str, args))}")


def prepare_database(env: dict, claims: int, seed_module: str = "bench.seed") -> None:
    """Create and migrate the benchmark database; seed it with `seed_module` when empty."""
    ensure_database(env["DATABASE_URL"])
    log("Migrating")
    run_checked([str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"], env)
    import django

    django.setup()
    from claims.models import Claim

    if not Claim.objects.exists():
        log(f"Seeding {claims} claims ({seed_module.replace('.', '/')}.py)")
        run_checked([str(PYTHON), "-m", seed_module, "--claims", str(claims)], env)


def dataset_facts() -> dict:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from bench.words import SEARCH_PHRASE, SEARCH_WORD
    from claims.models import Appearance, Claim, Correction, Evidence, Verdict
    from claims.selectors.verdicts import verdict_list
    from core import search

    public = verdict_list(viewer=AnonymousUser())

    def matching(text: str) -> int:
        return search.filter_matching(public, text).count()

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        postgres = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    public_count = public.count()
    word_hits, phrase_hits = matching(SEARCH_WORD), matching(f'"{SEARCH_PHRASE}"')
    return {
        "postgres": postgres,
        "database_size": size,
        "claims": Claim.objects.count(),
        "verdicts": Verdict.objects.count(),
        "public_verdicts": public_count,
        "appearances": Appearance.objects.count(),
        "evidence": Evidence.objects.count(),
        "corrections": Correction.objects.count(),
        "search_word": SEARCH_WORD,
        "search_word_matches": word_hits,
        "search_word_share": round(word_hits / public_count, 4) if public_count else None,
        "search_phrase": SEARCH_PHRASE,
        "search_phrase_matches": phrase_hits,
        "search_phrase_share": round(phrase_hits / public_count, 4) if public_count else None,
    }


def api_key(username: str = "bench-api", *, key_name: str = "", group: str | None = None) -> str:
    """A fresh API key for `username` (older keys of that user are revoked). The user is a
    fact-checker unless `group` says otherwise; `group=""` makes a plain API consumer."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core.models import ApiKey
    from core.roles import FACT_CHECKER
    from core.services.api_keys import api_key_create, api_key_revoke

    group = FACT_CHECKER if group is None else group
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": bool(group), "email": f"{username}@bench.invalid"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    for old in ApiKey.objects.filter(owner=user, revoked_at__isnull=True):
        api_key_revoke(api_key=old)
    name = key_name or f"benchmark {datetime.now():%Y-%m-%d %H:%M}"
    _, raw_key = api_key_create(owner=user, name=name, created_by=None)
    return raw_key


def retrieve_ids() -> list[int]:
    from claims.models import Verdict

    ids = list(
        Verdict.objects.filter(status=Verdict.Status.PUBLISHED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return random.Random(1124).sample(ids, min(RETRIEVE_SAMPLE, len(ids)))


def conditional_path_check(verdict_id: int) -> dict:
    """In-process: how many queries and serializations a 304 costs (the issue: none)."""
    from unittest import mock

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claims.api import serializers

    client = Client(HTTP_HOST="127.0.0.1")
    path = f"/api/v1/verdicts/{verdict_id}/"
    first = client.get(path)
    calls = []
    original = serializers.VerdictOutput.to_representation

    def counting(self, instance):
        calls.append(instance.pk)
        return original(self, instance)

    with (
        mock.patch.object(serializers.VerdictOutput, "to_representation", counting),
        CaptureQueriesContext(connection) as full,
    ):
        client.get(path)
    full_calls = len(calls)
    calls.clear()
    with (
        mock.patch.object(serializers.VerdictOutput, "to_representation", counting),
        CaptureQueriesContext(connection) as conditional,
    ):
        response = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    with CaptureQueriesContext(connection):
        by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    connection.close()
    return {
        "etag": first.get("ETag"),
        "last_modified": first.get("Last-Modified"),
        "full_status": first.status_code,
        "full_queries": len(full.captured_queries),
        "full_serializations": full_calls,
        "conditional_status": response.status_code,
        "conditional_queries": len(conditional.captured_queries),
        "conditional_serializations": len(calls),
        "conditional_body_bytes": len(response.content),
        "if_modified_since_status": by_date.status_code,
    }


# Server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env: dict, args, log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(GUNICORN),
            "factcheck.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--worker-class", args.worker_class,
            "--workers", str(args.workers),
            "--backlog", "2048",
            "--timeout", "60",
            "--keep-alive", "5",
            "--log-level", "warning",
        ]  # fmt: skip
        if args.worker_class == "gthread":
            command += ["--threads", str(args.threads)]
        self.command = command
        log(f"Starting gunicorn on {self.base}: {' '.join(command[1:])}")
        # gunicorn also reads the project's gunicorn.conf.py from the working directory (access
        # log to stdout, as in production): that output goes to the log file, not the report.
        self.log_file = open(log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 30 s")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log_file.close()


def http(method: str, url: str, *, headers=None, body: bytes | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# Other processes on the machine (other test runs, say) take CPU from the server under test; the
# report records how much, per scenario, so that a noisy number can be recognised as such.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_table() -> dict[int, tuple[str, float]]:
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        if cmdline:  # kernel threads have none; their work is mostly the load's own I/O
            table[int(entry.name)] = (cmdline, ticks)
    return table


SYSTEM_POSTGRES = re.compile(r"^postgres: \d+/\w+: (.*)$")
BACKEND = re.compile(r"^\S+ (\S+) (\d+\.\d+\.\d+\.\d+|\[local\]|::1)")


def _ours(pid: int, cmdline: str, server_pids: set[int]) -> bool:
    if pid in server_pids or pid == os.getpid():
        return True
    if cmdline.startswith(WRK) or cmdline.startswith("redis-server"):
        return True
    if cmdline.startswith("/usr/lib/postgresql/"):
        return True
    system = SYSTEM_POSTGRES.match(cmdline)
    if system:
        # The local cluster: its own processes and parallel workers are ours, and so are the
        # backends connected to a benchmark database (factcheck_bench, factcheck_bench_matching);
        # backends of other databases are not.
        backend = BACKEND.match(system.group(1))
        return backend is None or backend.group(1).startswith("factcheck_bench")
    return False


def server_pids(master: int) -> set[int]:
    pids = {master}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == master:
                pids.add(int(entry.name))
    return pids


class ForeignLoad:
    """CPU seconds used during a window by processes that are not part of the benchmark."""

    def __init__(self, server_pids: set[int]) -> None:
        self.server_pids = server_pids
        self.before = _process_table()
        self.started = time.monotonic()

    def stop(self) -> dict:
        after = _process_table()
        elapsed = time.monotonic() - self.started
        used: dict[str, float] = {}
        for pid, (cmdline, ticks) in after.items():
            if _ours(pid, cmdline, self.server_pids):
                continue
            earlier = self.before.get(pid)
            delta = ticks - (earlier[1] if earlier and earlier[0] == cmdline else 0)
            if delta > 0:
                used[cmdline[:80]] = used.get(cmdline[:80], 0) + delta / CLOCK_TICKS
        total = sum(used.values())
        top = sorted(used.items(), key=lambda item: -item[1])[:3]
        return {
            "cpu_seconds": round(total, 2),
            "share_of_machine": round(total / (elapsed * (os.cpu_count() or 1)), 3),
            "top": [{"process": name, "cpu_seconds": round(sec, 2)} for name, sec in top],
        }


def wait_until_quiet(server_pids: set[int], limit: float, threshold: float = 0.1) -> dict:
    """Wait (up to `limit` seconds) for a second in which other processes use less than
    `threshold` of the machine; returns the last sample."""
    deadline = time.monotonic() + limit
    while True:
        window = ForeignLoad(server_pids)
        time.sleep(1)
        sample = window.stop()
        if sample["share_of_machine"] < threshold or time.monotonic() >= deadline:
            return sample
        log(
            f"    (waiting: other processes use {sample['share_of_machine']:.0%} of the machine:"
            f" {sample['top'][0]['process'] if sample['top'] else ''})"
        )


# Scenarios


class Scenario:
    def __init__(self, name, title, path, *, connections, expect=200, env=None, check=None):
        self.name, self.title, self.path = name, title, path
        self.connections, self.expect = connections, expect
        self.env = env or {}
        self.check = check


def scenarios(server: Server, raw_key: str, ids: list[int], args) -> list[Scenario]:
    from bench.words import SEARCH_PHRASE, SEARCH_WORD

    word = urllib.parse.quote(SEARCH_WORD)
    phrase = urllib.parse.quote(f'"{SEARCH_PHRASE}"')

    # The retrieve scenarios cycle through published verdicts, with each one's current ETag.
    lines = []
    for verdict_id in ids:
        path = f"/api/v1/verdicts/{verdict_id}/"
        status, headers, _ = http("GET", server.base + path)
        if status != 200 or "ETag" not in headers:
            raise SystemExit(f"GET {path}: {status}, headers {headers}")
        lines.append(f"{path}\t{headers['ETag']}")
    paths_file = RAW / "retrieve-paths.tsv"
    paths_file.write_text("\n".join(lines) + "\n")

    def check_list(path):
        def check():
            status, _, body = http("GET", server.base + path)
            data = json.loads(body)
            assert status == 200, (status, body[:300])
            assert len(data["results"]) == 50, len(data["results"])
            assert all(row["status"] in ("published", "retracted") for row in data["results"])
            return {"bytes": len(body), "first_id": data["results"][0]["id"]}

        return check

    def check_search(path):
        def check():
            status, _, body = http("GET", server.base + path)
            assert status == 200, (status, body[:300])
            return {"bytes": len(body), "results": len(json.loads(body)["results"])}

        return check

    def check_retrieve():
        path = lines[0].split("\t")[0]
        status, headers, body = http("GET", server.base + path)
        assert status == 200, (status, body[:300])
        assert "ETag" in headers, headers
        assert "Last-Modified" in headers, headers
        return {"etag": headers["ETag"], "last_modified": headers["Last-Modified"]}

    def check_conditional():
        path, etag = lines[0].split("\t")
        status, headers, body = http("GET", server.base + path, headers={"If-None-Match": etag})
        assert status == 304, (status, body[:300])
        assert body == b"", body[:300]
        return {"status": status, "etag": headers.get("ETag")}

    def check_create():
        body = json.dumps(
            {
                "text": "Benchmark check: a claim created before the run.",
                "language": "en",
                "appearances": [{"url": "https://x.com/bench/status/1", "platform": "x"}],
            }
        ).encode()
        status, headers, answer = http(
            "POST",
            server.base + CREATE_PATH,
            headers={"Content-Type": "application/json", "X-API-Key": raw_key},
            body=body,
        )
        assert status == 201, (status, answer[:300])
        return {"status": status, "etag": headers.get("ETag")}

    def check_baseline():
        """The baseline must answer the same rows with the same content as the API (first two
        pages, following each one's own `next` link); authors compared as sets."""

        def page(url):
            status, _, body = http("GET", url)
            assert status == 200, (url, status, body[:300])
            data = json.loads(body)
            for row in data["results"]:
                row["authors"] = sorted(row["authors"])
            return data, len(body)

        api_url, baseline_url = server.base + LIST_PATH, server.base + BASELINE_PATH
        sizes = []
        for number in (1, 2):
            api, _ = page(api_url)
            baseline, size = page(baseline_url)
            sizes.append(size)
            assert len(baseline["results"]) == 50, len(baseline["results"])
            if api["results"] != baseline["results"]:
                raise SystemExit(f"baseline page {number} differs from the API's")
            api_url, baseline_url = api["next"], baseline["next"]
        return {"bytes": sizes[0], "same_results_as_api": "pages 1 and 2"}

    many, few = args.connections, args.search_connections
    return [
        Scenario("verdict_list", "verdict list (50 a page)", LIST_PATH, connections=many,
                 check=check_list(LIST_PATH)),
        Scenario("baseline", "baseline: same rows, .values() + JsonResponse", BASELINE_PATH,
                 connections=many, check=check_baseline),
        Scenario("search_word", f"verdict search q={SEARCH_WORD}",
                 f"/api/v1/verdicts/?q={word}", connections=few,
                 check=check_search(f"/api/v1/verdicts/?q={word}")),
        Scenario("search_phrase", f'verdict search q="{SEARCH_PHRASE}"',
                 f"/api/v1/verdicts/?q={phrase}", connections=few,
                 check=check_search(f"/api/v1/verdicts/?q={phrase}")),
        Scenario("retrieve", f"verdict retrieve ({len(ids)} published)", "/api/v1/verdicts/<id>/",
                 connections=many, env={"BENCH_PATHS_FILE": str(paths_file)},
                 check=check_retrieve),
        Scenario("retrieve_304", "verdict retrieve, If-None-Match (304)",
                 "/api/v1/verdicts/<id>/", connections=many, expect=304,
                 env={"BENCH_PATHS_FILE": str(paths_file), "BENCH_IF_NONE_MATCH": "1"},
                 check=check_conditional),
        Scenario("claim_create", "claim create (POST, fact-checker API key)", CREATE_PATH,
                 connections=many, expect=201,
                 env={"BENCH_CREATE_CLAIMS": "1", "BENCH_HEADERS": f"X-API-Key: {raw_key}"},
                 check=check_create),
    ]  # fmt: skip


WRK_JSON = re.compile(r"^WRK_JSON (.*)$", re.MULTILINE)
WRK_RPS = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.MULTILINE)


def run_wrk(server: Server, scenario: Scenario, duration: int, threads: int, env: dict):
    # The retrieve scenarios' paths come from BENCH_PATHS_FILE; the URL only names the server.
    url = server.base + ("/" if "<id>" in scenario.path else scenario.path)
    command = [
        WRK, f"-t{threads}", f"-c{scenario.connections}", f"-d{duration}s", "--latency",
        "--timeout", "10s", "-s", str(BENCH / "wrk.lua"), url,
    ]  # fmt: skip
    result = subprocess.run(
        command, env={**env, **scenario.env}, capture_output=True, text=True, timeout=duration + 60
    )
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stderr}")
    match = WRK_JSON.search(result.stdout)
    if not match:
        raise SystemExit(f"no WRK_JSON line in wrk's output:\n{result.stdout}")
    data = json.loads(match.group(1))
    data["requests_per_second"] = float(WRK_RPS.search(result.stdout).group(1))
    return data, result.stdout


def measure(server, scenario_list, args, env) -> list[dict]:
    rows = []
    pids = server_pids(server.process.pid)
    for scenario in scenario_list:
        checked = scenario.check() if scenario.check else {}
        if args.warmup:
            run_wrk(server, scenario, args.warmup, args.wrk_threads, env)
        if args.quiet_wait:
            wait_until_quiet(pids, args.quiet_wait)
        foreign = ForeignLoad(pids)
        data, text = run_wrk(server, scenario, args.duration, args.wrk_threads, env)
        other_load = foreign.stop()
        (RAW / f"wrk-{scenario.name}.txt").write_text(text)
        statuses = {int(k): v for k, v in data["statuses"].items()}
        unexpected = sum(v for k, v in statuses.items() if k != scenario.expect)
        socket_errors = sum(data["errors"][k] for k in ("connect", "read", "write", "timeout"))
        row = {
            "name": scenario.name,
            "title": scenario.title,
            "path": scenario.path,
            "connections": scenario.connections,
            "duration_s": args.duration,
            "expected_status": scenario.expect,
            "requests": data["requests"],
            "requests_per_second": data["requests_per_second"],
            "latency_ms": {k: round(v / 1000, 2) for k, v in data["latency_us"].items()},
            "bytes_per_response": round(data["bytes"] / max(data["requests"], 1)),
            "statuses": statuses,
            "socket_errors": data["errors"],
            "ok": unexpected == 0 and socket_errors == 0 and data["requests"] > 0,
            "check": checked,
            "other_processes": other_load,
        }
        rows.append(row)
        log(
            f"  {scenario.name:<14} {row['requests_per_second']:>8.1f} req/s  "
            f"p50 {row['latency_ms']['p50']:>7.1f} ms  p99 {row['latency_ms']['p99']:>7.1f} ms  "
            f"statuses {statuses}  socket errors {socket_errors}"
            + (
                f"  [other processes used {other_load['share_of_machine']:.0%} of the CPU]"
                if other_load["share_of_machine"] >= 0.05
                else ""
            )
            + ("" if row["ok"] else "   <-- FAILED")
        )
    return rows


# Report


def machine() -> dict:
    def command(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    model = re.search(r"^Model name:\s*(.+)$", command("lscpu"), re.MULTILINE)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    import django
    import gunicorn
    import rest_framework

    return {
        "nproc": int(command("nproc") or os.cpu_count()),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "ram_gib": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.__version__,
        "djangorestframework": rest_framework.VERSION,
        "gunicorn": gunicorn.__version__,
        "wrk": command(WRK, "--version").splitlines()[0] if command(WRK, "--version") else "",
    }


def targets(rows: list[dict], conditional: dict) -> dict:
    by_name = {row["name"]: row for row in rows}
    result = {}
    if "verdict_list" in by_name and "baseline" in by_name:
        ratio = (
            by_name["verdict_list"]["requests_per_second"]
            / by_name["baseline"]["requests_per_second"]
        )
        result["list_vs_baseline"] = {
            "target": "verdict list >= 0.5 x baseline requests/s",
            "ratio": round(ratio, 3),
            "met": ratio >= 0.5,
        }
        if by_name["baseline"]["requests_per_second"] < 100:
            # The issue measured a hand-built list at ~640 req/s on this machine.
            result["list_vs_baseline"]["note"] = (
                "the baseline itself is slow: both endpoints wait on the same database query, "
                "so the ratio does not measure the API's own overhead (see bench/README.md)"
            )
    for name in ("search_word", "search_phrase"):
        if name in by_name:
            p99 = by_name[name]["latency_ms"]["p99"]
            result[f"{name}_p99"] = {
                "target": f"p99 < 150 ms at {by_name[name]['connections']} connections",
                "p99_ms": p99,
                "met": p99 < 150,
            }
    if conditional:
        ok_304 = by_name.get("retrieve_304", {}).get("ok", False)
        result["conditional_get"] = {
            "target": "ETag + Last-Modified on published verdicts; If-None-Match answers 304 "
            "without serializing",
            "etag": bool(conditional.get("etag")),
            "last_modified": bool(conditional.get("last_modified")),
            "all_304_under_load": ok_304,
            "queries_for_304": conditional.get("conditional_queries"),
            "serializations_for_304": conditional.get("conditional_serializations"),
            "if_modified_since_status": conditional.get("if_modified_since_status"),
            "met": bool(
                conditional.get("etag")
                and conditional.get("last_modified")
                and ok_304
                and conditional.get("conditional_status") == 304
                and conditional.get("conditional_serializations") == 0
            ),
        }
    return result


def print_table(rows: list[dict], goals: dict) -> None:
    header = f"| {'scenario':<45} | conn | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | status |"
    log("")
    log(header)
    log("|" + "|".join("-" * (len(part) + 0) for part in header.split("|")[1:-1]) + "|")
    for row in rows:
        status = "ok" if row["ok"] else "FAIL"
        log(
            f"| {row['title']:<45} | {row['connections']:>4} | {row['requests_per_second']:>8.1f} "
            f"| {row['latency_ms']['p50']:>7.1f} | {row['latency_ms']['p99']:>7.1f} | {status:<6} |"
        )
    log("")
    for name, goal in goals.items():
        details = {k: v for k, v in goal.items() if k not in ("target", "met")}
        log(f"  [{'met' if goal['met'] else 'MISSED'}] {name}: {goal['target']}  {details}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="API benchmark: gunicorn + wrk on 127.0.0.1.")
    parser.add_argument("--claims", type=int, default=100_000, help="seed size if empty")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--search-connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="per worker, gthread only")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each scenario, wait up to this many seconds for other processes to go "
        "quiet (0: do not wait)",
    )
    parser.add_argument("--output", help="results file (default bench/results/api-<date>.json)")
    args = parser.parse_args(argv)

    # A SIGTERM (a timeout, say) still stops gunicorn: it unwinds through the `finally`.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    env = environment()
    RAW.mkdir(parents=True, exist_ok=True)
    prepare_database(env, args.claims)
    facts = dataset_facts()
    log(
        f"Dataset: {facts['claims']} claims, {facts['public_verdicts']} public verdicts; "
        f"q={facts['search_word']} matches {facts['search_word_matches']}, "
        f'q="{facts["search_phrase"]}" matches {facts["search_phrase_matches"]}'
    )
    raw_key = api_key()
    ids = retrieve_ids()
    conditional = conditional_path_check(ids[0])
    log(f"Conditional GET, in-process: {conditional}")

    from django.db import connection

    connection.close()
    (RAW / "gunicorn.log").unlink(missing_ok=True)
    server = Server(env, args, RAW / "gunicorn.log")
    started = datetime.now().astimezone()
    try:
        scenario_list = scenarios(server, raw_key, ids, args)
        if args.only:
            wanted = set(args.only.split(","))
            scenario_list = [s for s in scenario_list if s.name in wanted]
        rows = measure(server, scenario_list, args, env)
    finally:
        server.stop()

    goals = targets(rows, conditional)
    print_table(rows, goals)
    report = {
        "date": started.date().isoformat(),
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "server": {
            "command": " ".join(server.command[1:]),
            "worker_class": args.worker_class,
            "workers": args.workers,
            "threads": args.threads if args.worker_class == "gthread" else 1,
            "settings": "bench.settings",
        },
        "load": {
            "tool": "wrk",
            "threads": args.wrk_threads,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "dataset": facts,
        "conditional_get_in_process": conditional,
        "scenarios": rows,
        "targets": goals,
    }
    output = Path(args.output) if args.output else RESULTS / f"api-{date.today().isoformat()}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"\nWrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")

    failed = [row["name"] for row in rows if not row["ok"]]
    if failed:
        log(
            f"\nFAILED: {', '.join(failed)} had socket errors or unexpected statuses "
            f"(see bench/results/raw/ and the gunicorn log)"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
