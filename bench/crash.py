"""Benchmark: crash safety of `metakg build` under SIGKILL at random moments.

Two contents alternate so that the previous and the new release always differ: A, the curated
sources, and B, the curated sources plus one extra assertion (``--source``). Each is first
built once into a directory of its own: that measures the build's duration and gives the
expectation (the manifest, byte for byte, with ``SOURCE_DATE_EPOCH`` fixed, and the output of
``metakg stats --json``). The store under test starts as a copy of A in the older layout (a
plain directory), so the first trial also exercises the move into the releases folder.

Each trial starts ``metakg build --store X`` (a real process) for the other content, sends it
SIGKILL at a time drawn uniformly within the measured duration of that build, then checks:

* the store at X opens and equals exactly the previous release or the new one (manifest bytes,
  release id, ``metakg stats --json``); "before publish" when it is the previous one;
* ``graph.store.recover`` removes every leftover (counted here from the directory listings
  before and after, not from its messages) and then nothing but the link, the lock and at most
  three releases remains;
* a finished build after the last trial succeeds and equals its reference.

Prints one line per trial and a summary. Usage:
    python bench/crash.py [--trials N] [--seed S]
The default is 20 trials (about 2-3 minutes); CI runs ``--trials 4``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The repository first: bench/ingest.py must not shadow the `ingest` package.
sys.path[:0] = [str(ROOT)]

from graph.store import MANIFEST_FILE, KnowledgeStore, StoreError, recover  # noqa: E402

EPOCH = "1700000000"
EXTRA = (
    "subject\tpredicate\tobject\tcancer_type\torgan\treferences\tconfidence\tevidence_type\tnote\n"
    "COX2\tmediates_metastasis_to\tbrain\tbreast cancer\t\tPMID:19421193;61\tmedium\txenograft\t"
    "Crash benchmark: one assertion that only release B holds.\n"
)


@dataclass(frozen=True)
class Reference:
    name: str
    args: tuple[str, ...]
    seconds: float
    manifest: bytes
    release: str
    stats: dict


def metakg(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT, env=ENV, capture_output=True,
        text=True, check=check,
    )


def start_build(store: Path, args: tuple[str, ...]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "server.cli", "build", "--store", str(store), *args],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def stats_of(store: Path) -> dict:
    data = json.loads(metakg("stats", "--json", "--store", str(store)).stdout)
    data.pop("store", None)
    return data


def reference(name: str, args: tuple[str, ...], work: Path) -> Reference:
    path = work / f"reference-{name}" / "store"
    started = time.perf_counter()
    build = start_build(path, args)
    _, err = build.communicate()
    seconds = time.perf_counter() - started
    if build.returncode != 0:
        sys.exit(f"the reference build {name} failed:\n{err.decode()}")
    opened = KnowledgeStore(path)
    return Reference(
        name, args, seconds, (opened.directory / MANIFEST_FILE).read_bytes(),
        opened.manifest["release"]["id"], stats_of(path),
    )


def state(store: Path, refs: dict[str, Reference], *, stats: bool = True) -> str:
    """Which reference the store equals exactly (manifest bytes, release id and, with
    ``stats``, the output of ``metakg stats --json``)."""
    try:
        opened = KnowledgeStore(store)
    except StoreError as exc:
        return f"no store ({exc})"
    manifest = (opened.directory / MANIFEST_FILE).read_bytes()
    for ref in refs.values():
        if manifest == ref.manifest and opened.manifest["release"]["id"] == ref.release:
            if not stats:
                return ref.name
            found = stats_of(store)
            return ref.name if found == ref.stats else f"{ref.name}? stats differ: {found}"
    return "neither A nor B"


def listing(store: Path) -> dict[str, tuple[bool, int]]:
    """Every entry beside the store and in its releases folder: (is a directory, bytes)."""
    entries = {}
    folder = store.parent / f".{store.name}.releases"
    for path in [*store.parent.iterdir(), *(folder.iterdir() if folder.is_dir() else [])]:
        if path == folder:
            continue
        size = 0
        is_dir = path.is_dir() and not path.is_symlink()
        if is_dir:
            for directory, _dirs, files in os.walk(path):
                size += sum(os.lstat(os.path.join(directory, f)).st_size for f in files)
        entries[str(path.relative_to(store.parent))] = (is_dir, size)
    return entries


def clean(store: Path) -> bool:
    """Only the store, the lock and at most 1 + 2 release directories: no leftover."""
    names = {p.name for p in store.parent.iterdir()}
    folder = store.parent / f".{store.name}.releases"
    if not store.is_symlink():  # still the older layout: a killed build never moved it
        return names <= {store.name, f".{store.name}.lock"} and store.is_dir()
    kept = list(folder.iterdir())
    return (
        names <= {store.name, f".{store.name}.lock", folder.name}
        and len(kept) <= 3
        and all((p / MANIFEST_FILE).is_file() for p in kept)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="metakg-crash-"))
    try:
        extra = work / "extra.tsv"
        extra.write_text(EXTRA, encoding="utf-8")
        refs = {
            "A": reference("A", (), work),
            "B": reference("B", ("--source", str(extra)), work),
        }
        for ref in refs.values():
            print(f"reference build {ref.name}: {ref.seconds:.2f} s, {ref.stats['associations']} "
                  f"associations, release {ref.release[:19]}")
        store = work / "under-test" / "store"
        store.parent.mkdir()
        shutil.copytree(KnowledgeStore(work / "reference-A" / "store").directory, store)
        current = "A"
        outcomes = {"before publish": 0, "after publish": 0, "finished": 0}
        intact = cleaned_dirs = cleaned_bytes = 0
        failures: list[str] = []
        print(f"seed {seed}; {options.trials} trials; the store under test starts as a copy of A "
              "in the older layout (a plain directory)")
        for trial in range(1, options.trials + 1):
            new = "B" if current == "A" else "A"
            delay = rng.uniform(0, refs[new].seconds)
            link_before = os.readlink(store) if store.is_symlink() else "(directory)"
            build = start_build(store, refs[new].args)
            try:
                build.wait(delay)
                outcome = "finished"
            except subprocess.TimeoutExpired:
                build.send_signal(signal.SIGKILL)
                build.wait()
                outcome = None
            found = state(store, refs)
            if outcome is None:
                link_after = os.readlink(store) if store.is_symlink() else "(directory)"
                outcome = "before publish" if link_after == link_before else "after publish"
            ok = found in (current, new) and (outcome != "before publish" or found == current)
            ok = ok and (outcome != "after publish" or found == new)
            if outcome == "finished" and (build.returncode != 0 or found != new):
                ok = False
            before = listing(store)
            messages = recover(store)
            after = listing(store)
            removed = {k: v for k, v in before.items() if k not in after}
            dirs = sum(1 for is_dir, _ in removed.values() if is_dir)
            size = sum(bytes_ for _, bytes_ in removed.values())
            cleaned_dirs += dirs
            cleaned_bytes += size
            found_after = state(store, refs, stats=False)
            ok = ok and found_after == found and clean(store)
            intact += ok
            outcomes[outcome] += 1
            if not ok:
                failures.append(f"trial {trial}: {found} -> {found_after}; {sorted(after)}")
            print(
                f"trial {trial:2d}: build {new} killed at {delay:5.2f} s of "
                f"{refs[new].seconds:.2f}: {outcome:14s} store = {found}; recovery removed "
                f"{len(removed)} entr{'y' if len(removed) == 1 else 'ies'} "
                f"({dirs} dir(s), {size / 1e6:.1f} MB); "
                f"{'ok' if ok else 'FAILED'}"
            )
            for message in messages:
                print(f"           recover: {message}")
            current = found if found in refs else current
        final = "B" if current == "A" else "A"
        rerun = start_build(store, refs[final].args)
        _, err = rerun.communicate()
        rerun_ok = rerun.returncode == 0 and state(store, refs) == final and clean(store)
        print(f"rerun: build {final} to the end: exit {rerun.returncode}, store = "
              f"{state(store, refs)}, no leftovers: {clean(store)}")
        print(
            f"\n{intact}/{options.trials} trials: store intact; "
            f"{outcomes['before publish']} killed before publish, "
            f"{outcomes['after publish']} after, {outcomes['finished']} finished before the kill; "
            f"leftovers cleaned: {cleaned_dirs} dirs, {cleaned_bytes / 1e6:.1f} MB; "
            f"rerun {'succeeded' if rerun_ok else 'FAILED'}"
        )
        for failure in failures:
            print("FAILED", failure)
        if failures or not rerun_ok:
            if not rerun_ok:
                print(err.decode())
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


#: Fixed release date: two builds of the same content are the same bytes.
ENV = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}

if __name__ == "__main__":
    main()
