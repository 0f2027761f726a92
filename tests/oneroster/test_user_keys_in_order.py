"""BundleState.user_keys keys a chunk in users.csv's order by one slice of the line arrays
(file_done("users")): the keys and dangling values must be exactly the id map's, in order or
not, with repeated, blank and unknown ids."""

from __future__ import annotations

import random

from harness.oneroster.checks.state import BundleState


def _by_map(state: BundleState, col: tuple[str, ...]) -> tuple[list[object], set[str]]:
    users = state.ids["users"]
    keys: list[object] = [users.get(v, v) for v in col]
    return keys, {k for k in keys if isinstance(k, str) and k}


def test_user_keys_in_order_match_the_id_map() -> None:
    rnd = random.Random(3)
    for _ in range(100):
        state = BundleState()
        users = state.ids["users"]
        sids = [f"u{i}" for i in range(40)]
        line = 2
        for sid in sids + rnd.sample(sids, 5):  # repeated sourcedIds keep their first line
            users.setdefault(sid, line)
            line += rnd.choice((1, 1, 1, 2))  # a record over two lines leaves a hole
        state.complete.add("users")
        state.file_done("users")
        start = rnd.randrange(0, 30)
        col = sids[start:start + rnd.randint(1, 10)]
        if rnd.random() < 0.5:
            i = rnd.randrange(len(col))
            col[i] = rnd.choice(["", "nobody", sids[rnd.randrange(40)], col[i]])
        keys, dangling = state.user_keys(tuple(col))
        assert (keys, dangling) == _by_map(state, tuple(col))
        assert all(k is users[v] for k, v in zip(keys, col, strict=True) if v in users)
