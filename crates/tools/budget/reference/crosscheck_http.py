#!/usr/bin/env python3
"""Cross-checks the budget tool's vote and quadratic rounds over HTTP against pabutools and a
straight Python implementation of quadratic funding.

crates/tally/reference/crosscheck.py compares the tally crate itself; this script compares what
the running server answers: it starts Weft, opens participatory-budgeting rounds through the
API, casts each ballot and each contribution as a real account, closes the rounds and reads
`GET /api/v1/rounds/{id}/results`. The pabutools calls (`pabutools_case`, `ref_greedy`,
`ref_mes`) are crosscheck.py's own functions; the server and the accounts are set up by
crates/tools/decide/reference/crosscheck_http.py's `Server`, `Client` and `sign_up`, imported
as they are (SQLite in a fresh temporary data directory, a free local port, signup and login
limits off, cheap Argon2; a server log mentioning a panic fails the run).

How to run, from the workspace root (the venv as in crates/tally/reference/crosscheck.py):

    cargo build -p weft
    .venv/bin/python crates/tools/budget/reference/crosscheck_http.py --binary target/debug/weft
        # 12 elections (24 vote rounds, ~670 ballots) and 12 quadratic rounds (~370
        # contributions): about 8 s on 2 cores with the debug build (--elections 30
        # --quadratic 18: about 16 s). Ends with what the cases exercised (greedy ties,
        # constrained quadratic rounds...), then "N passed, F failed" (comparisons); exits 1
        # on any mismatch, printing each with its case.

Options: --binary PATH (default target/debug/weft), --seed S (default 2026), --elections N
(default 12), --quadratic N (default 12), --jobs J (client threads casting ballots and
contributions, default 4), --keep-data (leave the server's data directory in place).

One open group with the budget tool on, owned by the rounds' author, with two tracked
currencies: PTS (scale 0) and EUR (scale 2); each round uses one of them in turn. Amounts are
sent as decimal strings and compared in the currency's smallest units.

Elections: 4 to 12 buckets in creation order (the options p000, p001... of crosscheck.py, so
pabutools' lexicographic tie-breaking is our option order), each asking for a random cost split
over 1 to 3 budget items (an item may ask for 0; the bucket's goal is the sum of their
minimums); one cost in three from a short list of round numbers, so that equal costs and equal
votes happen. The budget is 25% to 75% of all the buckets' costs, never less than the dearest
one nor all of them. 10 to 40 voters approve each bucket with a chance drawn per election and
per bucket (one ballot in twenty is empty: it still counts as a voter, and holds a share in
equal shares). Elections alternate two of Decidim's rules: `min_selected` 0 / `max_selected` N
(any approval set), and no rule given (the ballot costs no more than the budget: a voter's
approvals are trimmed at random until they fit); each rule in each currency in turn. Each
election becomes two rounds, `greedy` and `equal_shares`, with the same ballots.

What is compared for each vote round:
- The funded buckets, as a set: `greedy` against pabutools.greedy_utilitarian_welfare with
  Cost_Sat (its marginal satisfaction per cost is the votes, as our "votes" order), leaving
  out projects nobody voted for (pabutools funds them with money left over; we never do);
  `equal_shares` against pabutools.method_of_equal_shares with Cost_Sat (no completion). A
  bucket always asks for more than nothing, so crosscheck.py's caveat on free projects never
  applies. Ties are compared too: both break them by option order.
- Each funded bucket's `votes` (its approvals) and `amount` (its goal); `spent` (the goals'
  sum), `left` (budget − spent), `budget`, `ballots` (the voters who cast one).
- `greedy`'s `tie`: whether a bucket was funded while a later bucket with as many votes was not.
- `final` is true once the round is closed; the results read just before closing are the
  same (funded buckets, amounts, votes, money, tie) with `final` false.
- `GET /api/v1/rounds/{id}/buckets` after closing: every bucket in order, its `votes` (its
  approvals) and `state` (`funded` for the funded ones, else `open`).

Quadratic rounds: 3 to 8 buckets, each with an item whose maximum is large enough for every
gift; 5 to 20 contributors each give to 1 to 3 buckets, sometimes in two gifts to one bucket
(the formula takes each person's total), amounts with a few large givers; sometimes a bucket
nobody gives to. Rounds go in turn through plain / pairwise (the default M = 25) / pairwise
with a given M (5 to 1,000), each once with a budget below the sum of ideal matches
(constrained) and once above it, the first six in PTS and the next six in EUR. No pool: the
contributions are notional.
- Each bucket's `matched` within 1 unit of this script's own computation of
  crates/tally/src/quadratic.rs's formula: ideal = (Σ√c)² − Σc over each person's total c, or,
  pairwise, Σ over unordered pairs 2·√(ci cj)·M/(M + k_ij) with k_ij = Σ over all buckets of
  √(ci,p cj,p); all scaled by budget/Σ ideal when Σ ideal exceeds the budget; floored to units
  and, when scaled, the units left over to the largest remainders (earlier bucket on ties).
  Amounts enter the formula in the currency's smallest units, as the server counts them, and M
  is in whole units of the currency (Gitcoin's M = 25 is 25 dollars), so it is M·10^scale there.
- The funded list is exactly the buckets someone gave to; each `amount` is its contributions
  plus its match; Σ matched = `spent` ≤ `budget`, and = `budget` when constrained; `left` =
  budget − spent; `final` once closed, the results just before closing the same but not final.
- The buckets listed after closing: each one's `matched` (the results', 0 when nobody gave),
  `contributed` (its gifts' sum), `contributors` (distinct people) and `state`.
The counts printed are comparisons: one round makes several.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[4]
# decide's script has this one's file name: loaded under another module name.
_spec = importlib.util.spec_from_file_location(
    "decide_crosscheck_http", WORKSPACE / "crates" / "tools" / "decide" / "reference" / "crosscheck_http.py")
decide_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(decide_http)
Client, Server, ApiError = decide_http.Client, decide_http.Server, decide_http.ApiError
sign_up = decide_http.sign_up
ref = decide_http.ref  # crates/tally/reference/crosscheck.py: pabutools_case, ref_greedy, ref_mes

GROUP = "xbudget"
VOTERS = 40
CURRENCIES = {"PTS": 0, "EUR": 2}
ROUND_COSTS = [5, 10, 20, 25, 40, 50, 75, 100]
# The quadratic rounds' kinds, in turn: (pairwise M: None plain, 0 the default, else given;
# whether the budget is below the sum of ideal matches).
QUADRATIC_KINDS = [(None, True), (None, False), (0, True), (0, False), (-1, True), (-1, False)]
DEFAULT_PAIRWISE_M = 25


def units_text(units: int, scale: int) -> str:
    """Units of a currency of `scale` as the decimal string the API takes."""
    if scale == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    whole, part = divmod(abs(units), 10**scale)
    return f"{sign}{whole}.{part:0{scale}d}"


def units_of(text: str, scale: int) -> int:
    value = Decimal(text) * 10**scale
    if value != value.to_integral_value():
        raise ApiError(f"amount {text!r} has more than {scale} decimals")
    return int(value)


# ---------------------------------------------------------------- elections


def split(rng: random.Random, total: int) -> list[int]:
    """A bucket's cost as 1 to 3 items' minimums (one may be 0)."""
    parts = rng.randint(1, 3)
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


def make_election(rng: random.Random, index: int) -> dict:
    # Rules alternate, currencies every two: each rule in each currency.
    code = list(CURRENCIES)[index // 2 % len(CURRENCIES)]
    scale = CURRENCIES[code]
    unit = 10**scale
    projects = rng.randint(4, 12)
    costs = []
    for _ in range(projects):
        if rng.random() < 1 / 3:
            costs.append(rng.choice(ROUND_COSTS) * unit)
        elif scale == 0:
            costs.append(rng.randint(1, 100))
        else:
            costs.append(rng.randint(1, 100 * unit))
    total = sum(costs)
    budget = int(total * rng.uniform(0.25, 0.75))
    budget = min(max(budget, max(costs)), total - 1)
    rule = "selected" if index % 2 == 0 else "within_budget"
    popularity = [rng.uniform(0.1, 0.7) for _ in range(projects)]
    ballots = []
    for _ in range(rng.randint(10, VOTERS)):
        if rng.random() < 0.05:
            picked: list[int] = []
        else:
            picked = [p for p in range(projects) if rng.random() < popularity[p]]
        if rule == "within_budget":
            while sum(costs[p] for p in picked) > budget:
                picked.remove(rng.choice(picked))
        ballots.append({"ballot": picked, "weight": 1})
    return {"id": index, "currency": code, "scale": scale, "rule": rule, "budget": budget,
            "costs": costs, "items": [split(rng, c) for c in costs], "ballots": ballots}


# ---------------------------------------------------------------- quadratic funding


def ideal_matches(gifts: list[dict[int, int]], pairwise_m: float | None) -> list[float]:
    """Each bucket's unconstrained match; gifts[p] is each person's total to bucket p."""
    if pairwise_m is None:
        return [max(sum(math.sqrt(c) for c in g.values()) ** 2 - sum(g.values()), 0.0) for g in gifts]
    k: dict[tuple[int, int], float] = {}
    for g in gifts:
        people = sorted(g)
        for a, i in enumerate(people):
            for j in people[a + 1:]:
                k[(i, j)] = k.get((i, j), 0.0) + math.sqrt(g[i] * g[j])
    out = []
    for g in gifts:
        people = sorted(g)
        out.append(sum(2 * math.sqrt(g[i] * g[j]) * pairwise_m / (pairwise_m + k[(i, j)])
                       for a, i in enumerate(people) for j in people[a + 1:]))
    return out


def constrained(ideal: list[float], budget: int) -> tuple[list[int], bool]:
    """The matches in whole units, and whether the budget bound them."""
    total = sum(ideal)
    bound = total > budget and total > 0
    exact = [x * budget / total for x in ideal] if bound else list(ideal)
    out = [max(math.floor(x), 0) for x in exact]
    if bound:
        left = budget - sum(out)
        order = sorted(range(len(exact)), key=lambda p: (-(exact[p] - math.floor(exact[p])), p))
        for p in order:
            if left <= 0:
                break
            if exact[p] > 0:
                out[p] += 1
                left -= 1
    return out, bound


def make_quadratic(rng: random.Random, index: int) -> dict:
    # The kinds in turn, then again in the other currency.
    code = list(CURRENCIES)[index // len(QUADRATIC_KINDS) % len(CURRENCIES)]
    scale = CURRENCIES[code]
    m_kind, bound = QUADRATIC_KINDS[index % len(QUADRATIC_KINDS)]
    pairwise_m = None if m_kind is None else (DEFAULT_PAIRWISE_M if m_kind == 0
                                              else rng.choice([5, 10, 100, 1000]))
    buckets = rng.randint(3, 8)
    # A bucket nobody gives to, now and then: it is not funded.
    givable = list(range(buckets - 1)) if rng.random() < 0.4 else list(range(buckets))
    top = 100 * 10**scale
    gifts: list[tuple[int, int, int]] = []  # (person, bucket, units), in the order posted
    for person in rng.sample(range(VOTERS), rng.randint(5, 20)):
        large = rng.random() < 0.15
        for bucket in rng.sample(givable, rng.randint(1, min(3, len(givable)))):
            amount = rng.randint(1, top * (10 if large else 1))
            if amount > 1 and rng.random() < 0.2:  # in two gifts
                first = rng.randint(1, amount - 1)
                gifts += [(person, bucket, first), (person, bucket, amount - first)]
            else:
                gifts.append((person, bucket, amount))
    rng.shuffle(gifts)
    totals: list[dict[int, int]] = [dict() for _ in range(buckets)]
    for person, bucket, amount in gifts:
        totals[bucket][person] = totals[bucket].get(person, 0) + amount
    formula_m = None if pairwise_m is None else pairwise_m * 10**scale
    wanted = sum(ideal_matches(totals, formula_m))
    if bound:
        budget = max(1, int(wanted * rng.uniform(0.3, 0.9)))
    else:
        budget = int(wanted * rng.uniform(1.2, 3.0)) + rng.randint(1, 100) * 10**scale
    return {"id": index, "currency": code, "scale": scale, "pairwise_m": pairwise_m, "formula_m": formula_m,
            "pairwise_default": m_kind == 0, "budget": budget, "buckets": buckets,
            "gifts": gifts, "totals": totals}


# ---------------------------------------------------------------- the server


def set_up(api: Client, pool: ThreadPoolExecutor) -> tuple[str, list[str]]:
    """The rounds' author's token and each voter's, all in an open group with budget on."""
    author = sign_up(api, "xauthor")
    api.call("POST", "/api/v1/groups", {"handle": GROUP, "name": "Budget cross-check",
                                        "visibility": "public", "join_policy": "open"}, author)
    api.call("PUT", f"/api/v1/groups/{GROUP}/tools/budget", {}, author, expect=(204,))
    for code, scale in CURRENCIES.items():
        currency = api.call("POST", f"/api/v1/groups/{GROUP}/currencies",
                            {"code": code, "name": f"Cross-check {code}", "kind": "tracked",
                             "scale": scale}, author, expect=(201,))
        if currency["scale"] != scale:
            raise ApiError(f"currency {code} made with scale {currency['scale']}, not {scale}")

    def join(i: int) -> str:
        token = sign_up(api, f"bvoter{i:02d}")
        api.call("POST", f"/api/v1/groups/{GROUP}/members", {}, token, expect=(201,))
        return token

    return author, list(pool.map(join, range(VOTERS)))


