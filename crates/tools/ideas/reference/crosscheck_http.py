#!/usr/bin/env python3
"""Cross-checks the ideas tool's wiki-survey ranking over HTTP against choix's Bradley–Terry fit.

The server fits each pairwise board's answers itself (crates/tally/src/pairwise.rs: Hunter's
MM step under choix's `alpha = 0.01` prior, strengths rescaled to mean 1, stopping at 1e-10
relative). This script starts Weft, runs wiki-surveys through the API as real accounts,
answering the pairs the server chooses, and compares `GET /api/v1/idea-boards/{id}/ranking`
with an independent fit of the same answers by choix.ilsr_pairwise (a different algorithm:
iterated Luce spectral ranking, the stationary distribution of a Markov chain). The server
and the accounts are set up by crates/tools/decide/reference/crosscheck_http.py's `Server`,
`Client` and `sign_up`, imported as they are (SQLite in a fresh temporary data directory, a free
local port; a server log mentioning a panic fails the run).

How to run, from the workspace root (the venv as in crates/tally/reference/crosscheck.py):

    cargo build -p weft
    .venv/bin/python crates/tools/ideas/reference/crosscheck_http.py --binary target/debug/weft
        # 12 surveys, ~1,450 answers: about 17 s on 2 cores with the debug build. Ends with
        # the largest differences from choix seen (about 1e-8) and "N passed, F failed"
        # (rankings read, three a survey); exits 1 on any mismatch, printing the survey.

Options: --binary PATH (default target/debug/weft), --seed S (default 2026), --surveys N
(default 12), --keep-data (leave the server's data directory in place).

Surveys: 3 to 12 ideas with hidden true strengths (lognormal, sigma 1), asked by 3 to 6
voters of an open group; 40 to 250 answers in all, and one or two more ideas added at a random
point in the middle third of them (a new idea enters the survey at once). Each answer asks a
random voter's `GET .../pair` and answers by the true Bradley–Terry chance of left beating
right; about 5% of answers are "none" (stored, counted in `answers`, not fitted), and about 5%
of the time the pair is skipped (asked for again, the token left unused). The seed fixes the
surveys and the voters' choices, not the pairs: the server picks those at random, so two runs
with one seed compare different answers.

What is compared, each time a ranking is read (just before the ideas are added midway, just
after, and at the end; the server fits warm from its last fit, so these also check that a fit
restarted with new ideas reaches the cold fit):
- `score`: choix.ilsr_pairwise(n, answers, alpha=0.01, max_iter=10000, tol=1e-10), w =
  exp(params), score_i = 100 · mean over j ≠ i of w_i / (w_i + w_j); within 0.01 (absolute,
  on the 0–100 scale).
- `low`, `high`: computed here with numpy from choix's w normalised to mean 1: information_i =
  Σ_j n_ij p_ij (1 − p_ij) + n · 0.01 · w_i, se_i = 1.959963984540054 / √information_i, and
  100 · mean over j ≠ i of sigmoid(log w_i ∓ se_i − log w_j); within 0.05.
- `comparisons`, `wins`, `losses` per idea, exactly, against the answers recorded here;
  `answers` is every answer posted, "none" included; the items are every idea, best first.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import choix
import numpy as np

WORKSPACE = Path(__file__).resolve().parents[4]
# decide's script has this one's file name: loaded under another module name.
_spec = importlib.util.spec_from_file_location(
    "decide_crosscheck_http", WORKSPACE / "crates" / "tools" / "decide" / "reference" / "crosscheck_http.py")
decide_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(decide_http)
Client, Server, ApiError = decide_http.Client, decide_http.Server, decide_http.ApiError
sign_up = decide_http.sign_up

ALPHA = 0.01
Z95 = 1.959963984540054
VOTERS = 6
GROUP = "xideas"
SCORE_TOLERANCE = 0.01
BAND_TOLERANCE = 0.05
NONE_SHARE = 0.05
SKIP_SHARE = 0.05


# ---------------------------------------------------------------- surveys


def make_survey(rng: random.Random, index: int) -> dict:
    first = rng.randint(3, 12)
    added = rng.randint(1, 2)
    answers = rng.randint(40, 250)
    return {
        "id": index,
        "strengths": [rng.lognormvariate(0.0, 1.0) for _ in range(first + added)],
        "first": first,
        "voters": rng.randint(3, VOTERS),
        "answers": answers,
        # Answers posted before the new ideas come in.
        "add_at": rng.randint(answers // 3, 2 * answers // 3),
        "rng": random.Random(rng.getrandbits(64)),
    }


# ---------------------------------------------------------------- the server


def set_up(api: Client) -> tuple[str, list[str]]:
    """The boards' author's token and each voter's, all in an open group with ideas on."""
    author = sign_up(api, "xauthor")
    api.call("POST", "/api/v1/groups", {"handle": GROUP, "name": "Ideas cross-check",
                                        "visibility": "public", "join_policy": "open"}, author)
    api.call("PUT", f"/api/v1/groups/{GROUP}/tools/ideas", {}, author, expect=(204,))
    voters = []
    for i in range(VOTERS):
        token = sign_up(api, f"ideavoter{i:02d}")
        api.call("POST", f"/api/v1/groups/{GROUP}/members", {}, token, expect=(201,))
        voters.append(token)
    return author, voters


