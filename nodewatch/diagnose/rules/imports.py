"""The pool that is not there: expected here, not imported, and what `zpool import` says of it.

After a reboot the boot import (`zfs-import-cache`) looks for each member at
the path the cache file recorded. When too many members moved (a disk now
behind a USB bridge, renumbered ports) it gives up, and `zpool status` just
says "no pools available": without this rule such a node looks healthy.

A pool is expected from the cache file, the boot import's own error, the
config, the service's history, or a pasted `zpool import` listing. What the
read-only listing shows decides the advice; nothing is ever forced
(`-f` only with its warning, never `-F`, `labelclear` or `create`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from nodewatch.diagnose import commands, words
from nodewatch.diagnose.context import Context
from nodewatch.diagnose.matching import BY_ID_DIR, labelled_search
from nodewatch.diagnose.platform import commands_for
from nodewatch.diagnose.topology import placements
from nodewatch.model import (
    DEGRADED,
    ONLINE,
    Action,
    ExpectedFrom,
    ExpectedPool,
    Finding,
    Pool,
    Severity,
    Snapshot,
    Vdev,
    VdevType,
)
from nodewatch.parse.zpool_import import top_level_missing, unsupported_features
from nodewatch.zfs_features import release_needed

_SOURCE_WORDS = {
    ExpectedFrom.CACHE_FILE: "it is in the cache file /etc/zfs/zpool.cache",
    ExpectedFrom.BOOT_IMPORT: "the boot import tried it",
    ExpectedFrom.CONFIG: "nodewatch's config names it",
    ExpectedFrom.HISTORY: "nodewatch saw it imported before",
    ExpectedFrom.IMPORT_LISTING: "a `zpool import` listing shows it",
}
_HOST_WORDS = "last accessed by another system"
_MULTIHOST_WORDS = "hostid is not set"


def check(context: Context) -> Iterator[Finding]:
    snapshot = context.snapshot
    if snapshot.pool_status is None:
        return  # zpool could not say what is imported: the probes rule says why
    imported = {pool.name for pool in snapshot.pools}
    listed = {pool.name: pool for pool in snapshot.importable.pools} if snapshot.importable else {}
    search_dir = commands_for(context.platform).import_dir
    for expected in snapshot.expected_pools:
        if expected.name in imported:
            continue
        pool = listed.get(expected.name)
        if pool is None:
            finding = _not_found(expected, search_dir, looked=snapshot.importable is not None)
        else:
            search = labelled_search(context, pool) if search_dir == BY_ID_DIR else None
            if search and search.why:
                finding = _listed(expected, pool, search.search)
                finding = replace(finding, detail=f"{finding.detail} Here {search.why}.")
            else:
                finding = _listed(expected, pool, search_dir)
        memory = _remembered(context, expected.name, pool)
        yield replace(finding, detail=f"{finding.detail} {memory}") if memory else finding
    expected_names = {pool.name for pool in snapshot.expected_pools}
    for name in sorted({member.pool for member in context.known_members.values()}):
        if name not in imported and name not in expected_names:
            yield _seen_before(context, name, search_dir)
    if not imported and not expected_names and not context.known_members and _status_read(snapshot):
        yield _no_pools(context, search_dir)


def _status_read(snapshot: Snapshot) -> bool:
    """Whether a `zpool status` was read at all (not so for `diagnose --smartctl FILE` alone)."""
    return any(raw.command.startswith("zpool status") for raw in snapshot.raw)


def _no_pools(context: Context, search_dir: str | None) -> Finding:
    """No pool imported, none known to be missing: true of this node, or unknowable of a paste."""
    snapshot = context.snapshot
    listing_empty = snapshot.importable is not None  # a listing was read and names no pool
    listed = (
        " A `zpool import` listing was read too and finds no pool on the disks either."
        if listing_empty
        else ""
    )
    if not any(probe.name == "zpool" for probe in snapshot.probes):
        # A pasted `zpool status`: it carries no cache file, boot journal or config, so
        # whether a pool should be there cannot be told. Not "all clear": could not tell.
        return Finding(
            Severity.UNKNOWN,
            "no-pools",
            "the pasted `zpool status` says no pool is imported: nodewatch cannot tell which pool was meant",
            detail=(
                "A paste does not show what should be there (the cache file, the boot import's"
                " journal, the config), so nodewatch cannot tell whether this empty answer is right."
                " If a pool should be imported on that node, run the read-only listing below there"
                " and give its output with `--zpool-import FILE`: nodewatch then says why the pool is"
                " not imported and which command imports it." + listed
            ),
            actions=(_listing(search_dir),),
        )
    return Finding(
        Severity.INFO,
        "no-pools",
        "this node has no ZFS pools imported, and none should be",
        detail=(
            "Nothing nodewatch reads names a pool that belongs here: not the cache file, not the"
            " boot import's journal, not `[zfs] expected_pools`, not its own history."
            + listed
            + " If a pool should be here, name it in `[zfs] expected_pools` so its absence is"
            " reported."
        ),
    )


def _remembered(context: Context, name: str, pool: Pool | None) -> str:
    """What the service's history says of the members not found: the disk each was last seen on."""
    if pool is not None:
        guids = {leaf.guid for leaf in _missing_leaves(pool) if leaf.guid is not None}
        members = [context.known_members[guid] for guid in guids if guid in context.known_members]
    else:
        members = [member for member in context.known_members.values() if member.pool == name]
    return " ".join(words.last_seen(member) for member in sorted(members, key=lambda m: m.vdev_guid))


