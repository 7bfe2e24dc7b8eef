"""The org chart as an immutable tree in pre-order, with the arrays the aggregation needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Unit:
    id: int
    code: str
    name: str
    parent_id: int | None
    headcount: int
    active: bool = True
    depth: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "parent_id": self.parent_id,
            "headcount": self.headcount,
            "active": self.active,
            "depth": self.depth,
        }


@dataclass(frozen=True)
class OrgTree:
    """Units in pre-order (parents before children, siblings in the given order)."""

    units: tuple[Unit, ...]
    _index: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, units: Iterable[Unit]) -> OrgTree:
        pool = list(units)
        children: dict[int | None, list[Unit]] = {}
        for unit in pool:
            children.setdefault(unit.parent_id, []).append(unit)
        ordered: list[Unit] = []

        def visit(unit: Unit, depth: int) -> None:
            ordered.append(
                Unit(
                    unit.id,
                    unit.code,
                    unit.name,
                    unit.parent_id,
                    unit.headcount,
                    unit.active,
                    depth,
                )
            )
            for child in children.get(unit.id, []):
                visit(child, depth + 1)

        for root in children.get(None, []):
            visit(root, 0)
        if len(ordered) != len(pool):
            raise ValueError("the org chart has a cycle or a unit whose parent is missing")
        tree = cls(tuple(ordered))
        tree._index.update({u.id: i for i, u in enumerate(ordered)})
        return tree

    @classmethod
    def from_dicts(cls, rows: Iterable[dict[str, Any]]) -> OrgTree:
        return cls.build(
            Unit(
                id=int(r["id"]),
                code=str(r["code"]),
                name=str(r["name"]),
                parent_id=None if r.get("parent_id") is None else int(r["parent_id"]),
                headcount=int(r.get("headcount") or 0),
                active=bool(r.get("active", True)),
            )
            for r in rows
        )

    def as_dicts(self) -> list[dict[str, Any]]:
        return [u.as_dict() for u in self.units]

    def __len__(self) -> int:
        return len(self.units)

    def position(self, unit_id: int) -> int:
        return self._index[unit_id]

    def unit(self, unit_id: int) -> Unit:
        return self.units[self._index[unit_id]]

    def by_code(self, code: str) -> Unit:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)

    @property
    def root(self) -> Unit:
        return self.units[0]

    def children(self, unit_id: int | None) -> list[Unit]:
        return [u for u in self.units if u.parent_id == unit_id]

    def subtree(self, unit_id: int) -> list[Unit]:
        """The unit and everything below it, in pre-order."""
        start = self._index[unit_id]
        depth = self.units[start].depth
        out = [self.units[start]]
        for unit in self.units[start + 1 :]:
            if unit.depth <= depth:
                break
            out.append(unit)
        return out

    def subtree_ids(self, unit_id: int) -> list[int]:
        return [u.id for u in self.subtree(unit_id)]

    def ancestors(self, unit_id: int) -> list[Unit]:
        """Parent, grandparent, … up to the root."""
        out = []
        current = self.unit(unit_id).parent_id
        while current is not None:
            unit = self.unit(current)
            out.append(unit)
            current = unit.parent_id
        return out

    def path(self, unit_id: int) -> list[Unit]:
        return [*reversed(self.ancestors(unit_id)), self.unit(unit_id)]

    def subtree_headcount(self, unit_id: int) -> int:
        return sum(u.headcount for u in self.subtree(unit_id))

    @property
    def max_depth(self) -> int:
        return max((u.depth for u in self.units), default=0)

    def parent_positions(self) -> np.ndarray:
        """For each unit (pre-order position) the position of its parent, -1 for roots."""
        return np.array(
            [-1 if u.parent_id is None else self._index[u.parent_id] for u in self.units],
            dtype=np.int64,
        )

    def depths(self) -> np.ndarray:
        return np.array([u.depth for u in self.units], dtype=np.int64)

    def ancestor_matrix(self) -> np.ndarray:
        """``A[i, j] = 1`` when unit j lies in the subtree of unit i (itself included)."""
        size = len(self.units)
        matrix = np.zeros((size, size), dtype=np.float64)
        parents = self.parent_positions()
        for j in range(size):
            i = j
            while i >= 0:
                matrix[i, j] = 1.0
                i = int(parents[i])
        return matrix


def subtree_sums(tree: OrgTree, own: np.ndarray) -> np.ndarray:
    """Roll values of the people placed directly in each unit (axis 0, pre-order) up the tree."""
    total = np.array(own, dtype=np.float64, copy=True)
    parents = tree.parent_positions()
    for position in range(len(tree) - 1, 0, -1):
        parent = parents[position]
        if parent >= 0:
            total[parent] += total[position]
    return total


def descendants_of(tree: OrgTree, unit_ids: Sequence[int]) -> set[int]:
    out: set[int] = set()
    for unit_id in unit_ids:
        out.update(tree.subtree_ids(unit_id))
    return out
