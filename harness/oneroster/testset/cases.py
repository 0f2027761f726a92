"""The conformance test set: valid bundles and invalid ones with one known defect each.

Every case names the rule ids the checker must raise for it, exactly. Cases that exercise a
Japan-profile rule apply to Japanese profiles only. Families follow 1EdTech's invalid sets:
packaging, missing headers and scrambled order, invalid data types, missing data, data rules
and references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.oneroster.schema import MANIFEST
from harness.oneroster.testset import tables as T
from harness.oneroster.testset.base import sample_bundle, sample_id, to_delta

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

    @property
    def valid(self) -> bool:
        return not self.expected or self.family == "valid"

    def expected_for(self, profile: str) -> tuple[str, ...]:
        """The rule ids expected under ``profile``: rules scoped to other profiles (the
        Japan-only and importer-practice ones) drop out, e.g. OR703 beside OR118."""
        from harness.oneroster.rules import REGISTRY

        return tuple(r for r in self.expected if REGISTRY[r].applies_to(profile))

    def build(self, profile: str) -> T.Members | bytes:
        """The bundle's members (or raw bytes, for cases that break the zip itself)."""
        bundle = sample_bundle(profile)
        tables = T.to_tables(to_delta(bundle) if self.delta else bundle)
        out = self.mutate(tables) if self.mutate else None
        return T.serialize(tables) if out is None else out


CASES: list[Case] = []


def case(id: str, family: str, title: str, *expected: str, jp: bool = False,
         delta: bool = False, filename: str = DEFAULT_NAME, folder: bool = False,
         ) -> Callable[[Mutation], Mutation]:
    def register(fn: Mutation) -> Mutation:
        CASES.append(Case(id, family, title, tuple(sorted(expected)), fn, jp, delta, filename,
                          folder))
        return fn
    return register


CASES.append(Case("valid-bulk", "valid", "the sample bundle, bulk", ()))
CASES.append(Case("valid-delta", "valid", "the sample bundle as a delta", (), delta=True))
CASES.append(Case("valid-folder", "valid", "the sample bundle as a folder", (), folder=True))


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


@case("zip-bomb", "packaging", "a member that inflates more than 200-fold", "OR103")
def _(t):
    t[MANIFEST] = [r if r[0] != "file.resources" else [r[0], "bulk"] for r in t[MANIFEST]]
    header = b"sourcedId,status,dateLastModified,vendorResourceId,title,roles,importance," \
        b"vendorId,applicationId\r\n"
    filler = b'r1,,,v1,"' + (b"x" * 1_000_000 + b"\n") * 20 + b'",,,,\r\n'
    return _serialized(t) + [("resources.csv", header + filler)]


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


@case("header-only", "packaging", "categories.csv with a header and no rows", "OR115")
def _(t):
    t["categories.csv"] = t["categories.csv"][:1]
    T.drop_rows(t, "lineItems.csv", "sourcedId", sample_id("li1"))
    t["lineItems.csv"] = t["lineItems.csv"][:1]
    T.manifest_set(t, "file.lineItems", "absent")
    del t["lineItems.csv"]


@case("shift-jis", "packaging", "users.csv written in CP932", "OR116")
def _(t):
    return T.patch(_serialized(t), "users.csv", lambda d: d.decode("utf-8").encode("cp932"))


@case("invalid-utf8", "packaging", "a byte 0xFF in a name", "OR117")
def _(t):
    return T.patch(_serialized(t), "users.csv", lambda d: d.replace("太郎".encode(), b"\xff", 1))


@case("bom", "valid", "users.csv starts with a BOM (tolerated; strict importers refuse it)",
      "OR118", "OR703")
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


@case("empty-file", "packaging", "categories.csv with zero bytes", "OR123")
def _(t):
    return T.patch(_serialized(t), "categories.csv", lambda d: b"")


@case("bad-crc", "packaging", "demographics.csv fails its CRC", "OR124")
def _(t):
    data = T.zip_members(_serialized(t))
    name = b"demographics.csv"
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory entry
    crc = data[cd + 16:cd + 20]
    bad = bytes(b ^ 0xFF for b in crc)
    return data[:cd + 16] + bad + data[cd + 20:]


@case("bundle-name", "valid", "a bundle named export.zip", "OR125", jp=True,
      filename="export.zip")
def _(t):
    return None
