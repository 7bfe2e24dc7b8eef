"""Loads the item bank data file into typed, checked objects."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

KINDS = ("who5", "mean", "nps", "percent", "composite")
PERSONAL_KINDS = ("demographic", "category", "choice")
"""Questions about the person (age, gender, years of service …) are refused: attributes the
employer knows would let anyone narrow a group by combining them with the org chart."""


class ItemBankError(ValueError):
    """The item bank file breaks its own schema."""


@dataclass(frozen=True)
class AnswerScale:
    code: str
    min: int
    max: int
    labels: dict[str, tuple[str, ...]]

    def label(self, value: int, lang: str) -> str:
        return self.labels[lang][value - self.min]


@dataclass(frozen=True)
class Item:
    code: str
    scale: str
    text: dict[str, str]
    reverse: bool = False


@dataclass(frozen=True)
class Scale:
    """One indicator: a validated instrument, a project dimension or a composite."""

    code: str
    kind: str
    group: str
    title: dict[str, str]
    description: dict[str, str]
    stem: dict[str, str]
    source: str
    licence: str
    validated: bool
    direction: str
    range: tuple[float, float]
    meaningful_change: float
    answer_scale: AnswerScale | None
    items: tuple[Item, ...] = ()
    min_answered: int = 1
    bands: tuple[float, ...] = ()
    of: tuple[str, ...] = ()

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    @property
    def has_reliability(self) -> bool:
        return self.kind in ("who5", "mean", "percent") and len(self.items) >= 2


@dataclass(frozen=True)
class ItemBank:
    scales: tuple[Scale, ...]
    answer_scales: dict[str, AnswerScale] = field(default_factory=dict)

    def scale(self, code: str) -> Scale:
        for scale in self.scales:
            if scale.code == code:
                return scale
        raise KeyError(code)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(scale.code for scale in self.scales)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for scale in self.scales for item in scale.items)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def item(self, code: str) -> Item:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def answer_range(self, item_code: str) -> tuple[int, int]:
        item = self.item(item_code)
        answer = self.scale(item.scale).answer_scale
        assert answer is not None
        return answer.min, answer.max

    def dimensions(self) -> tuple[Scale, ...]:
        """The organisational dimensions (the project's own scales)."""
        return tuple(s for s in self.scales if s.group == "organisational")

    def scales_for_items(self, item_codes: set[str]) -> tuple[str, ...]:
        """Indicators that a questionnaire with these items can score."""
        asked = [s.code for s in self.scales if s.items and set(s.item_codes) & item_codes]
        for s in self.scales:
            if s.kind == "composite" and set(s.of) & set(asked):
                asked.append(s.code)
        return tuple(code for code in self.indicator_codes if code in asked)


def _texts(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not {"de", "en"} <= set(raw):
        raise ItemBankError(f"{where}: needs German and English text (de, en)")
    return {"de": str(raw["de"]), "en": str(raw["en"])}


def parse_bank(data: dict[str, Any]) -> ItemBank:
    """Build and check an item bank from the parsed TOML data."""
    answer_scales: dict[str, AnswerScale] = {}
    for code, raw in data.get("answer_scales", {}).items():
        lo, hi = int(raw["min"]), int(raw["max"])
        labels = {lang: tuple(raw[lang]) for lang in ("de", "en")}
        if any(len(v) != hi - lo + 1 for v in labels.values()):
            raise ItemBankError(f"answer scale {code}: one label per value {lo}..{hi} needed")
        answer_scales[code] = AnswerScale(code, lo, hi, labels)
    scales: list[Scale] = []
    seen_items: set[str] = set()
    for raw in data.get("scales", []):
        code = raw["code"]
        kind = raw["kind"]
        if kind in PERSONAL_KINDS or raw.get("group") == "demographic":
            raise ItemBankError(
                f"scale {code}: demographic questions are not supported; combined with the org "
                "chart they would let readers narrow groups below the minimum size"
            )
        if kind not in KINDS:
            raise ItemBankError(f"scale {code}: unknown kind {kind!r}")
        answer = answer_scales.get(raw.get("answer_scale", "")) if kind != "composite" else None
        if kind != "composite" and answer is None:
            raise ItemBankError(f"scale {code}: unknown answer scale {raw.get('answer_scale')!r}")
        items = []
        for item in raw.get("items", []):
            if item["code"] in seen_items:
                raise ItemBankError(f"item {item['code']} appears twice")
            seen_items.add(item["code"])
            items.append(
                Item(
                    code=item["code"],
                    scale=code,
                    text=_texts(item, f"item {item['code']}"),
                    reverse=bool(item.get("reverse", False)),
                )
            )
        if kind == "who5" and len(items) != 5:
            raise ItemBankError(f"scale {code}: WHO-5 has five items")
        if kind == "nps" and len(items) != 1:
            raise ItemBankError(f"scale {code}: eNPS has one item")
        if kind in ("mean", "percent") and not 2 <= len(items) <= 12:
            raise ItemBankError(f"scale {code}: needs 2 to 12 items")
        lo, hi = raw["range"]
        scales.append(
            Scale(
                code=code,
                kind=kind,
                group=raw.get("group", "organisational"),
                title=_texts(raw.get("title"), f"scale {code} title"),
                description=_texts(raw.get("description"), f"scale {code} description"),
                stem=_texts(raw.get("stem", {"de": "", "en": ""}), f"scale {code} stem"),
                source=raw["source"],
                licence=raw["licence"],
                validated=bool(raw.get("validated", False)),
                direction=raw.get("direction", "higher_better"),
                range=(float(lo), float(hi)),
                meaningful_change=float(raw.get("meaningful_change", 10.0)),
                answer_scale=answer,
                items=tuple(items),
                min_answered=int(raw.get("min_answered", 1)),
                bands=tuple(float(b) for b in raw.get("bands", [])),
                of=tuple(raw.get("of", [])),
            )
        )
    codes = {s.code for s in scales}
    for scale in scales:
        missing = set(scale.of) - codes
        if missing:
            raise ItemBankError(f"scale {scale.code}: unknown components {sorted(missing)}")
    return ItemBank(scales=tuple(scales), answer_scales=answer_scales)


@cache
def load_bank(path: Path | None = None) -> ItemBank:
    """The configured item bank: the organisation's own file, or the one shipped here."""
    if path is None:
        text = resources.files(__package__).joinpath("item_bank.toml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return parse_bank(tomllib.loads(text))
