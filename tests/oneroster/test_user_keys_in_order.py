"""BundleState.user_keys keys a chunk in users.csv's order by one slice of the users in order
(file_done("users")), from where the last chunk ended or from the first user: the keys and
dangling values must be exactly the id map's, in order or not, chunk after chunk, with
repeated, blank and unknown ids."""

from __future__ import annotations

import random

from harness.oneroster.checks.state import BundleState


def _by_map(users: dict[str, int], col: tuple[str, ...]) -> tuple[list[object], set[str]]:
    keys: list[object] = [users.get(v, v) for v in col]
    return keys, {k for k in keys if isinstance(k, str) and k}


def test_user_keys_in_order_match_the_id_map() -> None:
    rnd = random.Random(3)
    without_map = 0
    for _ in range(300):
        state = BundleState()
        users: dict[str, int] = {}
        sids = [f"u{i}" for i in range(40)]
        line = 2
        repeats = rnd.sample(sids, rnd.choice((0, 0, 5)))  # keep their first line
        for sid in sids + repeats:
            firsts = state.users.add([sid], [line])  # as users.csv's pass adds them
            users.setdefault(sid, line)
            assert firsts in (None, [users[sid]])
            line += rnd.choice((1, 1, 1, 2))  # a record over two lines leaves a hole
        state.complete.add("users")
        state.file_done("users")
        start, got = rnd.choice((0, 0, 0, rnd.randrange(0, 30))), []  # a file from its start
        for _ in range(rnd.randint(1, 4)):  # chunks of one file, mostly one after the other
            if rnd.random() < 0.1 or start >= 40:
                start = rnd.randrange(0, 30)
            col = sids[start:start + rnd.randint(1, 10)]
            start += len(col)
            if rnd.random() < 0.15:
                i = rnd.randrange(len(col))
                col[i] = rnd.choice(["", "nobody", sids[rnd.randrange(40)], col[i]])
            keys, dangling = state.user_keys(tuple(col))
            assert (keys, dangling) == _by_map(users, tuple(col))
            got.append((col, keys))
        without_map += state.users._map is None  # every chunk keyed without the dict
        firsts_of = state.users.mapping()
        assert firsts_of == users and list(firsts_of) == list(users)
        for col, keys in got:  # the line int objects the id map holds
            assert all(k is firsts_of[v] for k, v in zip(keys, col, strict=True) if v in users)
    assert 30 < without_map < 270, without_map  # both ways taken
