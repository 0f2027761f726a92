"""Rules across files (OR404, OR6xx): roles per org, homeClass, demographics, duplicates."""

from __future__ import annotations

from harness.core import FindingCollector
from harness.oneroster.checks.japan import Ctx, Hook
from harness.oneroster.checks.state import BundleState


def users_hooks(ctx: Ctx) -> list[Hook]:
    sid, home = ctx.index.get("sourcedId"), ctx.index.get("metadata.jp.homeClass")
    if sid is None or home is None:
        return []
    homes = ctx.state.home_class
    col = home + 1

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        homes.update((s, (h, line, col))
                     for s, h, line in zip(cols[sid], cols[home], lines, strict=True) if h)
    return [hook]


def roles_hooks(ctx: Ctx) -> list[Hook]:
    i = ctx.index
    user, org, rtype = i.get("userSourcedId"), i.get("orgSourcedId"), i.get("roleType")
    if user is None or org is None or rtype is None:
        return []
    state = ctx.state

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        state.users_with_roles.update(cols[user])
        for line, u, o, t in zip(lines, cols[user], cols[org], cols[rtype], strict=True):
            if t == "primary":
                key = (u, o)
                if key in state.primary_roles:
                    ctx.add("OR601", line, "roleType", value=u, org=o)
                else:
                    state.primary_roles[key] = line
                state.has_primary.add(u)
            elif t == "secondary":
                state.secondary_only.setdefault(u, line)
    return [hook]


def enrollments_hooks(ctx: Ctx) -> list[Hook]:
    i = ctx.index
    user, cls, role = i.get("userSourcedId"), i.get("classSourcedId"), i.get("role")
    if user is None or cls is None or role is None:
        return []
    state = ctx.state

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        keys, homes = state.enrollment_keys, state.home_class
        enrolled = state.home_class_enrolled
        for line, u, c, r in zip(lines, cols[user], cols[cls], cols[role], strict=True):
            first = keys.setdefault((u, c, r), line)
            if first != line:
                ctx.add("OR404", line, "userSourcedId", value=u, first_line=first)
            home = homes.get(u)
            if home is not None and home[0] == c:
                enrolled.add(u)
    return [hook]


def demographics_hooks(ctx: Ctx) -> list[Hook]:
    sid = ctx.index.get("sourcedId")
    if sid is None:
        return []
    demo = ctx.state.demographics

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        demo.extend(zip(cols[sid], lines, strict=True))
    return [hook]


HOOKS = {
    "users": users_hooks,
    "roles": roles_hooks,
    "enrollments": enrollments_hooks,
    "demographics": demographics_hooks,
}


def finish(state: BundleState, sink: FindingCollector, bulk: set[str]) -> None:
    """Rules that need every file read. Absence-based rules apply to bulk files only."""
    users = state.ids.get("users", {})
    for user, (cls, line, col) in state.home_class.items():
        if user not in state.home_class_enrolled and "users" in bulk:
            sink.add("OR603", file="users.csv", line=line, column=col, value=user, target=cls)
    if "demographics" in bulk:
        for sid, line in state.demographics:
            if sid and sid not in users:
                sink.add("OR604", file="demographics.csv", line=line, column=1, value=sid)
    if "roles" in bulk:
        for user, line in state.secondary_only.items():
            if user not in state.has_primary:
                sink.add("OR602", file="roles.csv", line=line, value=user)
        if "users" in bulk:
            for user, line in users.items():
                if user not in state.users_with_roles:
                    sink.add("OR605", file="users.csv", line=line, column=1, value=user)