def open_buckets(api: Client, author: str, round_id: str, items: list[list[int]], scale: int,
                 stretch: int | None = None) -> list[str]:
    """The round's buckets in order, each with its items' minimums (and one maximum)."""
    ids = []
    for p, mins in enumerate(items):
        body_items = [{"name": f"Item {i}", "min": units_text(m, scale)} for i, m in enumerate(mins)]
        if stretch is not None:
            body_items[0]["max"] = units_text(stretch, scale)
        bucket = api.call("POST", f"/api/v1/rounds/{round_id}/buckets",
                          {"title": f"p{p:03d}", "items": body_items}, author, expect=(201,))
        if units_of(bucket["goal"], scale) != sum(mins):
            raise ApiError(f"bucket {bucket['id']} goal {bucket['goal']} is not the sum of {mins}")
        ids.append(bucket["id"])
    return ids


def close_and_read(api: Client, author: str, round_id: str) -> dict:
    """The round's results once closed, with those read just before (`before`) and its
    buckets as listed after (`buckets`)."""
    before = api.call("GET", f"/api/v1/rounds/{round_id}/results", None, author)
    closed = api.call("POST", f"/api/v1/rounds/{round_id}/close", None, author)
    if closed["phase"] != "closed":
        raise ApiError(f"round {round_id} closed into phase {closed['phase']}")
    results = api.call("GET", f"/api/v1/rounds/{round_id}/results", None, author)
    results["before"] = before
    results["buckets"] = api.call("GET", f"/api/v1/rounds/{round_id}/buckets", None, author)["items"]
    return results


