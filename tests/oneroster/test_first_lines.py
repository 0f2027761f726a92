"""FirstLines (a set until a key repeats, then a dict) must answer exactly as first_lines on a
plain dict: the same None / first values per chunk, the same mapping in the same order."""

from __future__ import annotations

import random

from harness.oneroster.checks.state import FirstLines, first_lines, first_lines_by_user


def _chunks(rnd: random.Random) -> list[tuple[list[object], list[int]]]:
    pool: list[object] = [f"k{i}" for i in range(60)] + list(range(1000, 1060))
    line, out = 2, []
    for _ in range(rnd.randint(1, 8)):
        n = rnd.randint(0, 12)
        if rnd.random() < 0.6:  # fresh keys only (the usual chunk)
            keys = [pool.pop(rnd.randrange(len(pool))) for _ in range(min(n, len(pool)))]
        else:  # keys met before, repeated within the chunk, or new
            keys = [rnd.choice([f"k{rnd.randrange(60)}", rnd.randrange(1000, 1060), (1, "a")])
                    for _ in range(n)]
        lines = list(range(line, line + len(keys)))
        line += len(keys) + rnd.choice((0, 0, 1))
        out.append((keys, lines))
    return out


def test_first_lines_answers_as_a_dict_does() -> None:
    rnd = random.Random(7)
    switched = 0
    for _ in range(2000):
        seen: FirstLines[object, int] = FirstLines()
        plain: dict[object, int] = {}
        for keys, lines in _chunks(rnd):
            if rnd.random() < 0.1:  # a blank-value path asks for the dict itself
                assert seen.mapping() == plain
                switched += 1
            assert seen.add(keys, lines) == first_lines(plain, keys, lines)
        assert list(seen.mapping().items()) == list(plain.items())  # the order first met
        assert seen.add([], []) is None
    assert switched > 100


def test_mapping_is_the_store_after_a_repeat() -> None:
    seen: FirstLines[str, int] = FirstLines()
    assert seen.add(["a", "b"], [2, 3]) is None
    assert seen.add(["c", "a"], [4, 5]) == [4, 2]
    firsts = seen.mapping()
    assert firsts == {"a": 2, "b": 3, "c": 4}
    firsts["d"] = 9  # the blank paths write to it directly
    assert seen.add(["d", "e"], [10, 11]) == [9, 11]
    assert list(seen.mapping()) == ["a", "b", "c", "d", "e"]


def test_first_lines_by_user_answers_as_first_lines_on_whole_keys() -> None:
    rnd = random.Random(11)
    for _ in range(2000):
        first: dict[object, tuple[object, ...]] = {}
        more: dict[tuple[object, ...], int] = {}
        plain: dict[tuple[object, ...], int] = {}
        line = 2
        for _ in range(rnd.randint(1, 6)):
            n = rnd.randint(0, 10)
            # users in users.csv's order (ints), a few again or dangling (str); keys' other
            # values from a small pool, so a user's keys repeat and differ
            users = [rnd.choice([line + i, rnd.randrange(2, line + 10), "", "x"])
                     for i in range(n)]
            entries = [(rnd.choice("ab"), rnd.choice("st"), line + i) for i in range(n)]
            got = first_lines_by_user(first, more, users, entries)  # type: ignore[arg-type]
            keys = [(u, *e[:-1]) for u, e in zip(users, entries, strict=True)]
            assert got == first_lines(plain, keys, [e[-1] for e in entries])
            line += n + rnd.choice((0, 1))
