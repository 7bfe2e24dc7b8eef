"""Generates a seeded synthetic administration (300 units on 4 levels, about 20,000 staff)
and its monthly pulse answers as import files, vectorised with numpy."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bgm_dashboard.instrument.bank import ItemBank

SEED = 20261126
UNITS_PER_LEVEL = (1, 10, 60, 229)
STAFF = 20_000
MISSING_RATE = 0.03
"""Share of single items left unanswered."""
ABANDON_RATE = 0.02
"""Share of respondents who stop part-way through the questionnaire."""
COMMENT_RATE = 0.05

COMMENTS = (
    "Die Zusammenarbeit im Team ist gut, aber die Arbeitsmenge wächst.",
    "Ich wünsche mir mehr Rückmeldung, was mit den Ergebnissen passiert.",
    "Die neue Software bremst uns seit Wochen aus.",
    "Unsere Führungskraft nimmt sich Zeit für uns.",
    "Fallzahlen steigen, Stellen bleiben unbesetzt.",
    "Mehr Austausch mit anderen Ämtern wäre hilfreich.",
    "Homeoffice-Regelung bitte beibehalten.",
    "Pausen sind kaum möglich, seit zwei Kolleginnen fehlen.",
)


@dataclass(frozen=True)
class Org:
    """The org chart in pre-order: codes, names, parent positions (-1 = root), depths,
    headcounts of the people placed directly in each unit, and a well-being offset."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    parents: np.ndarray
    depths: np.ndarray
    headcounts: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def frame(self) -> pd.DataFrame:
        """``code,name,parent_code,headcount`` as the departments import reads it."""
        parent_codes = [self.codes[p] if p >= 0 else "" for p in self.parents]
        return pd.DataFrame(
            {
                "code": self.codes,
                "name": self.names,
                "parent_code": parent_codes,
                "headcount": self.headcounts,
            }
        )


def _split(total: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """``total`` children spread over ``parts`` parents, each at least one, uneven."""
    weights = rng.gamma(4.0, 1.0, parts)
    counts = 1 + np.floor(weights / weights.sum() * (total - parts)).astype(int)
    for i in rng.permutation(parts)[: total - int(counts.sum())]:
        counts[i] += 1
    return np.asarray(counts, dtype=np.int64)


def make_org(
    seed: int = SEED, staff: int = STAFF, per_level: tuple[int, ...] = UNITS_PER_LEVEL
) -> Org:
    """An administration: Verwaltungsspitze, Dezernate, Ämter, Sachgebiete. Leadership
    levels hold a few people directly, the Sachgebiete most (log-normal sizes, some of them
    below the minimum group size)."""
    rng = np.random.default_rng(seed)
    if per_level[0] != 1:
        raise ValueError("one root unit")
    children = [_split(per_level[d + 1], per_level[d], rng) for d in range(len(per_level) - 1)]
    codes: list[str] = []
    names: list[str] = []
    parents: list[int] = []
    depths: list[int] = []
    counters = [0] * len(per_level)

    def add(depth: int, parent: int, label: str) -> None:
        pos = len(codes)
        counters[depth] += 1
        number = counters[depth]
        if depth == 0:
            codes.append("STADT")
            names.append("Stadtverwaltung Benchstadt")
        elif depth == 1:
            codes.append(f"D{number:02d}")
            names.append(f"Dezernat {number}")
        elif depth == 2:
            codes.append(f"A{number:03d}")
            names.append(f"Amt {number} ({label})")
        else:
            codes.append(f"{label}-{number:03d}")
            names.append(f"Sachgebiet {number} ({label})")
        parents.append(parent)
        depths.append(depth)
        if depth + 1 < len(per_level):
            for _ in range(int(children[depth][counters[depth] - 1])):
                add(depth + 1, pos, codes[pos])

    add(0, -1, "")
    depth_arr = np.array(depths)
    heads = np.zeros(len(codes), dtype=np.int64)
    lead = {0: (8, 20), 1: (2, 9), 2: (3, 25)}
    for depth, (lo, hi) in lead.items():
        at = depth_arr == depth
        heads[at] = rng.integers(lo, hi, int(at.sum()))
    leaves = np.nonzero(depth_arr == len(per_level) - 1)[0]
    sizes = rng.lognormal(0.0, 0.85, len(leaves))
    small = rng.random(len(leaves)) < 0.08
    rest = staff - int(heads.sum())
    small_sizes = rng.integers(1, 5, int(small.sum()))
    big = sizes[~small]
    big_sizes = np.maximum(5, np.round(big / big.sum() * (rest - int(small_sizes.sum()))))
    heads[leaves[small]] = small_sizes
    heads[leaves[~small]] = big_sizes.astype(np.int64)
    heads[leaves[np.argmax(heads[leaves])]] += staff - int(heads.sum())
    offsets = rng.normal(0.0, 0.3, len(codes))
    return Org(
        codes=tuple(codes),
        names=tuple(names),
        parents=np.array(parents),
        depths=depth_arr,
        headcounts=heads,
        offsets=offsets,
    )


def months(last: str, count: int) -> list[str]:
    """``count`` month labels ending with ``last`` (``YYYY-MM``)."""
    year, month = (int(x) for x in last.split("-"))
    end = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(end - count + 1, end + 1)]


