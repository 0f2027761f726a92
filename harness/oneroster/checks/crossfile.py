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
        if set(cols[rtype]) == {"primary"}:  # the usual export: one primary role per row
            keys = list(zip(cols[user], cols[org], strict=True))
            fresh = dict(zip(keys, lines, strict=True))
            if len(fresh) == len(keys) and state.primary_roles.keys().isdisjoint(fresh):
                state.primary_roles.update(fresh)
                return
        for line, u, o, t in zip(lines, cols[user], cols[org], cols[rtype], strict=True):
            if t == "primary":
                key = (u, o)
                if key in state.primary_roles:
                    ctx.add("OR601", line, "roleType", value=u, org=o)
                else:
                    state.primary_roles[key] = line
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
        keys = state.enrollment_keys
        triples = list(zip(cols[user], cols[cls], cols[role], strict=True))
        fresh = dict(zip(triples, lines, strict=True))
        if len(fresh) == len(triples) and keys.keys().isdisjoint(fresh):
            keys.update(fresh)
        else:
            for line, key in zip(lines, triples, strict=True):
                first = keys.setdefault(key, line)
                if first != line:
                    ctx.add("OR404", line, "userSourcedId", value=key[0], first_line=first)
        homes = state.home_class
        if homes:  # users.csv was read before: users enrolled in their homeClass leave the map
            before = len(homes)
            users = cols[user]  # the lookups run in C (lazily: each before its row's delete)
            for u, c, home in zip(users, cols[cls], map(homes.get, users), strict=True):
                if home is not None and home[0] == c:
                    del homes[u]
            if len(homes).bit_length() < before.bit_length():
                # a dict never shrinks its table on delete: copy it each time it halves
                state.home_class = dict(homes)
    return [hook]


HOOKS = {
    "users": users_hooks,
    "roles": roles_hooks,
    "enrollments": enrollments_hooks,
}


def finish(state: BundleState, sink: FindingCollector, bulk: set[str]) -> None:
    """Rules that need every file read. Absence-based rules apply to bulk files only."""
    users = state.ids.get("users", {})
    if "users" in bulk:  # home_class holds the users no enrollment put in their homeClass
        for user, (cls, line, col) in state.home_class.items():
            sink.add("OR603", file="users.csv", line=line, column=col, value=user, target=cls)
    if "demographics" in bulk:  # the first line of each demographics sourcedId
        demo = state.ids.get("demographics", {})
        for sid in sorted(demo.keys() - users.keys(), key=demo.__getitem__):
            sink.add("OR604", file="demographics.csv", line=demo[sid], column=1, value=sid)
    if "roles" in bulk:
        has_primary = {u for u, _ in state.primary_roles} if state.secondary_only else set()
        for user, line in state.secondary_only.items():
            if user not in has_primary:
                sink.add("OR602", file="roles.csv", line=line, value=user)
        if "users" in bulk:
            for user in sorted(users.keys() - state.users_with_roles, key=users.__getitem__):
                sink.add("OR605", file="users.csv", line=users[user], column=1, value=user)
