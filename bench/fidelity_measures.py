"""Pure parts of the validation benchmark (bench/fidelity.py): the NCI site table of
``clinical-sites.md``, precision at k and ranks with ties, Spearman, fixed-ranking baselines, and
the mapping of NCI names onto the graph's organs and cancer types. No model, no IO."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# NCI site name -> labels of metakg organs that are that site (lower case)
SITE_ORGANS: dict[str, tuple[str, ...]] = {
    "other lung": ("lung",),
    "peritoneum": ("peritoneum", "peritoneal cavity"),
    "muscle": ("muscle", "skeletal muscle"),
}
# metakg organ label -> the NCI site it is part of at the "site" granularity
PART_OF = {"pleura": "lung", "bone marrow": "bone", "leptomeninges": "brain", "meninges": "brain"}
# NCI primary -> words of the graph's cancer type names; excluded words with the reason
PRIMARY_TERMS: dict[str, tuple[str, ...]] = {
    "bladder": ("bladder",),
    "breast": ("breast",),
    "colon": ("colon", "colorectal"),
    "kidney": ("kidney", "renal"),
    "lung": ("lung",),
    "melanoma": ("melanoma",),
    "ovary": ("ovar",),
    "pancreas": ("pancrea",),
    "prostate": ("prostat",),
    "rectum": ("rectum", "rectal", "colorectal"),
    "stomach": ("stomach", "gastric"),
    "thyroid": ("thyroid",),
    "uterus": ("uterus", "uterine", "endometri"),
}
EXCLUDED = {
    ("melanoma", "uveal"): "uveal melanoma is a distinct disease that spreads mainly to the liver"
}


# --- the NCI table -------------------------------------------------------------------------------


class SitesFileError(ValueError):
    pass


def parse_sites(text: str, source: str = "clinical-sites.md") -> dict[str, tuple[str, ...]]:
    """The table of section 1: primary -> its main distant sites, in file order."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"##\s*1\.", ln)), None)
    if start is None:
        raise SitesFileError(f"{source}: no section '## 1.' (the NCI table); is this the file?")
    table: dict[str, tuple[str, ...]] = {}
    header = False
    for n, line in enumerate(lines[start + 1 :], start + 2):
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if table:
                break
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not header:
            if [c.lower() for c in cells[:2]] != ["primary", "main distant sites"]:
                raise SitesFileError(
                    f"{source}:{n}: header: expected '| primary | main distant sites |', "
                    f"got {line.strip()!r}"
                )
            header = True
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        if len(cells) != 2 or not cells[0] or not cells[1]:
            raise SitesFileError(
                f"{source}:{n}: row: expected '| primary | site, site, ... |', got {line!r}; "
                "fix the row"
            )
        sites = tuple(s.strip().lower() for s in cells[1].split(",") if s.strip())
        table[cells[0].lower()] = sites
    if not table:
        raise SitesFileError(f"{source}: section 1 has no table rows")
    return table


# --- pure measures -------------------------------------------------------------------------------


def precision_at_k(scores: Mapping[str, float], relevant: Iterable[str], k: int) -> float:
    """Share of the top ``k`` items that are relevant; tied items share the remaining slots
    (the expected precision under a random order of ties)."""
    if k <= 0:
        raise ValueError("k must be positive")
    rel = set(relevant)
    hits, left = 0.0, k
    for value in sorted(set(scores.values()), reverse=True):
        group = [name for name, v in scores.items() if v == value]
        good = sum(name in rel for name in group)
        if len(group) <= left:
            hits += good
            left -= len(group)
        else:
            hits += good * left / len(group)
            left = 0
        if left == 0:
            break
    return hits / k


