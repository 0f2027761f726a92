"""The conformance test set: valid bundles and invalid ones with one known defect each.

Every case names the rule ids the checker must raise for it, exactly, and each defect case
fails for its own defect only. Cases that exercise a Japan-profile rule apply to Japanese
profiles only; cases built on the gradebook files apply only where the base sample carries them
(the plain profile). Every valid case says what it exercises: a point of the spec, or an
importer practice it is known to break. Families follow 1EdTech's invalid sets: packaging,
missing headers and scrambled order, invalid data types, missing data, data rules and
references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.oneroster.schema import MANIFEST, load_profile
from harness.oneroster.testset import tables as T
from harness.oneroster.testset.base import add_resources, sample_bundle, sample_id, to_delta

DEFAULT_NAME = "RO_20250501_082201.zip"
Mutation = Callable[[T.Tables], "T.Members | bytes | None"]


@dataclass(frozen=True)
class Case:
    """One bundle of the test set and the rule ids the checker must raise for it."""

    id: str
    family: str
    title: str
    expected: tuple[str, ...]
    mutate: Mutation | None = None
    japanese_only: bool = False
    delta: bool = False
    filename: str = DEFAULT_NAME
    folder: bool = False
    #: built on the sample with its gradebook files: only where the base sample has them
    gradebook: bool = False
    #: for a valid case: the spec point or importer practice it exercises
    exercises: str = ""
    #: the profiles the case applies to, when narrower than the flags above say
    only: tuple[str, ...] = ()
    #: built on the sample plus its gradebook and resource files, under every profile
    extras: bool = False

    @property
    def valid(self) -> bool:
        return not self.expected or self.family == "valid"

    def applies_to(self, profile: str) -> bool:
        """Whether the case belongs to ``profile``'s test set."""
        japanese = load_profile(profile).japanese
        if self.only and profile not in self.only:
            return False
        return (japanese or not self.japanese_only) and not (self.gradebook and japanese)

    def expected_for(self, profile: str) -> tuple[str, ...]:
        """The rule ids expected under ``profile``: rules scoped to other profiles (the
        Japan-only and importer-practice ones) drop out, e.g. OR703 beside OR118."""
        from harness.oneroster.rules import REGISTRY

        return tuple(r for r in self.expected if REGISTRY[r].applies_to(profile))

    def build(self, profile: str) -> T.Members | bytes:
        """The bundle's members (or raw bytes, for cases that break the zip itself)."""
        bundle = sample_bundle(profile,
                               gradebook=True if self.gradebook or self.extras else None)
        if self.extras:
            add_resources(bundle)
        tables = T.to_tables(to_delta(bundle) if self.delta else bundle)
        out = self.mutate(tables) if self.mutate else None
        return T.serialize(tables) if out is None else out


CASES: list[Case] = []
#: Rules no test-set bundle raises, and why (each has its own test instead).
UNCASED = {
    "OR715": "a bundle over 50 MB is too big to write and post for every certification run; "
             "tests/oneroster/test_practice.py checks it on a sparse file",
}


def case(id: str, family: str, title: str, *expected: str, jp: bool = False,
         delta: bool = False, filename: str = DEFAULT_NAME, folder: bool = False,
         gradebook: bool = False, exercises: str = "", only: tuple[str, ...] = (),
         extras: bool = False) -> Callable[[Mutation], Mutation]:
    def register(fn: Mutation) -> Mutation:
        CASES.append(Case(id, family, title, tuple(sorted(expected)), fn, jp, delta, filename,
                          folder, gradebook, exercises, only, extras))
        return fn
    return register


CASES.append(Case("valid-bulk", "valid", "the sample bundle, bulk", (),
                  exercises="a bulk bundle of the rostering files, as a school-affairs system "
                            "exports it (CSV binding §2; Japan profile)"))
CASES.append(Case("valid-delta", "valid", "the sample bundle as a delta (Q社 imports bulk only)",
                  ("OR711",), delta=True,
                  exercises="delta mode: every row with status and dateLastModified (CSV "
                            "binding §2.1); spec-valid, but Q社 refuses any file.*=delta"))
CASES.append(Case("valid-folder", "valid", "the sample bundle as a folder", (), folder=True,
                  exercises="a bundle as an unpacked folder of CSV files (CSV binding §2)"))


def _serialized(t: T.Tables) -> T.Members:
    return T.serialize(t)


# --- packaging -------------------------------------------------------------------------------
@case("not-a-zip", "packaging", "a PDF with a .zip name", "OR100")
def _(t):
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@case("file-in-folder", "packaging", "a stray file inside a folder", "OR101")
def _(t):
    return _serialized(t) + [("export/readme.csv", b"a,b\r\n1,2\r\n")]


@case("zip-slip", "packaging", "a member named ../evil.csv", "OR102")
def _(t):
    return _serialized(t) + [("../evil.csv", b"a\r\n1\r\n")]


@case("zip-bomb", "packaging", "demographics.csv inflates more than 200-fold", "OR103")
def _(t):
    header = ",".join(t["demographics.csv"][0]).encode() + b"\r\n"
    width = len(t["demographics.csv"][0])
    filler = b'"x' + (b"x" * 1_000_000 + b"\n") * 20 + b'"' + b"," * (width - 1) + b"\r\n"
    return T.patch(_serialized(t), "demographics.csv", lambda d: header + filler)


