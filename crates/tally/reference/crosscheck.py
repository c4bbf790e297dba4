#!/usr/bin/env python3
"""Cross-checks the tally crate against independent Python implementations from PyPI.

How to run, from the workspace root:

    python3 -m venv .venv
    .venv/bin/pip install -r crates/tally/reference/requirements.txt
    .venv/bin/python crates/tally/reference/crosscheck.py
        # builds `cargo build -p tally --example tally_json` and compares 2,666 seeded random
        # elections; a few minutes on 2 cores. Ends with "N passed, 0 failed"; exits 1 on any
        # mismatch after printing the first mismatching election.
    .venv/bin/python crates/tally/reference/crosscheck.py --binary target/debug/examples/tally_json
        # uses an already built binary
    .venv/bin/python crates/tally/reference/crosscheck.py --bench
        # builds the release example and times the same 100,000-ballot elections (10 options)
        # in Rust and in the Python references, printing the ratios

Options: --seed S (default 2026), --elections N (ranked; budget elections are N/3),
--jobs J (Python worker processes, default 2).

What is compared, and how ties are handled:
- IRV winner: pref_voting.instant_runoff and pyrankvote.instant_runoff_voting. Skipped when the
  Rust count reports a tie (pref_voting eliminates all tied candidates at once, pyrankvote uses
  earlier-round votes then random; our documented rule differs from both).
- Schulze winners, all potential winners as a set: pref_voting.beat_path with margins against
  our `schulze_margins` (unranked options below ranked ones), py3votecore SchulzeMethod
  (winning votes, Schwartz sequential dropping) against our `schulze`. No tie-breaking is
  involved in the winner set, so ties are compared too.
- Schulze ranking tiers (complete rankings only): votekit's Schulze dominating tiers.
- Borda scores (complete rankings only): pref_voting Profile.borda_scores, exactly.
- STV winners: pref_voting.stv_scottish (SSI 2007/42, five-decimal truncation) against
  `stv_scottish`, pref_voting.stv_meek against `stv_meek`. Skipped when the Rust count reports a
  tie (the statute and pref_voting draw lots). pref_voting computes in floats; ours is exact.
- Method of Equal Shares (cost and cardinality satisfaction) and greedy (votes, votes per
  cost): pabutools, projects named p000, p001... so that its lexicographic tie-breaking is our
  option order; all cases compared, ties included. Two documented differences are factored out:
  pabutools' greedy also funds projects nobody voted for if money is left (we never do), and
  with cost satisfaction it never funds a free project (we fund free projects someone voted
  for); such projects are left out of the comparison.
- pref_voting's Meek runs with tol=1e-9 and at most 300 iterations a stage, here and in --bench
  (its defaults allow 2,000 and only make it slower).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[3]
RANKED_METHODS = ["irv", "schulze", "schulze_margins", "borda", "stv_scottish", "stv_meek"]
BUDGET_METHODS = ["mes_cost", "mes_approval", "greedy_votes", "greedy_votes_per_cost"]


# ---------------------------------------------------------------- elections


def ranked_ballots(rng: random.Random, options: int, voters: int, model: str) -> list[dict]:
    """Ballots as tally_json reads them: {"ballot": [option, ...], "weight": w}."""
    blocs = []
    for _ in range(rng.randint(2, 4)):
        order = list(range(options))
        rng.shuffle(order)
        blocs.append(order)
    shares = [rng.random() + 0.2 for _ in blocs]
    ballots = []
    for _ in range(voters):
        if model == "factions":
            ranking = list(rng.choices(blocs, weights=shares)[0])
            for _ in range(rng.randint(0, options)):
                at = rng.randrange(options - 1)
                ranking[at], ranking[at + 1] = ranking[at + 1], ranking[at]
        else:
            ranking = list(range(options))
            rng.shuffle(ranking)
        if model != "full":
            ranking = ranking[: rng.randint(1, options)]
        weight = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        ballots.append({"ballot": ranking, "weight": weight})
    return ballots


def make_elections(seed: int, ranked: int) -> list[dict]:
    rng = random.Random(seed)
    elections = []
    for index in range(ranked):
        options = rng.randint(3, 7)
        model = rng.choice(["full", "truncated", "factions"])
        # Mostly small electorates, where ties and knife edges are common; some large ones,
        # where Scottish truncation and Meek's fixed point accumulate.
        voters = rng.randint(5, 120) if rng.random() < 0.9 else rng.randint(200, 1500)
        elections.append(
            {
                "id": index,
                "model": model,
                "options": options,
                "seats": rng.randint(1, min(3, options - 1)),
                "methods": RANKED_METHODS,
                "ballots": ranked_ballots(rng, options, voters, model),
            }
        )
    for index in range(ranked, ranked + ranked // 3):
        projects = rng.randint(3, 10)
        costs = [rng.choice([0, 1, 5, 10, 20, 25, 40, 50, 75, 100]) if rng.random() < 0.3
                 else rng.randint(1, 100) for _ in range(projects)]
        budget = rng.randint(1, max(1, sum(costs)))
        ballots = []
        for _ in range(rng.randint(3, 60)):
            picked = [p for p in range(projects) if rng.random() < rng.choice([0.2, 0.4, 0.6])]
            ballots.append({"ballot": picked or [rng.randrange(projects)],
                            "weight": 1 if rng.random() < 0.8 else rng.randint(2, 3)})
        elections.append(
            {
                "id": index,
                "model": "budget",
                "budget": budget,
                "costs": costs,
                "methods": BUDGET_METHODS,
                "ballots": ballots,
            }
        )
    return elections


def run_rust(binary: str, elections: list[dict]) -> dict[int, dict]:
    payload = json.dumps([{k: v for k, v in e.items() if k != "model"} for e in elections])
    done = subprocess.run([binary], input=payload.encode(), capture_output=True, check=True)
    return {entry["id"]: entry for entry in json.loads(done.stdout)}


def build(release: bool) -> str:
    command = ["cargo", "build", "-q", "-p", "tally", "--example", "tally_json"]
    if release:
        command.append("--release")
    subprocess.run(command, cwd=WORKSPACE, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", WORKSPACE / "target"))
    return str(target / ("release" if release else "debug") / "examples" / "tally_json")


# ---------------------------------------------------------------- references


def expanded(election: dict) -> list[tuple[list[int], int]]:
    return [(b["ballot"], b["weight"]) for b in election["ballots"]]


def pref_voting_profile(election: dict):
    from pref_voting.profiles import Profile
    from pref_voting.profiles_with_ties import ProfileWithTies

    ballots = expanded(election)
    options = election["options"]
    if all(len(r) == options for r, _ in ballots):
        return Profile([r for r, _ in ballots], rcounts=[w for _, w in ballots])
    profile = ProfileWithTies(
        [{c: place + 1 for place, c in enumerate(r)} for r, _ in ballots],
        rcounts=[w for _, w in ballots],
        candidates=list(range(options)),
    )
    # Unranked options count as below every ranked one, as in tally.
    profile.use_extended_strict_preference()
    return profile


def ref_irv_pref_voting(election: dict) -> list[int]:
    from pref_voting.iterative_methods import instant_runoff

    return sorted(instant_runoff(pref_voting_profile(election)))


def ref_irv_pyrankvote(election: dict) -> list[int]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    candidates = [Candidate(str(c)) for c in range(election["options"])]
    ballots = []
    for ranking, weight in expanded(election):
        ballots.extend(Ballot(ranked_candidates=[candidates[c] for c in ranking]) for _ in range(weight))
    result = pyrankvote.instant_runoff_voting(candidates, ballots)
    return sorted(int(c.name) for c in result.get_winners())


def ref_schulze_py3votecore(election: dict) -> list[int]:
    from py3votecore.condorcet import CondorcetHelper
    from py3votecore.schulze_method import SchulzeMethod

    ballots = [{"count": w, "ballot": [[c] for c in r]} for r, w in expanded(election)]
    result = SchulzeMethod(ballots, ballot_notation=CondorcetHelper.BALLOT_NOTATION_GROUPING).as_dict()
    return sorted(result.get("tied_winners", {result["winner"]}))


def ref_schulze_pref_voting(election: dict) -> list[int]:
    from pref_voting.margin_based_methods import beat_path

    return sorted(beat_path(pref_voting_profile(election)))


def ref_schulze_tiers_votekit(election: dict) -> list[list[int]]:
    from votekit import RankBallot, RankProfile
    from votekit.elections import Schulze

    options = election["options"]
    names = [chr(ord("a") + c) for c in range(options)]
    profile = RankProfile(
        ballots=[RankBallot(ranking=tuple(frozenset({names[c]}) for c in r), weight=w)
                 for r, w in expanded(election)],
        candidates=tuple(names),
    )
    schulze = Schulze(profile, n_seats=options)
    tiers = [set(t) for t in schulze.election_states[-1].tiebreaks]
    ranking: list[list[int]] = []
    for single in schulze.get_elected():
        (name,) = single
        tier = next((t for t in tiers if name in t), {name})
        members = sorted(names.index(n) for n in tier)
        if not ranking or ranking[-1] != members:
            ranking.append(members)
    return ranking


def ref_borda(election: dict) -> list[int]:
    scores = pref_voting_profile(election).borda_scores()
    return [int(scores[c]) for c in range(election["options"])]


def ref_stv_scottish(election: dict) -> list[int]:
    from pref_voting.proportional_methods import stv_scottish

    return sorted(stv_scottish(pref_voting_profile(election), num_seats=election["seats"], rng=random.Random(0)))


def ref_stv_meek(election: dict, as_shipped: bool = False) -> list[int]:
    from pref_voting.proportional_methods import stv_meek

    # Its defaults (tol 1e-10, up to 2,000 float iterations a stage) often run to the iteration
    # cap without changing the answer; a looser cap keeps the cross-check in minutes, and the
    # benchmark uses it too (as shipped it is slower still, so the ratio is conservative).
    tuning = {} if as_shipped else {"tol": 1e-9, "max_iter": 300}
    return sorted(stv_meek(pref_voting_profile(election), num_seats=election["seats"], **tuning))


def pabutools_case(election: dict):
    from pabutools.election import ApprovalBallot, ApprovalMultiProfile, Instance, Project

    projects = [Project(f"p{i:03d}", cost) for i, cost in enumerate(election["costs"])]
    instance = Instance(projects, budget_limit=election["budget"])
    profile = ApprovalMultiProfile()
    for ballot in election["ballots"]:
        for _ in range(ballot["weight"]):
            profile.append(ApprovalBallot([projects[p] for p in ballot["ballot"]]).frozen())
    return instance, profile


def ref_mes(election: dict, satisfaction: str) -> list[int]:
    from pabutools.election import Cardinality_Sat, Cost_Sat
    from pabutools.rules import method_of_equal_shares

    instance, profile = pabutools_case(election)
    sat = Cost_Sat if satisfaction == "cost" else Cardinality_Sat
    return sorted(int(p.name[1:]) for p in method_of_equal_shares(instance, profile, sat_class=sat))


def ref_greedy(election: dict, satisfaction: str) -> list[int]:
    from pabutools.election import Cardinality_Sat, Cost_Sat
    from pabutools.rules import greedy_utilitarian_welfare

    instance, profile = pabutools_case(election)
    sat = Cost_Sat if satisfaction == "cost" else Cardinality_Sat
    voted = {p for b in election["ballots"] if b["weight"] > 0 for p in b["ballot"]}
    chosen = greedy_utilitarian_welfare(instance, profile, sat_class=sat)
    return sorted(int(p.name[1:]) for p in chosen if int(p.name[1:]) in voted)


# ---------------------------------------------------------------- comparison


def compare(election: dict, rust: dict) -> tuple[list[str], list[tuple[str, object, object]]]:
    """Returns the checks made and the mismatches (check, ours, reference)."""
    results = rust["results"]
    made: list[str] = []
    wrong: list[tuple[str, object, object]] = []

    def check(name: str, ours, reference) -> None:
        made.append(name)
        if ours != reference:
            wrong.append((name, ours, reference))

    for method in election["methods"]:
        if "error" in results[method]:
            wrong.append((method, results[method]["error"], "a result"))
    if wrong:
        return made, wrong
    if election["model"] == "budget":
        projects = lambda method: sorted(f["project"] for f in results[method]["funded"])
        # With cost satisfaction a free project satisfies nobody, so pabutools never funds it;
        # tally funds free projects someone voted for. They cost nothing and move no money, so
        # leaving them out compares the rest exactly.
        paid = [p for p in projects("mes_cost") if election["costs"][p] > 0]
        check("mes_cost/pabutools", paid, ref_mes(election, "cost"))
        check("mes_approval/pabutools", projects("mes_approval"), ref_mes(election, "cardinality"))
        check("greedy_votes/pabutools", projects("greedy_votes"), ref_greedy(election, "cost"))
        check("greedy_votes_per_cost/pabutools", projects("greedy_votes_per_cost"),
              ref_greedy(election, "cardinality"))
        return made, wrong
    irv = results["irv"]
    if not irv["tie"]:
        check("irv/pref_voting", [irv["winner"]], ref_irv_pref_voting(election))
        check("irv/pyrankvote", [irv["winner"]], ref_irv_pyrankvote(election))
    check("schulze/py3votecore", sorted(results["schulze"]["winners"]), ref_schulze_py3votecore(election))
    check("schulze_margins/pref_voting", sorted(results["schulze_margins"]["winners"]),
          ref_schulze_pref_voting(election))
    if election["model"] == "full":
        check("schulze_ranking/votekit", results["schulze"]["ranking"], ref_schulze_tiers_votekit(election))
        check("borda/pref_voting", results["borda"]["scores"], ref_borda(election))
    if not results["stv_scottish"]["tie"]:
        check("stv_scottish/pref_voting", sorted(results["stv_scottish"]["elected"]), ref_stv_scottish(election))
    if not results["stv_meek"]["tie"]:
        check("stv_meek/pref_voting", sorted(results["stv_meek"]["elected"]), ref_stv_meek(election))
    return made, wrong


def compare_one(pair):
    election, rust = pair
    try:
        made, wrong = compare(election, rust)
    except Exception as error:  # a reference crashing is a finding too
        return election["id"], [], [("reference raised", repr(error), None)]
    return election["id"], made, wrong


def crosscheck(args) -> int:
    binary = args.binary or build(release=False)
    started = time.time()
    elections = make_elections(args.seed, args.elections)
    rust = run_rust(binary, elections)
    print(f"generated {len(elections)} elections (seed {args.seed}); Rust counted them in "
          f"{time.time() - started:.1f} s", flush=True)
    by_id = {e["id"]: e for e in elections}
    checks: dict[str, int] = {}
    passed = failed = 0
    first_failure = None
    with multiprocessing.Pool(args.jobs) as pool:
        for election_id, made, wrong in pool.imap_unordered(
            compare_one, [(e, rust[e["id"]]) for e in elections], chunksize=8
        ):
            for name in made:
                checks[name] = checks.get(name, 0) + 1
            if wrong:
                failed += 1
                if first_failure is None or election_id < first_failure[0]:
                    first_failure = (election_id, wrong)
            elif made:
                passed += 1
    for name in sorted(checks):
        print(f"  {name}: {checks[name]} elections compared")
    skipped = len(elections) - passed - failed
    print(f"{skipped} elections had every comparison skipped (ties); "
          f"{time.time() - started:.1f} s in all")
    if first_failure is not None:
        election_id, wrong = first_failure
        election = by_id[election_id]
        print(f"FIRST MISMATCH in election {election_id}:")
        for name, ours, reference in wrong:
            print(f"  {name}: tally {ours!r} vs reference {reference!r}")
        print(json.dumps(election))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# ---------------------------------------------------------------- benchmark


def bench(args) -> int:
    binary = args.binary or build(release=True)
    rng = random.Random(args.seed)
    elections = []
    for index, model in enumerate(["full", "factions"]):
        elections.append(
            {
                "id": index,
                "model": model,
                "options": 10,
                "seats": 3,
                "methods": RANKED_METHODS,
                "ballots": [dict(b, weight=1) for b in ranked_ballots(rng, 10, 100_000, model)],
            }
        )
    # Best of five for Rust, best of three for Python references that take under 20 s: the
    # machine may be shared, and the minimum is the least disturbed run.
    repeated = [dict(e, id=e["id"] * 100 + k) for e in elections for k in range(5)]
    runs = run_rust(binary, repeated)
    fastest = {
        e["id"]: {m: min(runs[e["id"] * 100 + k]["micros"][m] for k in range(5)) for m in RANKED_METHODS}
        for e in elections
    }
    references = {
        "irv": [("pref_voting", ref_irv_pref_voting), ("pyrankvote", ref_irv_pyrankvote)],
        "schulze": [("py3votecore", ref_schulze_py3votecore)],
        "schulze_margins": [("pref_voting", ref_schulze_pref_voting)],
        "borda": [("pref_voting", ref_borda)],
        "stv_scottish": [("pref_voting", ref_stv_scottish)],
        "stv_meek": [("pref_voting", ref_stv_meek)],
    }
    print("100,000 ballots, 10 options, STV for 3 seats; Rust release build, best of 5 runs;")
    print("times include building each library's profile from the ballots; a reference still")
    print(f"running after {args.timeout} s is stopped and reported as a lower bound")
    print(f"{'election':<10} {'method':<16} {'reference':<12} {'python s':>10} {'rust s':>9} {'ratio':>9}")
    for election in elections:
        for method, refs in references.items():
            if method == "borda" and election["model"] != "full":
                continue
            ours = fastest[election["id"]][method] / 1e6
            for name, reference in refs:
                if name in args.skip or method in args.skip:
                    continue
                theirs, finished = timed(reference, election, args.timeout)
                for _ in range(2):
                    if finished and theirs < 20:
                        theirs = min(theirs, timed(reference, election, args.timeout)[0])
                mark = "" if finished else ">"
                print(f"{election['model']:<10} {method:<16} {name:<12} {mark + format(theirs, '.2f'):>10} "
                      f"{ours:>9.4f} {mark + format(theirs / ours, '.0f'):>8}x", flush=True)
    return 0


def timed_call(reference, election):
    started = time.perf_counter()
    reference(election)
    return time.perf_counter() - started


def timed(reference, election: dict, timeout: float) -> tuple[float, bool]:
    """Seconds a reference takes on an election, in a worker stopped after `timeout`."""
    pool = multiprocessing.Pool(1)
    try:
        return pool.apply_async(timed_call, (reference, election)).get(timeout), True
    except multiprocessing.TimeoutError:
        return timeout, False
    finally:
        pool.terminate()
        pool.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", help="path of a built tally_json example")
    parser.add_argument("--bench", action="store_true", help="time 100,000-ballot elections")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--elections", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], help="references or methods to leave out of --bench")
    parser.add_argument("--timeout", type=float, default=600, help="--bench: seconds per reference")
    args = parser.parse_args()
    return bench(args) if args.bench else crosscheck(args)


if __name__ == "__main__":
    sys.exit(main())
