"""Build and cache the Debian bookworm guest image with OpenZFS.

The image is built once per recipe and cached outside the repo, in
``$NODEWATCH_LAB_CACHE`` (default ``~/.cache/nodewatch/lab``), in a directory
named ``<flavour>-<hash>`` where the hash covers the package lists, the mirror
layout and this file's own text: change any of them and a new image is built.

Steps (each timed and printed, because a cold CI run has a 90-minute budget):
  base      debootstrap minbase + the guest's userland (shared by both flavours)
  kernel    linux-image + headers + the dkms toolchain (shared)
  zfs       OpenZFS packages; the dkms build is the slow part (~6 min)
  configure fstab, hostname, services the lab needs
  rootfs    ext4 root image made with ``mkfs.ext4 -d`` (no loop mount needed)

Run ``python3 -m tests.e2e.lab.image [flavour ...]`` to build ahead of pytest.
"""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

SUITE = "bookworm"

# Userland of the guest: what nodewatch reads (udev, smartctl, zpool, btrfs) and how
# the lab talks to it (qemu-guest-agent, no network).
BASE_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "udev",
    "kmod",
    "python3",
    "python3-venv",
    "smartmontools",
    "qemu-guest-agent",
    "gdisk",
    "util-linux",
    "e2fsprogs",
    "btrfs-progs",
    "procps",
    "usbutils",
    "pciutils",
    "ca-certificates",
)
VERSIONED_PACKAGES = ("zfsutils-linux", "btrfs-progs", "udev", "python3", "smartmontools", "qemu-guest-agent")
KERNEL_PACKAGES = ("linux-image-amd64", "linux-headers-amd64", "dkms", "build-essential")


@dataclass(frozen=True)
class Flavour:
    """One OpenZFS variant of the guest."""

    name: str
    # Which suite the zfs packages come from ('' = the default release).
    zfs_target: str
    zfs_packages: tuple[str, ...] = ("zfs-dkms", "zfsutils-linux", "zfs-zed", "zfs-test")
    extra_suites: tuple[str, ...] = field(default=())


FLAVOURS: dict[str, Flavour] = {
    # OpenZFS 2.3 (zpool status -j, vdev properties) from bookworm-backports.
    "zfs23": Flavour("zfs23", zfs_target="bookworm-backports", extra_suites=("bookworm-backports",)),
    # OpenZFS 2.1 from bookworm main contrib: the text-only `zpool status` path.
    "zfs21": Flavour("zfs21", zfs_target=""),
}


def cache_root() -> Path:
    return Path(os.environ.get("NODEWATCH_LAB_CACHE", Path.home() / ".cache/nodewatch/lab"))


def host_mirror() -> str:
    """The Debian mirror the host's apt already uses (the guest has no network,
    so the build runs on the host; reusing its mirror means no new host)."""
    if env := os.environ.get("NODEWATCH_LAB_MIRROR"):
        return env
    candidates: list[Path] = [Path("/etc/apt/sources.list")]
    sources_d = Path("/etc/apt/sources.list.d")
    if sources_d.is_dir():
        candidates += sorted(sources_d.iterdir())
    for path in candidates:
        try:
            text = path.read_text()
        except OSError:
            continue
        # deb822: a stanza with URIs: .../debian and Suites: bookworm
        for stanza in text.split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if uris and suites and SUITE in suites.group(1).split() and "security" not in uris.group(1):
                return uris.group(1)
        # one-line format
        for m in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", text, re.M):
            return m.group(1)
    raise ImageUnavailable("no Debian bookworm mirror in the host's apt sources (set NODEWATCH_LAB_MIRROR)")


class ImageUnavailable(RuntimeError):
    """The image cannot be built here (missing tool, no mirror, build failure)."""


@dataclass(frozen=True)
class Image:
    """A built, cached guest image."""

    flavour: str
    dir: Path

    @property
    def root(self) -> Path:
        return self.dir / "root.raw"

    @property
    def kernel(self) -> Path:
        return self.dir / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.dir / "initrd.img"

    @property
    def manifest(self) -> dict:
        return json.loads((self.dir / "manifest.json").read_text())


def _recipe_hash(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]


def base_recipe(mirror: str) -> dict:
    # The build code is part of the recipe: editing how the image is made
    # rebuilds it, editing a docstring elsewhere in this file does not.
    code = inspect.getsource(_build_base) + inspect.getsource(_apt_install)
    return {"suite": SUITE, "mirror": mirror, "base": BASE_PACKAGES, "kernel": KERNEL_PACKAGES, "code": code}