def _seen_before(context: Context, name: str, search_dir: commands.SearchDirs) -> Finding:
    members = sorted((m for m in context.known_members.values() if m.pool == name), key=lambda m: m.last_seen)
    last = members[-1].last_seen if members else None
    return Finding(
        severity=Severity.INFO,
        code="pool-seen-before",
        summary=f"{name} was imported on this node before and is not now",
        detail=(
            f"nodewatch's history saw {name} imported here"
            + (f" until {last:%Y-%m-%d %H:%M} UTC" if last else "")
            + ". It is not in the cache file, so it was most likely exported on purpose; if not,"
            " list what the disks hold."
        ),
        pool=name,
        actions=(_listing(search_dir),),
    )


def _why_expected(expected: ExpectedPool) -> str:
    reasons = [_SOURCE_WORDS[source] for source in expected.sources]
    text = f"{expected.name} should be imported on this node ({', '.join(reasons) or 'expected'})"
    if expected.boot_error:
        text += f"; at boot ZFS said: cannot import '{expected.name}': {expected.boot_error}"
    return text + "."


def _missing_leaves(pool: Pool) -> list[Vdev]:
    return [leaf for leaf in pool.leaves() if leaf.state != ONLINE]


def _names(leaves: list[Vdev]) -> str:
    return ", ".join(
        f"{leaf.path or leaf.name}" + (f" ({leaf.note})" if leaf.note else "") for leaf in leaves
    )


def _listed(expected: ExpectedPool, pool: Pool, search_dir: commands.SearchDirs) -> Finding:
    status = " ".join((pool.status or "").split())
    features = unsupported_features(pool)
    root_note = pool.root.note if pool.root else ""
    if features or "unsupported feature" in root_note:
        return _unsupported(expected, pool, features, search_dir)
    if _MULTIHOST_WORDS in status:
        return _hostid_unset(expected, pool, search_dir)
    if _HOST_WORDS in status and pool.state in (ONLINE, DEGRADED):
        return _other_host(expected, pool, search_dir)
    if pool.state in (ONLINE, DEGRADED):
        return _importable(expected, pool, search_dir)
    return _not_importable(expected, pool, search_dir)