def standing(results: dict) -> dict:
    """What results before and after closing share: the funded buckets and the money."""
    return {"funded": [{k: f[k] for k in ["bucket", "amount", "matched", "votes"]}
                       for f in results["funded"]],
            **{k: results[k] for k in ["budget", "spent", "left", "ballots", "tie"]}}


def run_election(api: Client, pool: ThreadPoolExecutor, author: str, voters: list[str],
                 election: dict) -> dict[str, dict]:
    """Opens, fills and closes the election's two rounds; their results by vote rule."""
    scale = election["scale"]
    rounds = {}
    for rule in ["greedy", "equal_shares"]:
        body = {"title": f"Election {election['id']} by {rule}", "currency": election["currency"],
                "mechanism": "vote", "budget": units_text(election["budget"], scale),
                "vote_rule": rule}
        if election["rule"] == "selected":
            body.update(min_selected=0, max_selected=len(election["costs"]))
        made = api.call("POST", f"/api/v1/groups/{GROUP}/rounds", body, author, expect=(201,))
        if made["phase"] != "funding":
            raise ApiError(f"round {made['id']} opened in phase {made['phase']}")
        rounds[rule] = (made["id"], open_buckets(api, author, made["id"], election["items"], scale))

    def cast(item) -> None:
        round_id, ids, voter, ballot = item
        api.call("POST", f"/api/v1/rounds/{round_id}/ballots",
                 {"buckets": [ids[p] for p in ballot]}, voters[voter], expect=(201,))

    list(pool.map(cast, [(round_id, ids, v, b["ballot"]) for round_id, ids in rounds.values()
                         for v, b in enumerate(election["ballots"])]))
    results = {}
    for rule, (round_id, ids) in rounds.items():
        results[rule] = close_and_read(api, author, round_id)
        results[rule]["ids"] = ids
    return results