@case("duplicate-entry", "packaging", "users.csv twice in the zip", "OR104")
def _(t):
    members = _serialized(t)
    return members + [m for m in members if m[0] == "users.csv"]


@case("unknown-file", "packaging", "an extra notes.csv", "OR105")
def _(t):
    return _serialized(t) + [("notes.csv", b"a\r\n1\r\n")]


@case("no-manifest", "packaging", "manifest.csv left out", "OR106")
def _(t):
    del t[MANIFEST]


@case("manifest-header", "packaging", "manifest header property,value", "OR107")
def _(t):
    t[MANIFEST][0] = ["property", "value"]


@case("manifest-property-missing", "packaging", "no file.roles row", "OR108")
def _(t):
    T.manifest_drop(t, "file.roles")


@case("manifest-version", "packaging", "manifest.version 1.1", "OR109")
def _(t):
    T.manifest_set(t, "manifest.version", "1.1")


@case("oneroster-version", "packaging", "oneroster.version 1.1", "OR110")
def _(t):
    T.manifest_set(t, "oneroster.version", "1.1")


@case("manifest-mode", "packaging", "file.users,Bulk", "OR111")
def _(t):
    T.manifest_set(t, "file.users", "Bulk")


@case("declared-missing", "packaging", "file.resources bulk with no resources.csv", "OR112")
def _(t):
    T.manifest_set(t, "file.resources", "bulk")


@case("declared-absent", "packaging", "demographics.csv present but declared absent", "OR113")
def _(t):
    T.manifest_set(t, "file.demographics", "absent")


@case("manifest-unknown-property", "packaging", "a file.userz row", "OR114")
def _(t):
    T.manifest_set(t, "file.userz", "bulk")


@case("header-only", "packaging", "demographics.csv with a header and no rows", "OR115")
def _(t):
    t["demographics.csv"] = t["demographics.csv"][:1]


@case("shift-jis", "packaging", "users.csv written in CP932", "OR116")
def _(t):
    return T.patch(_serialized(t), "users.csv", lambda d: d.decode("utf-8").encode("cp932"))


@case("invalid-utf8", "packaging", "a byte 0xFF in a name", "OR117")
def _(t):
    return T.patch(_serialized(t), "users.csv", lambda d: d.replace("太郎".encode(), b"\xff", 1))


@case("bom", "valid", "users.csv starts with a BOM (tolerated; strict importers refuse it)",
      "OR118", "OR703",
      exercises="a UTF-8 byte order mark, which consumers must tolerate (CSV binding §2); "
                "AA社 and M社 refuse it")
def _(t):
    return T.patch(_serialized(t), "users.csv", lambda d: b"\xef\xbb\xbf" + d)


@case("cr-in-field", "packaging", "a carriage return inside a quoted name", "OR119")
def _(t):
    T.setv(t, "users.csv", 0, "middleName", "太\r郎")


@case("nul-byte", "packaging", "a NUL character in a name", "OR120")
def _(t):
    T.setv(t, "users.csv", 0, "middleName", "太\x00郎")


@case("stray-quote", "packaging", "text after a closing quote in an extra course row", "OR127")
def _(t):
    row = (f'"{sample_id("c9")}","","","{sample_id("y2025")}","2025年度 x"y","","",'
           f'"{sample_id("s1")}","",""\r\n')
    return T.patch(_serialized(t), "courses.csv", lambda d: d + row.encode("utf-8"))


@case("unterminated-quote", "packaging", "a quoted field that never closes, at the end of "
      "courses.csv", "OR121")
def _(t):
    row = f'"{sample_id("c9")}","","","{sample_id("y2025")}","2025年度 x'
    return T.patch(_serialized(t), "courses.csv", lambda d: d + row.encode("utf-8"))


@case("bare-quote", "packaging", "a double quote inside an unquoted name (Ta\"ro)", "OR126")
def _(t):
    return T.patch(_serialized(t), "users.csv",
                   lambda d: d.replace('"太郎"'.encode(), '太"郎'.encode(), 1))


@case("field-count", "packaging", "a course row with one field too many", "OR122")
def _(t):
    t["courses.csv"][-1].append("extra")


@case("empty-file", "packaging", "demographics.csv with zero bytes", "OR123")
def _(t):
    return T.patch(_serialized(t), "demographics.csv", lambda d: b"")


@case("bad-crc", "packaging", "demographics.csv fails its CRC", "OR124")
def _(t):
    data = T.zip_members(_serialized(t))
    name = b"demographics.csv"
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory entry
    crc = data[cd + 16:cd + 20]
    bad = bytes(b ^ 0xFF for b in crc)
    return data[:cd + 16] + bad + data[cd + 20:]


@case("bundle-name", "valid", "a bundle named export.zip (Y社 refuses it)", "OR125", "OR710",
      jp=True, filename="export.zip",
      exercises="a bundle name outside RO_YYYYMMDD_<code>.zip, which the spec leaves free "
                "(the interop model's convention); Y社 refuses it")
def _(t):
    return None
