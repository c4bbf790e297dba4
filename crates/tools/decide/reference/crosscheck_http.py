#!/usr/bin/env python3
"""Cross-checks ranked polls' results over HTTP against independent Python implementations.

crates/tally/reference/crosscheck.py compares the tally crate itself; this script compares what
the running server answers: it starts Weft, opens ranked polls through the API, casts each
ballot as a real account, closes the polls and reads `GET /api/v1/polls/{id}/results`. The
reference calls (pref_voting, pyrankvote, py3votecore) are crosscheck.py's own functions.

How to run, from the workspace root (the venv as in crates/tally/reference/crosscheck.py):

    cargo build -p weft
    .venv/bin/python crates/tools/decide/reference/crosscheck_http.py --binary target/debug/weft
        # 40 elections, 184 polls, ~4,800 votes: about 50 s on 2 cores with the debug build. Ends with "N passed, M skipped, F failed" (comparisons); exits 1 on any
        # mismatch, printing each with its election, and the smallest failing one again last.

Options: --binary PATH (default target/debug/weft), --seed S (default 2026), --elections N
(default 40), --jobs J (client threads casting votes, default 4), --keep-data (leave the
server's data directory in place).

The server runs on SQLite in a fresh temporary data directory, on a free local port, with
signup and login limits off and cheap Argon2 (as crates/weft/tests/schemathesis/run starts it);
it is stopped when the script ends, on failure too. A server log mentioning a panic fails the
run.

Elections: 3 to 6 options named "Alpha", "Bravo"...; 15 to 40 voters in 2 to 4 blocs whose
shared order each voter perturbs by a few adjacent swaps; one voter in five weighs 2 or 3 (the
poll's `weights`, by handle). In "truncated" elections about half the ballots rank only a
prefix of the voter's order. Only elections where the references' IRV, Schulze and Borda
winners are not all the same, pref_voting's IRV electing one, are kept (generated until
--elections are found, at most 100 tries each). Each kept election becomes one poll per method: `irv`, `schulze`, `borda`, and
with 4 or more options `stv` for 2 seats with `stv_rule` `scottish` and `meek`. Borda polls get
every voter's complete order (the references' Borda and ours agree only on complete rankings);
the others get the ballots as generated. Ballots name options by id, by text, or by text in
lower case, in turn.

What is compared, and how ties are handled:
- IRV winner: pref_voting.instant_runoff and pyrankvote.instant_runoff_voting. Skipped when the
  server's rounds show a tie (an eliminated option whose tally another continuing option shares:
  our tie rule differs from both references; options level on no votes at all are compared, as
  the order they go in changes nothing), or when the references see one (pref_voting reports
  several winners, or the two disagree).
- Schulze winners, as a set: py3votecore SchulzeMethod (winning votes, the strength the server
  counts with: tally's `Strength::default()`). On elections of complete rankings also
  pref_voting.beat_path (margins): there every pair's votes add up to the same total, so both
  strengths order defeats alike. No tie-breaking is involved in the set; ties are compared too.
- Borda winners (every option tied on the top score) against pref_voting's Borda, and the
  points in `tallies` against Profile.borda_scores, exactly; ties compared too.
- STV for 2 seats, the elected as a set: pref_voting.stv_scottish against `scottish`,
  pref_voting.stv_meek (tol 1e-9, 300 iterations a stage, as crosscheck.py) against `meek`.
  Skipped when the server's rounds show a tie: an exclusion of an option whose votes another
  continuing option had at the stage before, or a surplus transferred first while another
  untransferred surplus was equal (the statute and pref_voting draw lots).
- Every poll: `voters_count` is the number of voters and `weight_counted` their total weight.
The counts printed are comparisons: a poll checked against two references counts twice.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(WORKSPACE / "crates" / "tally" / "reference"))
import crosscheck as ref  # noqa: E402  (the tally crate's reference calls, reused as they are)

NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"]
PASSWORD = "tangerine-orbit-cello-47"
VOTERS = 40
SEATS = 2


# ---------------------------------------------------------------- elections


def make_election(rng: random.Random, index: int) -> dict:
    options = rng.randint(3, len(NAMES))
    voters = rng.randint(15, VOTERS)
    model = rng.choice(["full", "truncated"])
    blocs = []
    for _ in range(rng.randint(2, 4)):
        order = list(range(options))
        rng.shuffle(order)
        blocs.append(order)
    shares = [rng.random() + 0.2 for _ in blocs]
    complete, cast = [], []
    for _ in range(voters):
        order = list(rng.choices(blocs, weights=shares)[0])
        for _ in range(rng.randint(0, options)):
            at = rng.randrange(options - 1)
            order[at], order[at + 1] = order[at + 1], order[at]
        weight = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        ranking = order
        if model == "truncated" and rng.random() < 0.5:
            ranking = order[: rng.randint(1, options - 1)]
        complete.append({"ballot": order, "weight": weight})
        cast.append({"ballot": ranking, "weight": weight})
    return {"id": index, "model": model, "options": options, "seats": SEATS,
            "ballots": cast, "complete": complete}


def with_complete(election: dict) -> dict:
    """The election as its Borda poll sees it: every voter's complete order."""
    return dict(election, ballots=election["complete"])