def _importable(expected: ExpectedPool, pool: Pool, search_dir: commands.SearchDirs) -> Finding:
    missing = _missing_leaves(pool)
    corrupted = [leaf for leaf in missing if "corrupted data" in leaf.note]
    detail = (
        _why_expected(expected)
        + " It is not imported, but a read-only `zpool import` listing finds it"
        + (" with every member" if not missing else "")
        + f" ({pool.state})."
        " At boot ZFS looks for each member at the path the cache file recorded, then scans once"
        " more (OpenZFS 2.1 and later). Members that moved (a disk now behind a USB bridge,"
        " renumbered ports, a new controller) or came up after that moment (a slow USB bridge or"
        " hub) are not found, and nothing imports the pool later by itself. Importing by scanning"
        " the persistent names finds every member by its label and records the paths it found,"
        " so the next boot looks in the right place."
    )
    if missing:
        group = {id(p.leaf): p.group for p in placements(pool)}
        logs = [leaf for leaf in missing if group.get(id(leaf)) is VdevType.LOGS]
        caches = [leaf for leaf in missing if group.get(id(leaf)) is VdevType.CACHE]
        data = [leaf for leaf in missing if group.get(id(leaf)) not in (VdevType.LOGS, VdevType.CACHE)]
        detail += f" Still missing: {_names(missing)}."
        if data:
            detail += " The pool can run without them, but with less (or no) redundancy until they are back."
        if logs:
            detail += (
                f" The log devices ({', '.join(leaf.name for leaf in logs)}) are the separate intent log,"
                " not data: the pool's redundancy does not depend on them, but they may hold the last"
                " seconds of synchronous writes, so reconnect them before importing if you can."
            )
        if caches:
            detail += (
                f" The cache devices ({', '.join(leaf.name for leaf in caches)}) only speed up reads:"
                " nothing is lost without them."
            )
    if corrupted:
        detail += (
            " Members listed as 'corrupted data' under short names are the classic sign of disks"
            " renumbered at boot: the name now points at another disk. Importing by persistent"
            " names avoids that."
        )
    first = Action(
        command=commands.import_pool(pool.name, search_dir),
        why=(
            "imports the pool, finding its members by their ZFS labels among the persistent disk names"
            if search_dir
            else "imports the pool, scanning the disks for its members"
        ),
        check_first=(
            "the missing members are not in use by another machine; reconnect them first if you can"
            if missing
            else None
        ),
    )
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-not-imported",
        summary=(
            f"{pool.name} is not imported; `zpool import` finds it {pool.state}"
            + (f", {len(missing)} member(s) missing" if missing else ", every member present")
        ),
        detail=detail,
        pool=pool.name,
        evidence=_evidence(expected, pool),
        actions=(first,),
    )


def _other_host(expected: ExpectedPool, pool: Pool, search_dir: commands.SearchDirs) -> Finding:
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-not-imported-hostid",
        summary=f"{pool.name} is not imported: ZFS says it was last accessed by another system",
        detail=(
            _why_expected(expected)
            + " ZFS refuses to import a pool whose labels carry another host's hostid, in case that"
            " host still has it imported. On one node this happens after a reinstall, or on a Pi"
            " whose hostid changed (NixOS: `networking.hostId` must stay the same across rebuilds;"
            " elsewhere /etc/hostid, see `zgenhostid`). Forcing the import is safe only if no other"
            " machine uses these disks; two hosts writing one pool destroy it."
        ),
        pool=pool.name,
        evidence=_evidence(expected, pool),
        actions=(
            Action(
                command=commands.import_pool(pool.name, search_dir, "-f"),
                why="imports the pool although its labels name another host, and takes it over for this one",
                check_first=(
                    "DANGEROUS if another machine has this pool imported (shared disks, the old system still"
                    " running): make sure it does not, and fix the hostid so this does not happen again"
                ),
            ),
        ),
    )


def _hostid_unset(expected: ExpectedPool, pool: Pool, search_dir: commands.SearchDirs) -> Finding:
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-not-imported-hostid",
        summary=f"{pool.name} is not imported: it has multihost=on and this node's hostid is not set",
        detail=(
            _why_expected(expected)
            + " A pool with the multihost property is only imported by a host with a unique hostid."
            " Set one (NixOS: `networking.hostId`; elsewhere `zgenhostid` writes /etc/hostid), then"
            " import it."
        ),
        pool=pool.name,
        evidence=_evidence(expected, pool),
        actions=(
            Action(
                command=commands.both("zgenhostid", commands.import_pool(pool.name, search_dir)),
                why="writes a random hostid to /etc/hostid, then imports the pool",
                check_first="on NixOS set networking.hostId in the configuration instead of zgenhostid",
            ),
        ),
    )


def _unsupported(
    expected: ExpectedPool, pool: Pool, features: tuple[str, ...], search_dir: commands.SearchDirs
) -> Finding:
    needed = release_needed(features)
    listed = ", ".join(features) if features else "(not named in the listing)"
    readonly = "read-only" in " ".join((pool.status or "").split())
    detail = (
        _why_expected(expected)
        + f" It uses pool features this node's ZFS does not support: {listed}."
        + (
            f" They need OpenZFS {needed} or newer: upgrade ZFS on this node (and reboot into the new"
            " kernel module), or import the pool on a system that has it."
            if needed
            else " Import it on a system whose ZFS supports them (`zpool upgrade -v` lists this one's)."
        )
        + (" Until then it can be imported read-only to copy data off." if readonly else "")
    )
    actions = []
    if readonly:
        actions.append(
            Action(
                command=commands.import_pool(pool.name, search_dir, "-o", "readonly=on"),
                why="imports the pool read-only: the data can be read, nothing on it changes",
            )
        )
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-unsupported-features",
        summary=f"{pool.name} is not imported: it needs "
        + (f"OpenZFS {needed} or newer" if needed else "pool features this ZFS lacks"),
        detail=detail,
        pool=pool.name,
        evidence=_evidence(expected, pool),
        actions=tuple(actions),
    )