def run_quadratic(api: Client, pool: ThreadPoolExecutor, author: str, voters: list[str],
                  case: dict) -> dict:
    scale = case["scale"]
    body = {"title": f"Quadratic {case['id']}", "currency": case["currency"],
            "mechanism": "quadratic", "budget": units_text(case["budget"], scale)}
    if case["pairwise_m"] is not None:
        body["pairwise"] = True
        if not case["pairwise_default"]:
            body["pairwise_m"] = case["pairwise_m"]
    made = api.call("POST", f"/api/v1/groups/{GROUP}/rounds", body, author, expect=(201,))
    if made["pairwise_m"] != case["pairwise_m"]:
        raise ApiError(f"round {made['id']} has pairwise_m {made['pairwise_m']}, not {case['pairwise_m']}")
    # Goals don't matter to matching; the maximum leaves room for every gift.
    stretch = sum(a for _, _, a in case["gifts"]) + 1
    ids = open_buckets(api, author, made["id"], [[10**scale]] * case["buckets"], scale, stretch)

    def give(gift) -> None:
        person, bucket, amount = gift
        api.call("POST", f"/api/v1/buckets/{ids[bucket]}/contributions",
                 {"amount": units_text(amount, scale)}, voters[person], expect=(201,))

    # One person's gifts in the order drawn; people at once.
    by_person: dict[int, list] = {}
    for gift in case["gifts"]:
        by_person.setdefault(gift[0], []).append(gift)
    list(pool.map(lambda gifts: [give(g) for g in gifts], by_person.values()))
    results = close_and_read(api, author, made["id"])
    results["ids"] = ids
    return results