def _clip_round(values: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.asarray(np.clip(np.rint(values), low, high), dtype=np.int8)


def month_answers(
    org: Org,
    bank: ItemBank,
    counts: np.ndarray,
    index: int,
    total_months: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One month: (unit position per response, answers int8 with -1 = missing, comment index
    or -1). A crisis dips well-being around the middle of the period and recovers; a few
    units decline over the last year."""
    unit = np.repeat(np.arange(len(org)), counts)
    n = len(unit)
    crisis_at = total_months // 2
    crisis = {0: -0.9, 1: -0.7, 2: -0.4, 3: -0.15}.get(index - crisis_at, 0.0)
    declining = (np.arange(len(org)) % 37 == 5).astype(float)
    decline = -0.06 * max(0, index - (total_months - 12)) * declining
    level = org.offsets[unit] + crisis + decline[unit]
    wellbeing = level + rng.normal(0.0, 1.0, n)
    trait = rng.normal(0.0, 1.0, n)
    columns: list[np.ndarray] = []
    for scale in bank.scales:
        if scale.answer_scale is None:
            continue
        lo, hi = scale.answer_scale.min, scale.answer_scale.max
        if scale.kind == "who5":
            for _ in scale.items:
                columns.append(_clip_round(2.9 + 1.05 * wellbeing + rng.normal(0, 0.75, n), lo, hi))
        elif scale.kind == "nps":
            columns.append(_clip_round(6.6 + 1.9 * wellbeing + rng.normal(0, 1.4, n), lo, hi))
        else:
            latent = 0.45 * trait + 0.3 * wellbeing if scale.kind == "mean" else 0.55 * wellbeing
            latent = latent + rng.normal(0.0, 0.6, n)
            middle = (lo + hi) / 2 + 0.3
            for item in scale.items:
                raw = middle + 0.75 * latent + rng.normal(0, 0.55, n)
                columns.append(_clip_round(lo + hi - raw if item.reverse else raw, lo, hi))
    answers = np.column_stack(columns) if columns else np.zeros((n, 0), dtype=np.int8)
    k = answers.shape[1]
    missing = rng.random((n, k)) < MISSING_RATE
    abandon = rng.random(n) < ABANDON_RATE
    stop = rng.integers(1, max(2, k), n)
    missing |= abandon[:, None] & (np.arange(k)[None, :] >= stop[:, None])
    missing[missing.all(axis=1), 0] = False  # every response answers something
    answers[missing] = -1
    comment = np.where(rng.random(n) < COMMENT_RATE, rng.integers(0, len(COMMENTS), n), -1).astype(
        np.int64
    )
    return unit, answers, comment


def participation(org: Org, size: int, total_months: int, rng: np.random.Generator) -> np.ndarray:
    """Response rate per unit, so that the expected total is ``size`` over all months."""
    staff = org.headcounts.astype(float)
    mean_rate = size / (staff.sum() * total_months)
    if mean_rate > 0.98:
        raise ValueError(f"{size} responses need more than 98 % participation")
    factor = rng.uniform(0.8, 1.2, len(org))
    rate = np.clip(mean_rate * factor, 0.0, 0.98)
    for _ in range(20):  # rescale where clipping took mass away
        rate = np.clip(rate * size / (staff * rate).sum() / total_months, 0.0, 0.98)
    return np.asarray(rate, dtype=np.float64)


def generate(
    org: Org, bank: ItemBank, size: int, periods: list[str], seed: int = SEED
) -> Iterator[tuple[str, pd.DataFrame, int]]:
    """Per month: its label, the responses as the import file holds them (text cells,
    empty = unanswered) and the number of answered items."""
    rng = np.random.default_rng(seed + size)
    rate = participation(org, size, len(periods), rng)
    items = list(bank.item_codes)
    codes = np.array(org.codes, dtype=object)
    texts = np.array([*COMMENTS, ""], dtype=object)
    for index, period in enumerate(periods):
        counts = rng.binomial(org.headcounts, rate)
        unit, answers, comment = month_answers(org, bank, counts, index, len(periods), rng)
        order = rng.permutation(len(unit))  # files list responses in no particular order
        unit, answers, comment = unit[order], answers[order], comment[order]
        frame = pd.DataFrame({"period": period, "department": codes[unit]})
        cells = answers.astype(str).astype(object)
        cells[answers < 0] = ""
        frame = pd.concat([frame, pd.DataFrame(cells, columns=items)], axis=1)
        frame["comment"] = texts[comment]
        yield period, frame, int((answers >= 0).sum())


def write_files(
    folder: Path, org: Org, bank: ItemBank, size: int, periods: list[str], seed: int = SEED
) -> dict[str, Any]:
    """Write ``departments.csv``, one ``responses_YYYY-MM.csv`` per month and
    ``manifest.json`` (what was written: files, responses, answered items, comments)."""
    folder.mkdir(parents=True, exist_ok=True)
    org.frame().to_csv(folder / "departments.csv", index=False, lineterminator="\n")
    manifest: dict[str, Any] = {
        "seed": seed,
        "size": size,
        "months": periods,
        "units": len(org),
        "staff": int(org.headcounts.sum()),
        "files": [],
        "responses": 0,
        "answers": 0,
        "comments": 0,
    }
    for period, frame, answered in generate(org, bank, size, periods, seed):
        name = f"responses_{period}.csv"
        frame.to_csv(folder / name, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        manifest["files"].append(name)
        manifest["responses"] += len(frame)
        manifest["answers"] += answered
        manifest["comments"] += int((frame["comment"] != "").sum())
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest
