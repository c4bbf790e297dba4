#!/usr/bin/env python3
"""Seeds a running Weft server for bench/budget/run, through the public API only.

    seed.py BASE BUCKETS MEMBERS GIFTS ALLOCATION   (prints one JSON object on stdout)

One public, open group `commons` with the budget tool on and one ledger currency (BC, scale 2);
its owner `treasurer` and MEMBERS members `member1..`, who join it. Three notional rounds (no
pool: money is counted, not moved), each with BUCKETS buckets proposed by the members in turn
(1 to 4 budget items, a paragraph of description, a tag or two):
  - `cobudget`: each member has ALLOCATION to give and gives it across GIFTS buckets;
  - `quadratic`: a budget of 10,000 matched to contributions by the plain formula;
  - `pairwise`: the same with pairwise bounding (M = 25).
Members choose buckets by a Zipf-like popularity (rank r weighs r^-0.9, shuffled), so some
buckets are funded, many are part-way and some have nothing: progress bars of every length.
A gift never asks for more than a bucket's stretch goal still has room for.

Prints {"group", "owner", "member", "rounds": {name: id}, "buckets", "gifts": {name: n},
"full": {name: n} (gifts left out: the bucket had no room), "refused": {name: n} (409 or 422
from the server), "seconds", "summary"}: `owner` and `member` are session tokens (bearer, or the
`weft_session` cookie).
"""
import http.client
import itertools
import json
import random
import sys
import time
import urllib.parse

PASSWORD = "tangerine-orbit-cello-47"
GROUP = "commons"
ITEMS = ["Materials", "Labour", "Venue hire", "Printing", "Tools", "Food", "Transport"]
TAGS = ["garden", "youth", "repairs", "culture", "streets", "food", "elders", "sport"]
WORDS = ("a small project for the neighbourhood that needs a little money to get going "
         "volunteers will do most of the work and the rest pays for what we cannot borrow "
         "everyone is welcome to join on the first saturday of each month").split()


def main():
    base, buckets, members, gifts, allocation = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
    began = time.time()
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    rng = random.Random(2026)

    def call(method, path, body=None, token=None, ok=(200, 201, 204)):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        data = r.read()
        if r.status not in ok:
            sys.exit(f"seed: {method} {path} -> {r.status} {data[:400]!r}")
        return r.status, (json.loads(data) if data else None)

    def person(handle):
        call("POST", "/api/v1/accounts", {"handle": handle, "password": PASSWORD})
        _, s = call("POST", "/api/v1/sessions", {"handle": handle, "password": PASSWORD})
        return s["token"]

    owner = person("treasurer")
    call("POST", "/api/v1/groups", {"handle": GROUP, "name": "Neighbourhood budget",
                                    "visibility": "public", "join_policy": "open"}, owner)
    call("PUT", f"/api/v1/groups/{GROUP}/tools/budget", {}, owner)
    call("POST", f"/api/v1/groups/{GROUP}/currencies",
         {"code": "BC", "name": "Budget credits", "kind": "mutual_credit", "scale": 2,
          "default_floor": None}, owner)
    tokens = []
    for i in range(1, members + 1):
        t = person(f"member{i}")
        call("POST", f"/api/v1/groups/{GROUP}/members", {}, t)
        tokens.append(t)

    rounds = {}
    for name, body in [
        ("cobudget", {"mechanism": "cobudget", "allocation": allocation}),
        ("quadratic", {"mechanism": "quadratic", "budget": "10000"}),
        ("pairwise", {"mechanism": "quadratic", "budget": "10000", "pairwise": True}),
    ]:
        body = {"title": f"Spring {name} round", "currency": "BC",
                "description": "What should the neighbourhood fund this spring?", **body}
        _, r = call("POST", f"/api/v1/groups/{GROUP}/rounds", body, owner)
        rounds[name] = r["id"]

    # Buckets: goals of 5 to 80 credits (cents: scale 2), stretch up to twice the goal.
    made = {name: [] for name in rounds}  # [id, room in cents]
    for name, rid in rounds.items():
        for b in range(buckets):
            items = []
            for k in rng.sample(ITEMS, rng.randint(1, 4)):
                low = rng.randint(100, 2000)
                items.append({"name": k, "min": cents(low), "max": cents(low * rng.choice([1, 1, 1.5, 2]))})
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
            body = {"title": f"Bucket {b + 1}: " + " ".join(words.split()[:4]),
                    "description": words.capitalize() + ".", "items": items,
                    "tags": rng.sample(TAGS, rng.randint(0, 2))}
            _, bucket = call("POST", f"/api/v1/rounds/{rid}/buckets", body, tokens[b % members])
            stretch = sum(round(float(i["max"]) * 100) for i in items)
            made[name].append([bucket["id"], stretch])

    def popular():
        ranks = list(range(1, buckets + 1))
        rng.shuffle(ranks)
        return list(itertools.accumulate(r ** -0.9 for r in ranks))

    given, full, refused = {}, {}, {}
    for name, rid in rounds.items():
        cum = popular()
        given[name] = full[name] = refused[name] = 0
        left_total = round(float(allocation) * 100) if name == "cobudget" else None
        for t in tokens:
            chosen = set()
            while len(chosen) < min(gifts, buckets):
                chosen.add(rng.choices(range(buckets), cum_weights=cum)[0])
            if name == "cobudget":
                # The allocation split unevenly over the chosen buckets (at least a cent each).
                shares = [rng.random() + 0.1 for _ in chosen]
                total = sum(shares)
                amounts = [max(1, int(left_total * s / total)) for s in shares]
            else:
                amounts = [rng.randint(100, 2000) for _ in chosen]
            for b, amount in zip(chosen, amounts):
                bucket = made[name][b]
                amount = min(amount, bucket[1])
                if amount <= 0:
                    full[name] += 1
                    continue
                status, _ = call("POST", f"/api/v1/buckets/{bucket[0]}/contributions",
                                 {"amount": cents(amount)}, t, ok=(201, 409, 422))
                if status == 201:
                    bucket[1] -= amount
                    given[name] += 1
                else:
                    refused[name] += 1

    # Two vote rounds of 200 buckets for part e (its 10,000 ballots are written straight
    # into the database by bench/budget/run): counted by greedy and by equal shares.
    votes = {}
    for name, rule in [("vote_greedy", "greedy"), ("vote_mes", "equal_shares")]:
        body = {"title": f"Vote {rule}", "currency": "BC", "mechanism": "vote",
                "budget": "20000", "vote_rule": rule, "min_selected": 0, "max_selected": 200}
        _, r = call("POST", f"/api/v1/groups/{GROUP}/rounds", body, owner)
        rounds[name] = r["id"]
        ids = []
        for b in range(200):
            body = {"title": f"Project {b + 1}",
                    "items": [{"name": "All", "min": cents(rng.randint(10, 500) * 100)}]}
            _, bucket = call("POST", f"/api/v1/rounds/{r['id']}/buckets", body, owner)
            ids.append(bucket["id"])
        votes[name] = ids

    seconds = round(time.time() - began, 1)
    summary = (f"seeded in {seconds} s: {members} members, {buckets} buckets in each of 3 rounds; "
               f"contributions made — " + ", ".join(f"{n} {given[n]}" for n in given)
               + f" (left out, the bucket full: {sum(full.values())}; refused by the server: "
               f"{sum(refused.values())})")
    json.dump({"group": GROUP, "owner": owner, "member": tokens[0], "rounds": rounds, "votes": votes,
               "buckets": buckets, "gifts": given, "full": full, "refused": refused,
               "seconds": seconds, "summary": summary}, sys.stdout)
    print()


def cents(n):
    n = int(round(n))
    return f"{n // 100}.{n % 100:02d}"


if __name__ == "__main__":
    main()