def flavour_recipe(flavour: Flavour, mirror: str) -> dict:
    code = inspect.getsource(_configure) + inspect.getsource(build)
    return {**base_recipe(mirror), "flavour": asdict(flavour), "flavour_code": code}


def image_dir(flavour_name: str) -> Path:
    flavour = FLAVOURS[flavour_name]
    return cache_root() / f"{flavour.name}-{_recipe_hash(flavour_recipe(flavour, host_mirror()))}"


def cached_image(flavour_name: str) -> Image | None:
    d = image_dir(flavour_name)
    return Image(flavour_name, d) if (d / "manifest.json").exists() else None


# --------------------------------------------------------------------------- build


def _log(msg: str) -> None:
    print(f"[lab image] {msg}", file=sys.stderr, flush=True)


def _run(argv: list[str], log: Path, env: dict[str, str] | None = None) -> str:
    with log.open("a") as fh:
        fh.write(f"\n$ {' '.join(argv)}\n")
        fh.flush()
        proc = subprocess.run(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False
        )
        fh.write(proc.stdout)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-25:])
        raise ImageUnavailable(f"{argv[0]} failed (rc={proc.returncode}), see {log}:\n{tail}")
    return proc.stdout


@contextmanager
def _step(name: str, timings: dict[str, float]) -> Iterator[None]:
    _log(f"step {name} ...")
    start = time.monotonic()
    yield
    timings[name] = round(time.monotonic() - start, 1)
    _log(f"step {name} took {timings[name]:.1f} s")


@contextmanager
def _chroot_mounts(root: Path) -> Iterator[None]:
    """proc/sys/dev inside the chroot: dkms and the kernel's postinst need them."""
    mounted: list[Path] = []
    try:
        for src, dst, opts in (
            ("proc", root / "proc", ["-t", "proc"]),
            ("sysfs", root / "sys", ["-t", "sysfs"]),
            ("/dev", root / "dev", ["--bind"]),
            ("devpts", root / "dev/pts", ["-t", "devpts"]),
        ):
            dst.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", *opts, src, str(dst)], check=True)
            mounted.append(dst)
        yield
    finally:
        for dst in reversed(mounted):
            subprocess.run(["umount", "-l", str(dst)], check=False)


def _chroot_env() -> dict[str, str]:
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "DEBIAN_FRONTEND": "noninteractive",
        "LC_ALL": "C",
        "HOME": "/root",
    }


def _apt_install(root: Path, packages: tuple[str, ...], log: Path, target: str = "") -> None:
    argv = ["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends"]
    if target:
        argv += ["-t", target]
    with _chroot_mounts(root):
        _run(argv + list(packages), log, env=_chroot_env())


def _build_base(mirror: str, log: Path, timings: dict[str, float]) -> Path:
    """debootstrap + kernel, shared by both flavours (saves ~2 min on the second)."""
    base = cache_root() / f"base-{_recipe_hash(base_recipe(mirror))}"
    if (base / "done").exists():
        _log(f"base chroot cached: {base}")
        return base / "rootfs"
    shutil.rmtree(base, ignore_errors=True)
    rootfs = base / "rootfs"
    rootfs.mkdir(parents=True)
    with _step("base (debootstrap)", timings):
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                "--components=main,contrib",
                "--include=" + ",".join(BASE_PACKAGES),
                SUITE,
                str(rootfs),
                mirror,
            ],
            log,
        )
    # No daemon may start inside the chroot while packages install.
    policy = rootfs / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    (rootfs / "etc/apt/apt.conf.d/90lab").write_text(
        'APT::Install-Recommends "false";\nAcquire::Retries "3";\n'
    )
    with _step("kernel", timings):
        _apt_install(rootfs, KERNEL_PACKAGES, log)
    (base / "done").write_text("ok\n")
    return rootfs


def _configure(root: Path, flavour: Flavour, mirror: str) -> None:
    suites = [SUITE, *flavour.extra_suites]
    (root / "etc/apt/sources.list").write_text("".join(f"deb {mirror} {s} main contrib\n" for s in suites))
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,relatime,errors=remount-ro 0 1\n")
    (root / "etc/hostname").write_text("nodewatch-lab\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost nodewatch-lab\n")
    # Load zfs at boot even when no pool exists yet (2.1's units only load it for an import).
    (root / "etc/modules-load.d/zfs.conf").write_text("zfs\n")
    # Root without password on the serial console: only for looking at a stuck VM by hand.
    shadow = root / "etc/shadow"
    shadow.write_text(re.sub(r"^root:[^:]*:", "root::", shadow.read_text(), flags=re.M))
    # Don't wait for a network that doesn't exist; keep the journal small.
    journald = root / "etc/systemd/journald.conf.d"
    journald.mkdir(parents=True, exist_ok=True)
    (journald / "lab.conf").write_text("[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\n")


def build(flavour_name: str) -> Image:
    """Build the flavour's image unless cached; returns it. Raises ImageUnavailable."""
    for tool in ("debootstrap", "mkfs.ext4", "chroot"):
        if shutil.which(tool) is None:
            raise ImageUnavailable(f"{tool} not found (apt-get install debootstrap e2fsprogs)")
    if os.geteuid() != 0:
        raise ImageUnavailable("building the image needs root (debootstrap, chroot mounts)")
    flavour = FLAVOURS[flavour_name]
    mirror = host_mirror()
    target = image_dir(flavour_name)
    cache_root().mkdir(parents=True, exist_ok=True)
    with (cache_root() / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time (two pytest runs, a manual build)
        if (target / "manifest.json").exists():
            return Image(flavour_name, target)
        timings: dict[str, float] = {}
        start = time.monotonic()
        work = cache_root() / f"{target.name}.tmp"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        log = work / "build.log"
        _log(f"building {flavour_name} into {target} (log: {log})")
        base_rootfs = _build_base(mirror, log, timings)
        rootfs = work / "rootfs"
        with _step("copy base", timings):
            _run(["cp", "-a", str(base_rootfs), str(rootfs)], log)
        _configure(rootfs, flavour, mirror)
        with _step(f"zfs ({flavour_name}, dkms build)", timings):
            with _chroot_mounts(rootfs):
                _run(["chroot", str(rootfs), "apt-get", "update", "-q"], log, env=_chroot_env())
            _apt_install(rootfs, flavour.zfs_packages, log, target=flavour.zfs_target)
            kver = sorted(p.name for p in (rootfs / "lib/modules").iterdir())[-1]
            if not list((rootfs / "lib/modules" / kver).rglob("zfs.ko*")):
                # dkms built for the host's kernel only: build for the guest's.
                with _chroot_mounts(rootfs):
                    _run(["chroot", str(rootfs), "dkms", "autoinstall", "-k", kver], log, env=_chroot_env())
            if not list((rootfs / "lib/modules" / kver).rglob("zfs.ko*")):
                raise ImageUnavailable(f"zfs.ko was not built for {kver}, see {log}")
        with _step("configure", timings):
            versions = _run(
                ["chroot", str(rootfs), "dpkg-query", "-W", *VERSIONED_PACKAGES],
                log,
            )
            with _chroot_mounts(rootfs):
                _run(["chroot", str(rootfs), "apt-get", "clean"], log, env=_chroot_env())
            (rootfs / "usr/sbin/policy-rc.d").unlink(missing_ok=True)
            # dkms build trees are large and the guest never rebuilds.
            for build_dir in (rootfs / "var/lib/dkms").glob("*/*/build"):
                shutil.rmtree(build_dir, ignore_errors=True)
            shutil.copy2(rootfs / "boot" / f"vmlinuz-{kver}", work / "vmlinuz")
            shutil.copy2(rootfs / "boot" / f"initrd.img-{kver}", work / "initrd.img")
        with _step("rootfs (mkfs.ext4 -d)", timings):
            raw = str(work / "root.raw")
            _run(["mkfs.ext4", "-q", "-F", "-L", "labroot", "-d", str(rootfs), raw, "6G"], log)
            shutil.rmtree(rootfs)
        timings["total"] = round(time.monotonic() - start, 1)
        manifest = {
            "flavour": flavour_name,
            "kernel": kver,
            "packages": dict(line.split("\t", 1) for line in versions.strip().splitlines()),
            "timings_s": timings,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
        _log(f"{flavour_name} built in {timings['total']:.0f} s: {json.dumps(timings)}")
        return Image(flavour_name, target)


def main(argv: list[str]) -> int:
    names = argv or list(FLAVOURS)
    for name in names:
        try:
            if image := cached_image(name):
                _log(f"{name}: cached, nothing to build: {image.dir}")
                continue
            image = build(name)
        except ImageUnavailable as exc:
            _log(f"!! {name}: cannot build the image: {exc}")
            return 1
        _log(f"{name}: {image.dir} {json.dumps(image.manifest['timings_s'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