def tied_ranks(scores: Mapping[str, float]) -> dict[str, tuple[int, int]]:
    """Rank range (best, worst) of each item, highest score first; ties share a range."""
    out: dict[str, tuple[int, int]] = {}
    above = 0
    for value in sorted(set(scores.values()), reverse=True):
        group = [name for name, v in scores.items() if v == value]
        for name in group:
            out[name] = (above + 1, above + len(group))
        above += len(group)
    return out


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for m in range(i, j + 1):
            ranks[order[m]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman correlation (average ranks for ties); None below 3 pairs or without spread."""
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    if len(x) < 3:
        return None
    rx, ry = _average_ranks(x), _average_ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def fixed_scores(order: Sequence[str], universe: Iterable[str]) -> dict[str, float]:
    """A fixed ranking as scores over ``universe``: listed items first, the rest tied last."""
    pos = {name: i for i, name in enumerate(order)}
    return {name: float(len(order) - pos[name]) if name in pos else 0.0 for name in universe}


def count_order(sets: Iterable[Iterable[str]]) -> list[str]:
    """Items by how many sets contain them (most first), ties by name."""
    counts: dict[str, int] = {}
    for s in sets:
        for name in set(s):
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: (-counts[n], n))


def best_fixed_order(
    universe: Sequence[str], sets: Sequence[set[str]], *, limit: int = 9
) -> list[str]:
    """The single order of ``universe`` with the highest mean precision at |set| over ``sets``
    (each restricted to the universe), by trying every order of the items some set contains
    (at most ``limit`` of them; beyond that the count order)."""
    sets = [s & set(universe) for s in sets if s & set(universe)]
    items = [n for n in count_order(sets) if n in universe]
    if len(items) > limit:
        return items
    best, best_score = items, -1.0
    for perm in itertools.permutations(items):
        score = sum(sum(n in s for n in perm[: len(s)]) / len(s) for s in sets)
        if score > best_score + 1e-12:
            best, best_score = list(perm), score
    return best


# --- mapping the NCI names onto the graph ------------------------------------------------------


def site_of(organ_label: str, nci_sites: Iterable[str]) -> str:
    """The NCI site a modelled organ stands for at the ``site`` granularity."""
    label = organ_label.lower()
    if label in PART_OF:
        return PART_OF[label]
    for site in nci_sites:
        if label in SITE_ORGANS.get(site, (site,)):
            return "lung" if site == "other lung" else site
    return label


def organs_of(site: str, organ_labels: Iterable[str]) -> list[str]:
    """The modelled organs (labels) that are the NCI ``site`` itself (organ granularity)."""
    wanted = SITE_ORGANS.get(site, (site,))
    return [o for o in organ_labels if o.lower() in wanted]


def cancer_matches(primary: str, names: Iterable[str]) -> str | None:
    """'match', or the reason for an exclusion, or None when no name fits the primary."""
    text = " ".join(names).lower()
    if not any(term in text for term in PRIMARY_TERMS.get(primary, (primary,))):
        return None
    for (p, word), reason in EXCLUDED.items():
        if p == primary and word in text:
            return reason
    return "match"


@dataclass
class SiteRow:
    primary: str
    cancer: str
    representative: bool
    granularity: str
    k: int
    precision: float | None
    ranks: dict[str, str]  # NCI site -> "rank" or "not modelled"
    baselines: dict[str, float | None]


@dataclass(frozen=True)
class CancerType:
    id: str
    label: str
    names: tuple[str, ...]
    parents: tuple[str, ...]


def merged(risks: Mapping[str, float], nci_sites: Iterable[str]) -> dict[str, float]:
    """Risks at the ``site`` granularity: a site's risk is the best risk of its organs."""
    out: dict[str, float] = {}
    sites = list(nci_sites)
    for organ, risk in risks.items():
        key = site_of(organ, sites)
        out[key] = max(out.get(key, 0.0), risk)
    return out


def rank_text(lo_hi: tuple[int, int] | None) -> str:
    if lo_hi is None:
        return "not modelled"
    lo, hi = lo_hi
    return str(lo) if lo == hi else f"{lo}-{hi}"


def site_rows(
    types: Sequence[CancerType],
    risks: Mapping[str, Mapping[str, float]],
    table: Mapping[str, tuple[str, ...]],
) -> tuple[list[SiteRow], list[str]]:
    """Per (primary, cancer type) and granularity (``site``, ``organ``): precision at k and the
    rank of each NCI site, with the fixed-ranking baselines; and notes on the mapping.
    ``risks``: cancer type label -> distant organ label -> profile-free risk."""
    every_site = sorted({s for sites in table.values() for s in sites})
    notes: list[str] = []
    pairs: list[tuple[str, CancerType, bool]] = []
    for primary in table:
        found = []
        for c in types:
            verdict = cancer_matches(primary, c.names)
            if verdict == "match":
                found.append(c)
            elif verdict is not None:
                notes.append(f"{primary}: {c.label} left out ({verdict})")
        if not found:
            notes.append(f"{primary}: no cancer type of the graph matches; not scored")
            continue
        roots = [c for c in found if not set(c.parents) & {f.id for f in found}]
        rep = min(roots, key=lambda c: (len(c.label), c.label))
        if primary in ("colon", "rectum") and "colorectal" in rep.label.lower():
            notes.append(f"{primary}: scored with {rep.label}, the graph's nearest type")
        pairs += [(primary, c, c is rep) for c in found]
    organ_universe = sorted(next(iter(risks.values())))
    universes = {
        "site": sorted({site_of(o, every_site) for o in organ_universe}),
        "organ": organ_universe,
    }
    baselines: dict[str, dict[str, list[str]]] = {}
    for g, universe in universes.items():
        sets = [_wanted(table[p], universes, g) for p, _, r in pairs if r]
        baselines[g] = {
            "fixed_nci_count": [n for n in count_order(sets) if n in universe],
            "fixed_best": best_fixed_order(universe, sets),
        }
    rows = []
    for primary, c, rep in pairs:
        for g, universe in universes.items():
            scores = merged(risks[c.label], every_site) if g == "site" else risks[c.label]
            wanted = _wanted(table[primary], universes, g)
            ranks = tied_ranks(scores)
            shown = {}
            for site in table[primary]:
                if g == "site":
                    key = "lung" if site == "other lung" else site
                    shown[site] = rank_text(ranks.get(key))
                else:
                    organs = organs_of(site, scores)
                    shown[site] = rank_text(ranks[organs[0]]) if organs else "not modelled"
            k = len(wanted)
            base = {
                name: precision_at_k(fixed_scores(order, universe), wanted, k) if k else None
                for name, order in baselines[g].items()
            }
            prec = precision_at_k(scores, wanted, k) if k else None
            rows.append(SiteRow(primary, c.label, rep, g, k, prec, shown, base))
    for g, orders in baselines.items():
        for name, order in orders.items():
            notes.append(f"{g} granularity, {name}: {' > '.join(order)}")
    return rows, notes


def _wanted(sites: Iterable[str], universes: Mapping[str, list[str]], g: str) -> set[str]:
    """The NCI sites as items of the ``g`` granularity's universe (modelled ones only)."""
    out = set()
    for site in sites:
        if g == "site":
            key = "lung" if site == "other lung" else site
            if key in universes["site"]:
                out.add(key)
        else:
            out.update(organs_of(site, universes["organ"]))
    return out
