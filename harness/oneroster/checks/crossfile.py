"""Rules across files (OR404, OR6xx): roles per org, homeClass, demographics, duplicates."""

from __future__ import annotations

from collections.abc import Iterator

from harness.core import FindingCollector
from harness.oneroster.checks.japan import Ctx, Hook
from harness.oneroster.checks.state import BundleState, first_lines_by_user


def users_hooks(ctx: Ctx) -> list[Hook]:
    sid, home = ctx.index.get("sourcedId"), ctx.index.get("metadata.jp.homeClass")
    if sid is None or home is None:
        return []
    state = ctx.state
    state.home_column = home + 1

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        keys = state.user_keys(cols[sid])[0]
        state.home_class.update(
            (k, h if k == line else (h, line, s))
            for k, s, h, line in zip(keys, cols[sid], cols[home], lines, strict=True) if h)
    return [hook]


def roles_hooks(ctx: Ctx) -> list[Hook]:
    i = ctx.index
    user, org, rtype = i.get("userSourcedId"), i.get("orgSourcedId"), i.get("roleType")
    if user is None or org is None or rtype is None:
        return []
    state = ctx.state

    def hook(lines: list[int], rows: list[list[str]], cols: list[tuple[str, ...]]) -> None:
        users = state.user_keys(cols[user])[0]
        state.mark_roles(users)
        if set(cols[rtype]) == {"primary"}:  # the usual export: one primary role per row
            firsts = first_lines_by_user(state.primary_roles, state.more_primary_roles, users,
                                         list(zip(cols[org], lines, strict=True)))
            for line, u, o, first in (zip(lines, cols[user], cols[org], firsts, strict=True)
                                      if firsts else ()):
                if first != line:
                    ctx.add("OR601", line, "roleType", value=u, org=o)
            return
        for line, u, k, o, t in zip(lines, cols[user], users, cols[org], cols[rtype],
                                    strict=True):
            if t == "primary":
                first = first_lines_by_user(state.primary_roles, state.more_primary_roles, (k,),
                                            [(o, line)])
                if first and first[0] != line:
                    ctx.add("OR601", line, "roleType", value=u, org=o)
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
        users = state.user_keys(cols[user])[0]
        firsts = first_lines_by_user(state.enrollment_keys, state.more_enrollment_keys, users,
                                     list(zip(cols[cls], cols[role], lines, strict=True)))
        for line, u, first in zip(lines, cols[user], firsts, strict=True) if firsts else ():
            if first != line:
                ctx.add("OR404", line, "userSourcedId", value=u, first_line=first)
        homes = state.home_class
        if homes:  # users.csv was read before: users enrolled in their homeClass leave the map
            before = len(homes)
            # the lookups run in C (lazily: each before its row's delete)
            for u, c, home in zip(users, cols[cls], map(homes.get, users), strict=True):
                if home is not None and (home == c or type(home) is tuple and home[0] == c):
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
    if "users" in bulk:  # home_class holds the users no enrollment put in their homeClass
        col, homes = state.home_column, state.home_class
        # a user kept as its homeClass alone is on the line of its key: its sourcedId is there
        sids = {line: sid for sid, line in _users_in_order(state)
                if type(homes.get(line)) is str} if homes else {}
        for key, home in homes.items():
            cls, line, user = (home, key, sids[key]) if type(home) is str else home
            sink.add("OR603", file="users.csv", line=line, column=col, value=user, target=cls)
    if "demographics" in bulk:  # the first line of each demographics sourcedId
        # keyed as users (UserKey): a str key is a sourcedId that no user has
        demo = state.ids.get("demographics", {})
        for sid in sorted((k for k in demo if isinstance(k, str)), key=demo.__getitem__):
            sink.add("OR604", file="demographics.csv", line=demo[sid], column=1, value=sid)
    if "roles" in bulk:
        has_primary = state.primary_users
        # users' id map is built only when a user has secondary roles alone (rare)
        key_of = state.users.mapping() if state.secondary_only else {}
        for user, line in state.secondary_only.items():
            if key_of.get(user, user) not in has_primary:
                sink.add("OR602", file="roles.csv", line=line, value=user)
        if "users" in bulk:  # a user's key is the line of its id (users' values)
            with_roles, size = state.users_with_roles, len(state.users_with_roles)
            for user, line in _users_in_order(state):
                if line >= size or not with_roles[line]:
                    sink.add("OR605", file="users.csv", line=line, column=1, value=user)


def _users_in_order(state: BundleState) -> Iterator[tuple[str, int]]:
    """Each user's sourcedId and first line, in users.csv's order."""
    return zip(state.user_order, state.user_lines, strict=True)