def run_survey(api: Client, author: str, voters: list[str], survey: dict) -> list[dict]:
    """Runs the survey; the state at each ranking read: the ranking, and the answers so far."""
    rng = survey["rng"]
    strengths = survey["strengths"]
    board = api.call("POST", f"/api/v1/groups/{GROUP}/idea-boards",
                     {"question": f"Survey {survey['id']}: what should we do?", "pairwise": True},
                     author, expect=(201,))["id"]
    ids: list[str] = []

    def add_idea(i: int) -> None:
        body = {"title": f"Idea {i}"}
        if i % 2:
            body["text"] = f"Idea {i}, told at more length."
        if i % 3 == 0:
            body["tags"] = ["even" if i % 2 == 0 else "odd"]
        idea = api.call("POST", f"/api/v1/idea-boards/{board}/ideas", body, author, expect=(201,))
        ids.append(idea["id"])

    for i in range(survey["first"]):
        add_idea(i)
    games: list[tuple[int, int]] = []
    posted = nones = skipped = 0
    reads: list[dict] = []

    def read(when: str) -> None:
        ranking = api.call("GET", f"/api/v1/idea-boards/{board}/ranking", None, voters[0])
        reads.append({"when": when, "board": board, "ideas": len(ids), "ids": list(ids),
                      "games": list(games), "posted": posted, "nones": nones, "skipped": skipped,
                      "ranking": ranking})

    voting = voters[: survey["voters"]]
    while posted < survey["answers"]:
        if posted == survey["add_at"] and len(ids) == survey["first"]:
            read("before new ideas")
            for i in range(survey["first"], len(strengths)):
                add_idea(i)
            read("after new ideas")
        voter = rng.choice(voting)
        pair = api.call("GET", f"/api/v1/idea-boards/{board}/pair", None, voter)
        left, right = ids.index(pair["left"]["id"]), ids.index(pair["right"]["id"])
        if left == right:
            raise ApiError(f"board {board} paired idea {left} with itself")
        if rng.random() < SKIP_SHARE:
            skipped += 1
            continue
        if rng.random() < NONE_SHARE:
            winner = "none"
            nones += 1
        else:
            p = strengths[left] / (strengths[left] + strengths[right])
            winner = "left" if rng.random() < p else "right"
            games.append((left, right) if winner == "left" else (right, left))
        answer = api.call("POST", f"/api/v1/idea-boards/{board}/comparisons",
                          {"token": pair["token"], "winner": winner}, voter, expect=(201,))
        posted += 1
        if answer["answers"] != posted:
            raise ApiError(f"board {board}: answer {posted} says the board has {answer['answers']}")
    read("end")
    return reads


# ---------------------------------------------------------------- the reference


def reference(n: int, games: list[tuple[int, int]]) -> dict:
    """choix's fit of the answers, and the scores and bands computed here from it."""
    params = choix.ilsr_pairwise(n, games, alpha=ALPHA, max_iter=10_000, tol=1e-10)
    w = np.exp(params)
    w = w * (n / w.sum())  # mean 1: the prior's term in the information depends on the scale
    log_w = np.log(w)
    played = np.zeros((n, n))
    for winner, loser in games:
        played[winner, loser] += 1
        played[loser, winner] += 1
    p = w[:, None] / (w[:, None] + w[None, :])
    information = (played * p * (1 - p)).sum(axis=1) + n * ALPHA * w
    se = Z95 / np.sqrt(information)
    others = ~np.eye(n, dtype=bool)

    def chance(t: np.ndarray) -> np.ndarray:
        beats = 1.0 / (1.0 + np.exp(-(t[:, None] - log_w[None, :])))
        return 100.0 * np.where(others, beats, 0.0).sum(axis=1) / (n - 1)

    wins = [sum(1 for g in games if g[0] == i) for i in range(n)]
    losses = [sum(1 for g in games if g[1] == i) for i in range(n)]
    return {"strength": w, "score": chance(log_w), "low": chance(log_w - se),
            "high": chance(log_w + se), "wins": wins, "losses": losses}