# ---------------------------------------------------------------- comparison


Made = list[tuple[str, bool, object, object]]  # (check, passed, ours, expected)


def compare_election(election: dict, results: dict[str, dict]) -> Made:
    scale, costs, budget = election["scale"], election["costs"], election["budget"]
    ballots = election["ballots"]
    votes = [sum(p in b["ballot"] for b in ballots) for p in range(len(costs))]
    made: Made = []

    def check(name: str, ours, expected) -> None:
        made.append((name, ours == expected, ours, expected))

    references = {"greedy": lambda: ref.ref_greedy(election, "cost"),
                  "equal_shares": lambda: ref.ref_mes(election, "cost")}
    for rule, got in results.items():
        ids = got["ids"]
        funded = got["funded"]
        index = {bucket: p for p, bucket in enumerate(ids)}
        projects = sorted(index.get(f["bucket"], -1) for f in funded)
        check(f"{rule}/pabutools", projects, references[rule]())
        check(f"{rule}/votes", {index.get(f["bucket"]): f["votes"] for f in funded},
              {p: votes[p] for p in projects if p >= 0})
        check(f"{rule}/amounts", {index.get(f["bucket"]): units_of(f["amount"], scale) for f in funded},
              {p: costs[p] for p in projects if p >= 0})
        spent = sum(costs[p] for p in projects if p >= 0)
        check(f"{rule}/budget", [units_of(got[k], scale) for k in ["budget", "spent", "left"]],
              [budget, spent, budget - spent])
        check(f"{rule}/ballots", got["ballots"], len(ballots))
        check(f"{rule}/final", got["final"], True)
        check(f"{rule}/before_close", [standing(got["before"]), got["before"]["final"]],
              [standing(got), False])
        listed = got["buckets"]
        check(f"{rule}/buckets", [[index.get(b["id"]), b["votes"], b["state"]] for b in listed],
              [[p, votes[p], "funded" if p in projects else "open"] for p in range(len(ids))])
        if rule == "greedy":
            chosen = set(projects)
            tie = any(q > p and votes[q] == votes[p] and q not in chosen
                      for p in chosen for q in range(len(costs)))
            check("greedy/tie", got["tie"], tie)
    return made