def ref_borda_winners(election: dict) -> list[int]:
    from pref_voting.scoring_methods import borda

    return sorted(borda(ref.pref_voting_profile(with_complete(election))))


def methods_disagree(election: dict) -> bool:
    """Whether the references' IRV, Schulze and Borda winners are not all the same, IRV
    electing one (an election where pref_voting's IRV ends level would mostly be skipped)."""
    irv = ref.ref_irv_pref_voting(election)
    schulze = ref.ref_schulze_py3votecore(election)
    borda = ref_borda_winners(election)
    return len(irv) == 1 and not (irv == schulze == borda)


def make_elections(seed: int, wanted: int) -> tuple[list[dict], int]:
    rng = random.Random(seed)
    kept, tried = [], 0
    while len(kept) < wanted and tried < 100 * wanted:
        election = make_election(rng, len(kept))
        tried += 1
        if methods_disagree(election):
            kept.append(election)
    return kept, tried


def polls_of(election: dict) -> list[tuple[str, dict, list[dict]]]:
    """(name, poll fields, ballots) for each poll an election becomes."""
    polls = [
        ("irv", {"method": "irv"}, election["ballots"]),
        ("schulze", {"method": "schulze"}, election["ballots"]),
        ("borda", {"method": "borda"}, election["complete"]),
    ]
    if election["options"] >= 4:
        for rule in ["scottish", "meek"]:
            polls.append((f"stv_{rule}", {"method": "stv", "seats": SEATS, "stv_rule": rule},
                          election["ballots"]))
    return polls


# ---------------------------------------------------------------- the server


class ApiError(Exception):
    pass


class Client:
    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body=None, token: str | None = None, expect=(200, 201, 204)):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, text = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        if status not in expect:
            raise ApiError(f"{method} {path} {json.dumps(body)} answered {status}: {text[:500]!r}")
        return json.loads(text) if text else None