def compare(state: dict) -> tuple[list[str], dict[str, float]]:
    """The mismatches of one ranking read, and the largest differences in score and band."""
    n, ranking = state["ideas"], state["ranking"]
    ref = reference(n, state["games"])
    wrong: list[str] = []
    worst = {"score": 0.0, "band": 0.0}
    if ranking["answers"] != state["posted"]:
        wrong.append(f"answers {ranking['answers']} vs {state['posted']} posted")
    items = ranking["items"]
    if sorted(item["idea"] for item in items) != sorted(state["ids"]):
        wrong.append(f"items {[item['idea'] for item in items]} are not the ideas {state['ids']}")
        return wrong, worst
    scores = [item["score"] for item in items]
    if scores != sorted(scores, reverse=True):
        wrong.append(f"items not best first: scores {scores}")
    for item in items:
        i = state["ids"].index(item["idea"])
        expected = {field: float(ref[field][i]) for field in ["score", "low", "high"]}
        for field, value in expected.items():
            difference = abs(item[field] - value)
            kind = "score" if field == "score" else "band"
            worst[kind] = max(worst[kind], difference)
            if not difference <= (SCORE_TOLERANCE if kind == "score" else BAND_TOLERANCE):
                wrong.append(f"idea {i} {field} {item[field]!r} vs choix {value!r} (off {difference:.3g})")
        counts = {"wins": ref["wins"][i], "losses": ref["losses"][i],
                  "comparisons": ref["wins"][i] + ref["losses"][i]}
        for field, value in counts.items():
            if item[field] != value:
                wrong.append(f"idea {i} {field} {item[field]} vs {value} recorded")
    return wrong, worst


def shown(survey: dict, state: dict) -> str:
    return json.dumps({
        "survey": survey["id"], "board": state["board"], "read": state["when"],
        "ideas": state["ideas"],
        "true_strengths": [round(s, 4) for s in survey["strengths"][: state["ideas"]]],
        "answers_posted": state["posted"], "none": state["nones"],
        "games_winner_loser": state["games"],
        "server": [[state["ids"].index(item["idea"]), item["score"], item["low"], item["high"],
                    item["wins"], item["losses"]] for item in state["ranking"]["items"]],
    })


def crosscheck(args) -> int:
    if not os.access(args.binary, os.X_OK):
        print(f"no weft binary at {args.binary}: build it with `cargo build -p weft` or pass --binary")
        return 1
    started = time.time()
    rng = random.Random(args.seed)
    surveys = [make_survey(rng, i) for i in range(args.surveys)]
    print(f"{len(surveys)} surveys (seed {args.seed}): "
          f"{sum(len(s['strengths']) for s in surveys)} ideas, "
          f"{sum(s['answers'] for s in surveys)} answers", flush=True)
    server = Server(args.binary, args.keep_data)
    passed = failed = 0
    totals = {"posted": 0, "nones": 0, "skipped": 0}
    worst = {"score": 0.0, "band": 0.0}
    try:
        server.wait_ready()
        api = Client(server.base)
        author, voters = set_up(api)
        print(f"server up at {server.base} with {len(voters)} voters after "
              f"{time.time() - started:.1f} s", flush=True)
        for survey in surveys:
            states = run_survey(api, author, voters, survey)
            for key in totals:
                totals[key] += states[-1][key]
            for state in states:
                try:
                    wrong, off = compare(state)
                except Exception as error:  # the reference failing is a finding too
                    wrong, off = [f"reference raised {error!r}"], {}
                for kind, value in off.items():
                    worst[kind] = max(worst[kind], value)
                if wrong:
                    failed += 1
                    print(f"MISMATCH survey {survey['id']} ({state['when']}, board {state['board']}):")
                    for line in wrong:
                        print(f"  {line}")
                    print(f"  {shown(survey, state)}", flush=True)
                else:
                    passed += 1
        log = server.log_text()
    except BaseException:
        print("the server's log ends:\n" + "\n".join(server.log_text().splitlines()[-20:]))
        raise
    finally:
        server.stop()
    panicked = "panicked" in log
    if panicked:
        print("the server panicked:")
        print("\n".join(line for line in log.splitlines() if "panic" in line))
    print(f"{totals['posted']} answers posted ({totals['nones']} \"none\"), "
          f"{totals['skipped']} pairs skipped")
    print(f"largest differences from choix: score {worst['score']:.2e}, band {worst['band']:.2e} "
          f"(tolerances {SCORE_TOLERANCE}, {BAND_TOLERANCE})")
    print(f"{time.time() - started:.1f} s in all")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or panicked else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(WORKSPACE / "target" / "debug" / "weft"),
                        help="path of a built weft binary")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--surveys", type=int, default=12)
    parser.add_argument("--keep-data", action="store_true", help="keep the server's data directory")
    args = parser.parse_args()
    # A SIGTERM (a CI timeout, say) still runs the atexit hook that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return crosscheck(args)


if __name__ == "__main__":
    sys.exit(main())
