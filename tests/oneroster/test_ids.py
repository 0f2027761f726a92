"""harness.oneroster.ids: v4 UUID text built without uuid.UUID, the same as uuid.UUID's."""

from __future__ import annotations

import hashlib
import random
import uuid

from harness.oneroster.ids import is_uuid4, seeded_uuid4, stable_uuid4


def test_stable_uuid4_is_uuid_modules_v4_of_the_digest():
    for n in range(5_000):
        parts = ("c4th", f"1/student/{n}", n % 7)
        digest = hashlib.sha256("/".join(map(str, parts)).encode("utf-8")).digest()
        want = str(uuid.UUID(bytes=digest[:16], version=4))
        assert stable_uuid4(*parts) == want
        assert is_uuid4(want)


def test_seeded_uuid4_is_uuid_modules_v4_of_the_same_draw():
    ours, theirs = random.Random(7), random.Random(7)
    for _ in range(5_000):
        assert seeded_uuid4(ours) == str(uuid.UUID(int=theirs.getrandbits(128), version=4))


def test_every_bit_pattern_edge_gives_uuid_modules_text():
    rng = random.Random(1)
    edges = [0, (1 << 128) - 1, 1 << 76, 0xF << 76, 0xC000 << 48, 0x8000 << 48]
    for bits in edges + [rng.getrandbits(128) for _ in range(2_000)]:
        assert seeded_uuid4(_Fixed(bits)) == str(uuid.UUID(int=bits, version=4))


class _Fixed(random.Random):
    """A generator whose one 128-bit draw is ``bits``."""

    def __init__(self, bits: int) -> None:
        super().__init__(0)
        self._bits = bits

    def getrandbits(self, k: int) -> int:
        assert k == 128
        return self._bits