def compare_quadratic(case: dict, got: dict) -> Made:
    scale, budget = case["scale"], case["budget"]
    name = "quadratic" if case["pairwise_m"] is None else "quadratic_pairwise"
    expected, bound = constrained(ideal_matches(case["totals"], case["formula_m"]), budget)
    given = [sum(t.values()) for t in case["totals"]]
    index = {bucket: p for p, bucket in enumerate(got["ids"])}
    made: Made = []

    def check(check_name: str, passed: bool, ours, wanted) -> None:
        made.append((f"{name}/{check_name}", passed, ours, wanted))

    funded = {index.get(f["bucket"], -1): f for f in got["funded"]}
    wanted_funded = [p for p in range(case["buckets"]) if given[p] > 0]
    check("funded", sorted(funded) == wanted_funded, sorted(funded), wanted_funded)
    matched = {p: units_of(f["matched"], scale) for p, f in funded.items()}
    off = {p: (matched.get(p), expected[p]) for p in wanted_funded
           if matched.get(p) is None or abs(matched[p] - expected[p]) > 1}
    check("matches", not off, {p: matched.get(p) for p in wanted_funded},
          {p: expected[p] for p in wanted_funded})
    amounts = {p: units_of(f["amount"], scale) for p, f in funded.items()}
    check("amounts", all(amounts[p] == given[p] + matched[p] for p in funded if p >= 0),
          amounts, {p: given[p] + matched.get(p, 0) for p in funded if p >= 0})
    total = sum(matched.values())
    numbers = [units_of(got[k], scale) for k in ["budget", "spent", "left"]]
    check("budget", numbers == [budget, total, budget - total] and total <= budget
          and (total == budget or not bound), numbers + [f"constrained: {bound}"],
          [budget, total, budget - total, f"Σ matched ≤ budget, = budget if constrained"])
    check("final", got["final"] is True, got["final"], True)
    before = [standing(got["before"]), got["before"]["final"]]
    check("before_close", before == [standing(got), False], before, [standing(got), False])
    listed = [[index.get(b["id"]), b["matched"], b["contributed"], b["contributors"], b["state"]]
              for b in got["buckets"]]
    wanted = [[p, funded[p]["matched"] if p in funded else units_text(0, scale),
               units_text(given[p], scale), len(case["totals"][p]),
               "funded" if p in funded else "open"] for p in range(case["buckets"])]
    check("buckets", listed == wanted, listed, wanted)
    return made


def shown_election(election: dict, results: dict[str, dict]) -> str:
    return json.dumps({
        "election": election["id"], "rule": election["rule"], "currency": election["currency"],
        "budget": election["budget"], "costs": election["costs"],
        "ballots": [b["ballot"] for b in election["ballots"]],
        "rounds": {rule: got["round"] for rule, got in results.items()},
    })


def shown_quadratic(case: dict, got: dict) -> str:
    return json.dumps({
        "quadratic": case["id"], "round": got["round"], "currency": case["currency"],
        "budget": case["budget"], "pairwise_m": case["pairwise_m"],
        "totals_by_bucket": [{str(k): v for k, v in t.items()} for t in case["totals"]],
    })