def _not_importable(expected: ExpectedPool, pool: Pool, search_dir: commands.SearchDirs) -> Finding:
    missing = _missing_leaves(pool)
    whole_vdevs_missing = top_level_missing(pool)
    detail = (
        _why_expected(expected)
        + f" A read-only `zpool import` listing finds it {pool.state}"
        + (f" ({pool.root.note})" if pool.root and pool.root.note else "")
        + ": too many members are missing for ZFS to import it."
    )
    if missing:
        detail += f" Not found or not usable: {_names(missing)}."
    if whole_vdevs_missing:
        detail += (
            " ZFS also says whole top-level devices are missing whose layout it cannot tell: a disk"
            " that was a vdev of its own (a stripe member) is gone, and without it the pool cannot be"
            " imported at all."
        )
    detail += (
        " Nothing here forces the import: find the missing disks first (cables, USB bridge power,"
        " `dmesg`), reconnect them, and list again; once the listing shows the pool ONLINE or"
        " DEGRADED, import it by name with the same command and the pool's name."
    )
    if any("corrupted data" in leaf.note for leaf in missing):
        detail += (
            " Members listed as 'corrupted data' may be disks renumbered at boot, whose old short"
            " name now points at another disk: the listing over persistent names finds the right ones."
        )
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-not-importable",
        summary=f"{pool.name} is not imported and cannot be: `zpool import` finds it {pool.state}",
        detail=detail,
        pool=pool.name,
        evidence=_evidence(expected, pool),
        actions=(
            _listing(
                search_dir, "reconnect the missing disks first; run this again until the pool is not UNAVAIL"
            ),
        ),
    )


def _not_found(expected: ExpectedPool, search_dir: commands.SearchDirs, *, looked: bool) -> Finding:
    if not looked:
        return Finding(
            severity=Severity.UNKNOWN,
            code="pool-not-imported",
            summary=f"{expected.name} should be imported but is not, and no `zpool import` listing was read",
            detail=_why_expected(expected)
            + " It is not imported. A read-only listing tells whether its disks are found.",
            pool=expected.name,
            evidence=_evidence(expected, None),
            actions=(_listing(search_dir),),
        )
    paths = list(expected.member_paths)
    return Finding(
        severity=Severity.CRITICAL,
        code="pool-missing",
        summary=f"{expected.name} should be imported but none of its disks is found",
        detail=(
            _why_expected(expected)
            + " It is not imported, and a read-only `zpool import` listing does not find it on any"
            " disk of this node: its disks are not connected, not powered, or not seen by the kernel."
            + (f" The cache file recorded its members at: {', '.join(paths)}." if paths else "")
            + " Reconnect them (check cables, USB bridge power and `dmesg`), then list again."
        ),
        pool=expected.name,
        evidence=_evidence(expected, None),
        actions=(_listing(search_dir, "the disks are connected and show up in `lsblk`"),),
    )


def _listing(search_dir: commands.SearchDirs, check_first: str | None = None) -> Action:
    """The read-only `zpool import` listing: what the node's disks hold, pool by pool."""
    return Action(
        command=commands.import_listing(search_dir),
        why="read-only: lists the pools the node's disks hold and which members are found",
        check_first=check_first,
    )


def _evidence(expected: ExpectedPool, pool: Pool | None) -> tuple[str, ...]:
    lines = [f"expected: {', '.join(source.value for source in expected.sources)}"]
    if expected.boot_error:
        lines.append(f"boot: cannot import '{expected.name}': {expected.boot_error}")
    if pool is not None:
        lines.append(f"zpool import: {pool.name} id {pool.guid} state {pool.state}")
        if pool.status:
            lines.append(f"status: {pool.status}")
        if pool.msgid:
            lines.append(f"see: {pool.msgid}")
    return tuple(lines)
