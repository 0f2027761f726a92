"""Names without 外字 (gaiji): the external-linkage name, checked (PL241–PL244).

C4th's display name (givenName/familyName) may hold 外字, private-use code points only C4th
can draw; the gaiji-free name for external linkage is preferredGivenName/preferredFamilyName
(pilot §3.5.2). Only that name is delivered, and only when every character is representable:

- no private-use code point (U+E000–U+F8FF, planes 15–16) → else PL241;
- every character encodable in JIS X 0213:2004 or in Windows-31J (CP932, whose NEC/IBM
  extension kanji such as 髙 Japanese school systems commonly hold); no control characters
  and no half-width katakana → else PL242. 𠮷 (U+20BB7), for one, is in neither and is held;
- the external name is not blank → else PL243 (the display name is never used instead);
- kana names present and in full-width katakana → else PL244.
"""

from __future__ import annotations

import re

from pipeline.preprocess.work import PersonDraft, Work

PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
KANA = re.compile("[\u30a1-\u30fa\u30fc\u30fb\u3000 ]+")
CODECS = ("euc_jis_2004", "cp932")


def unrepresentable(text: str) -> str | None:
    """The first character of ``text`` no Japanese target can be trusted to store, or None."""
    m = CONTROL.search(text) or HALF_WIDTH_KANA.search(text)
    if m:
        return m.group()
    for codec in CODECS:  # the usual case: the whole name encodes at once
        try:
            text.encode(codec)
            return None
        except UnicodeEncodeError:
            continue
    for ch in text:
        if ch.isascii():
            continue
        for codec in CODECS:
            try:
                ch.encode(codec)
                break
            except UnicodeEncodeError:
                continue
        else:
            return ch
    return None


def _check(work: Work, p: PersonDraft, field: str, value: str) -> bool:
    if not value.strip():
        work.hold(p, "PL243", umi=p.umi, field=field)
        return False
    m = PRIVATE_USE.search(value)
    if m:
        work.hold(p, "PL241", umi=p.umi, field=field, codepoint=f"{ord(m.group()):04X}")
        return False
    bad = unrepresentable(value)
    if bad is not None:
        work.hold(p, "PL242", umi=p.umi, field=field, codepoint=f"{ord(bad):04X}")
        return False
    return True


def check_names(work: Work) -> None:
    """Hold everyone whose delivered (external) name or kana cannot be sent as is."""
    for p in work.people:
        if p.held:
            continue
        p.family_name, p.given_name = p.family_name.strip(), p.given_name.strip()
        ok = _check(work, p, "preferredFamilyName", p.family_name)
        ok = _check(work, p, "preferredGivenName", p.given_name) and ok
        if not ok:
            continue
        for field, value in (("metadata.jp.kanaFamilyName", p.family_kana),
                             ("metadata.jp.kanaGivenName", p.given_kana)):
            if not KANA.fullmatch(value.strip()):
                work.hold(p, "PL244", umi=p.umi, field=field)
                break