class Server:
    def __init__(self, binary: str, keep_data: bool):
        self.data = tempfile.mkdtemp(prefix="weft-xcheck-http.")
        self.keep_data = keep_data
        self.log_path = Path(self.data) / "server.log"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, WEFT_DATABASE_URL="", WEFT_LOGIN_ATTEMPTS_PER_MINUTE="0",
                   WEFT_SIGNUPS_PER_HOUR="0", WEFT_ARGON2_MEMORY_KIB="64",
                   WEFT_ARGON2_ITERATIONS="1", WEFT_LOG="warn")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [binary, "--data-dir", str(Path(self.data) / "data"), "serve", "--listen", f"127.0.0.1:{port}"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        atexit.register(self.stop)

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weft exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"weft not ready after {seconds} s:\n{self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()
        if not self.keep_data and os.path.isdir(self.data):
            shutil.rmtree(self.data, ignore_errors=True)


def sign_up(api: Client, handle: str) -> str:
    api.call("POST", "/api/v1/accounts", {"handle": handle, "password": PASSWORD,
                                          "email": f"{handle}@example.org"})
    return api.call("POST", "/api/v1/sessions", {"handle": handle, "password": PASSWORD})["token"]


def set_up(api: Client, pool: ThreadPoolExecutor) -> tuple[str, list[tuple[str, str]]]:
    """The poll author's token and (handle, token) of each voter, all in an open group."""
    author = sign_up(api, "xauthor")
    api.call("POST", "/api/v1/groups", {"handle": "xcheck", "name": "Cross-check",
                                        "visibility": "public", "join_policy": "open"}, author)
    api.call("PUT", "/api/v1/groups/xcheck/tools/decide", {}, author, expect=(204,))
    handles = [f"voter{i:02d}" for i in range(VOTERS)]

    def join(handle: str) -> tuple[str, str]:
        token = sign_up(api, handle)
        api.call("POST", "/api/v1/groups/xcheck/members", {}, token, expect=(201,))
        return handle, token

    return author, list(pool.map(join, handles))


def named(option: int, voter: int, texts: list[str]):
    """Options by id, by text and by text in lower case, in turn."""
    return [option, texts[option], texts[option].lower()][voter % 3]


def run_election(api: Client, pool: ThreadPoolExecutor, author: str, voters: list[tuple[str, str]],
                 election: dict) -> dict[str, dict]:
    """Opens, fills and closes the election's polls; their results by poll name."""
    texts = NAMES[: election["options"]]
    polls = []
    for name, fields, ballots in polls_of(election):
        weights = {voters[i][0]: b["weight"] for i, b in enumerate(ballots) if b["weight"] != 1}
        body = {"title": f"Election {election['id']} by {name}", "kind": "ranked", "options": texts, **fields}
        if weights:
            body["weights"] = weights
        poll = api.call("POST", "/api/v1/groups/xcheck/polls", body, author, expect=(201,))
        if [o["text"] for o in poll["options"]] != texts:
            raise ApiError(f"poll {poll['id']} options {poll['options']} are not {texts}")
        polls.append((name, poll["id"], ballots))
    votes = [(poll_id, i, b["ballot"]) for _, poll_id, ballots in polls for i, b in enumerate(ballots)]

    def vote(item) -> None:
        poll_id, i, ranking = item
        api.call("POST", f"/api/v1/polls/{poll_id}/votes",
                 {"ranking": [named(o, i, texts) for o in ranking]}, voters[i][1])

    list(pool.map(vote, votes))
    results = {}
    for name, poll_id, ballots in polls:
        api.call("POST", f"/api/v1/polls/{poll_id}/close", None, author)
        results[name] = api.call("GET", f"/api/v1/polls/{poll_id}/results", None, author)
        results[name]["poll"] = poll_id
    return results


# ---------------------------------------------------------------- ties in the server's rounds


def irv_tie(rounds: list[dict]) -> bool:
    """Whether an elimination chose among options level on the round's tallies.

    Options level on no votes at all are not a tie that matters: eliminating one transfers
    nothing, so the others are eliminated next, in whatever order, and no tally changes."""
    out: set[str] = set()
    for round in rounds:
        if round.get("eliminated"):
            (gone,) = round["eliminated"]
            tallies = round["tallies"]
            if tallies[gone] and any(tallies[o] == tallies[gone] for o in tallies
                                     if o != gone and o not in out):
                return True
            out.add(gone)
    return False


def stv_tie(rounds: list[dict]) -> bool:
    """Whether an exclusion or the order of surpluses was decided by the tie rule.

    A round's tallies are those after its action, so the decision was made on the round
    before's."""
    elected: set[str] = set()
    excluded: set[str] = set()
    transferred: set[str] = set()
    before = None
    for round in rounds:
        action = round["action"]
        if before is not None:
            tallies = {o: Decimal(v) for o, v in before["tallies"].items()}
            if action["type"] == "exclusion":
                (gone,) = action["option"]
                level = [o for o in tallies if o != gone and o not in elected | excluded
                         and tallies[o] == tallies[gone]]
                if level:
                    return True
                excluded.add(gone)
            elif action["type"] == "surplus":
                (source,) = action["from"]
                quota = Decimal(before["quota"])
                level = [o for o in elected - transferred if o != source
                         and tallies[o] > quota and tallies[o] == tallies[source]]
                if level:
                    return True
                transferred.add(source)
        elected.update(round["elected"])
        before = round
    return False


# ---------------------------------------------------------------- comparison


def compare(election: dict, results: dict[str, dict]) -> list[tuple[str, str, object, object]]:
    """(check, "pass" | "skip" | "fail", ours, reference) for each comparison."""
    texts = NAMES[: election["options"]]
    made: list[tuple[str, str, object, object]] = []

    def winners(name: str) -> list[int]:
        return sorted(texts.index(t) for t in results[name]["winners"])

    def check(name: str, ours, reference) -> None:
        made.append((name, "pass" if ours == reference else "fail", ours, reference))

    def skip(name: str, why: str) -> None:
        made.append((name, "skip", why, None))

    for name, _, ballots in polls_of(election):
        got = results[name]
        check(f"{name}/counted", [got["voters_count"], got["weight_counted"]],
              [len(ballots), sum(b["weight"] for b in ballots)])

    irv = results["irv"]
    pref_voting_irv = ref.ref_irv_pref_voting(election)
    pyrankvote_irv = ref.ref_irv_pyrankvote(election)
    if irv_tie(irv.get("rounds") or []):
        skip("irv/pref_voting", "server tie")
        skip("irv/pyrankvote", "server tie")
    elif len(pref_voting_irv) > 1 or pref_voting_irv != pyrankvote_irv:
        skip("irv/pref_voting", "reference tie")
        skip("irv/pyrankvote", "reference tie")
    else:
        check("irv/pref_voting", winners("irv"), pref_voting_irv)
        check("irv/pyrankvote", winners("irv"), pyrankvote_irv)

    check("schulze/py3votecore", winners("schulze"), ref.ref_schulze_py3votecore(election))
    if election["model"] == "full":
        check("schulze/pref_voting_margins", winners("schulze"), ref.ref_schulze_pref_voting(election))

    check("borda/pref_voting", winners("borda"), ref_borda_winners(election))
    points = results["borda"]["tallies"]
    check("borda/pref_voting_scores", [points[t] for t in texts], ref.ref_borda(with_complete(election)))

    for rule, reference in [("scottish", ref.ref_stv_scottish), ("meek", ref.ref_stv_meek)]:
        name = f"stv_{rule}"
        if name not in results:
            continue
        if stv_tie(results[name].get("rounds") or []):
            skip(f"{name}/pref_voting", "server tie")
        else:
            check(f"{name}/pref_voting", winners(name), reference(election))
    return made


def shown(election: dict) -> str:
    texts = NAMES[: election["options"]]
    return json.dumps({
        "election": election["id"], "model": election["model"], "options": texts,
        "ballots": [[[texts[o] for o in b["ballot"]], b["weight"]] for b in election["ballots"]],
        # The Borda poll's ballots, when some of the others' are truncated.
        **({"complete": [[texts[o] for o in b["ballot"]] for b in election["complete"]]}
           if election["complete"] != election["ballots"] else {}),
    })


def crosscheck(args) -> int:
    if not os.access(args.binary, os.X_OK):
        print(f"no weft binary at {args.binary}: build it with `cargo build -p weft` or pass --binary")
        return 1
    started = time.time()
    elections, tried = make_elections(args.seed, args.elections)
    print(f"kept {len(elections)} of {tried} generated elections (seed {args.seed}) where the "
          f"references' IRV, Schulze and Borda winners differ; {sum(len(polls_of(e)) for e in elections)} "
          f"polls, {sum(len(b) for e in elections for _, _, b in polls_of(e))} votes", flush=True)
    server = Server(args.binary, args.keep_data)
    try:
        server.wait_ready()
        api = Client(server.base)
        with ThreadPoolExecutor(args.jobs) as pool:
            author, voters = set_up(api, pool)
            print(f"server up at {server.base} with {len(voters)} voters after "
                  f"{time.time() - started:.1f} s", flush=True)
            counted: dict[str, dict[str, int]] = {}
            failures: list[tuple[dict, list]] = []
            skips: dict[str, dict[str, int]] = {}
            # Elections run one after another, each casting its votes on the pool; the main
            # thread compares one election's results while the next is voted on.
            with ThreadPoolExecutor(1) as runner:
                pending = [runner.submit(run_election, api, pool, author, voters, e) for e in elections]
                for election, future in zip(elections, pending):
                    try:
                        results = future.result()
                    except BaseException:
                        for later in pending:
                            later.cancel()
                        raise
                    try:
                        made = compare(election, results)
                    except Exception as error:  # a reference crashing is a finding too
                        made = [("reference raised", "fail", repr(error), None)]
                    wrong = [m for m in made if m[1] == "fail"]
                    for name, status, why, _ in made:
                        counted.setdefault(name, {"pass": 0, "skip": 0, "fail": 0})[status] += 1
                        if status == "skip":
                            reasons = skips.setdefault(name, {})
                            reasons[why] = reasons.get(why, 0) + 1
                    if wrong:
                        failures.append((election, wrong))
                        for name, _, ours, reference in wrong:
                            poll = results.get(name.split("/")[0], {}).get("poll")
                            print(f"MISMATCH election {election['id']} {name} (poll {poll}): "
                                  f"server {ours!r} vs reference {reference!r}")
                        print(f"  {shown(election)}", flush=True)
        log = server.log_text()
    except BaseException:
        print("the server's log ends:\n" + "\n".join(server.log_text().splitlines()[-20:]))
        raise
    finally:
        server.stop()
    for name in sorted(counted):
        c = counted[name]
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(skips.get(name, {}).items()))
        print(f"  {name}: {c['pass']} passed, {c['skip']} skipped{f' ({why})' if why else ''}, "
              f"{c['fail']} failed")
    panicked = "panicked" in log
    if panicked:
        print("the server panicked:")
        print("\n".join(line for line in log.splitlines() if "panic" in line))
    if failures:
        election, wrong = min(failures, key=lambda f: (len(f[0]["ballots"]), f[0]["options"]))
        print(f"SMALLEST MISMATCH, election {election['id']}: "
              + "; ".join(f"{n}: server {o!r} vs reference {r!r}" for n, _, o, r in wrong))
        print(f"  {shown(election)}")
    total = {s: sum(c[s] for c in counted.values()) for s in ["pass", "skip", "fail"]}
    print(f"{time.time() - started:.1f} s in all")
    print(f"{total['pass']} passed, {total['skip']} skipped, {total['fail']} failed")
    return 1 if total["fail"] or panicked else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(WORKSPACE / "target" / "debug" / "weft"),
                        help="path of a built weft binary")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--elections", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=4, help="client threads casting votes")
    parser.add_argument("--keep-data", action="store_true", help="keep the server's data directory")
    args = parser.parse_args()
    # A SIGTERM (a CI timeout, say) still runs the atexit hook that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return crosscheck(args)


if __name__ == "__main__":
    sys.exit(main())