def crosscheck(args) -> int:
    if not os.access(args.binary, os.X_OK):
        print(f"no weft binary at {args.binary}: build it with `cargo build -p weft` or pass --binary")
        return 1
    started = time.time()
    rng = random.Random(args.seed)
    elections = [make_election(rng, i) for i in range(args.elections)]
    quadratics = [make_quadratic(rng, i) for i in range(args.quadratic)]
    print(f"{len(elections)} elections (seed {args.seed}): {2 * len(elections)} vote rounds, "
          f"{sum(len(e['costs']) for e in elections)} buckets, "
          f"{2 * sum(len(e['ballots']) for e in elections)} ballots; {len(quadratics)} quadratic "
          f"rounds, {sum(len(q['gifts']) for q in quadratics)} contributions", flush=True)
    server = Server(args.binary, args.keep_data)
    counted: dict[str, list[int]] = {}
    failures: list[str] = []
    # What the cases exercised, so that a pass is not a vacuous one.
    seen = {"greedy ties": 0, "elections where greedy and equal shares fund differently": 0,
            "constrained quadratic rounds": 0, "matches 1 unit off": 0, "matches": 0}

    def record(made: Made, case: str) -> None:
        wrong = [m for m in made if not m[1]]
        for name, passed, _, _ in made:
            counted.setdefault(name, [0, 0])[0 if passed else 1] += 1
        if wrong:
            for name, _, ours, expected in wrong:
                print(f"MISMATCH {name}: server {ours!r} vs expected {expected!r}")
            print(f"  {case}", flush=True)
            failures.append(case)

    try:
        server.wait_ready()
        api = Client(server.base)
        with ThreadPoolExecutor(args.jobs) as pool:
            author, voters = set_up(api, pool)
            print(f"server up at {server.base} with {len(voters)} voters after "
                  f"{time.time() - started:.1f} s", flush=True)
            for election in elections:
                results = run_election(api, pool, author, voters, election)
                try:
                    made = compare_election(election, results)
                except Exception as error:  # a reference crashing is a finding too
                    made = [("reference raised", False, repr(error), None)]
                record(made, shown_election(election, results))
                seen["greedy ties"] += bool(results["greedy"]["tie"])
                seen["elections where greedy and equal shares fund differently"] += (
                    {f["bucket"] for f in results["greedy"]["funded"]}
                    != {results["greedy"]["ids"][results["equal_shares"]["ids"].index(f["bucket"])]
                        for f in results["equal_shares"]["funded"]})
            for case in quadratics:
                got = run_quadratic(api, pool, author, voters, case)
                record(compare_quadratic(case, got), shown_quadratic(case, got))
                expected, bound = constrained(ideal_matches(case["totals"], case["formula_m"]),
                                              case["budget"])
                seen["constrained quadratic rounds"] += bound
                for f in got["funded"]:
                    p = got["ids"].index(f["bucket"])
                    seen["matches"] += 1
                    seen["matches 1 unit off"] += units_of(f["matched"], case["scale"]) != expected[p]
        log = server.log_text()
    except BaseException:
        print("the server's log ends:\n" + "\n".join(server.log_text().splitlines()[-20:]))
        raise
    finally:
        server.stop()
    for name in sorted(counted):
        print(f"  {name}: {counted[name][0]} passed, {counted[name][1]} failed")
    print("cases exercised: " + ", ".join(f"{k} {v}" for k, v in seen.items()))
    panicked = "panicked" in log
    if panicked:
        print("the server panicked:")
        print("\n".join(line for line in log.splitlines() if "panic" in line))
    passed = sum(c[0] for c in counted.values())
    failed = sum(c[1] for c in counted.values())
    print(f"{time.time() - started:.1f} s in all")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or panicked else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=str(WORKSPACE / "target" / "debug" / "weft"),
                        help="path of a built weft binary")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--elections", type=int, default=12)
    parser.add_argument("--quadratic", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=4,
                        help="client threads casting ballots and contributions")
    parser.add_argument("--keep-data", action="store_true", help="keep the server's data directory")
    args = parser.parse_args()
    # A SIGTERM (a CI timeout, say) still runs the atexit hook that stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return crosscheck(args)


if __name__ == "__main__":
    sys.exit(main())
