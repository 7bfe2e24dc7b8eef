"""Publishes a completed quarter: decides what may be shown, computes the released figures
from the stored moments and freezes them with the settings and the org chart of that day.

A quarter is published once all of its waves are closed and the quarter has ended, so no
figure ever changes while answers still arrive (no "before/after one more answer" views)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from bgm_dashboard.db.bulk import insert_rows
from bgm_dashboard.db.models import Comment, Publication, PublishedComment, PublishedFigure, Wave
from bgm_dashboard.errors import ValidationError
from bgm_dashboard.governance.settings import Governance
from bgm_dashboard.indicators.moments import (
    RESPONSES,
    TOTAL,
    load_indicator_moments,
    load_item_moments,
)
from bgm_dashboard.indicators.stats import (
    alpha_interval,
    cronbach_alpha,
    describe_continuous,
    describe_nps,
)
from bgm_dashboard.instrument.bank import ItemBank
from bgm_dashboard.org.service import load_tree
from bgm_dashboard.org.tree import OrgTree
from bgm_dashboard.periods import months_of_quarter, quarter_end, quarter_of
from bgm_dashboard.privacy.block import BlockInput, block_input
from bgm_dashboard.privacy.composite import (
    composite_mismatch,
    composite_parts,
    composites_unsupported,
)
from bgm_dashboard.privacy.difference import difference_rule_hides
from bgm_dashboard.privacy.overfull import Overfull, overfull_units
from bgm_dashboard.privacy.suppression import (
    BlockDecision,
    Levels,
    comment_groups,
    covered_by_shown,
    decide_block,
    nearest_shown_ancestor,
    subtree_totals,
)
from bgm_dashboard.privacy.versions import (
    Withheld,
    earlier_sets,
    hide_against_versions,
    instances_of,
)

SHOWN = "shown"
SUPPRESSED = "suppressed"


def _describe(
    code: str, bank: ItemBank, sums: np.ndarray, waves: float = 1.0
) -> dict[str, np.ndarray]:
    """Released figures of one indicator from its sums; ``waves`` is the design effect (the
    number of monthly waves pooled into a quarter figure, see ``indicators.stats``)."""
    n, s1, s2, b1, b2 = (sums[..., i] for i in range(5))
    if code == RESPONSES:
        nan = np.full(n.shape, np.nan)
        return {
            "mean": nan,
            "sd": nan,
            "ci_low": nan,
            "ci_high": nan,
            "se": nan,
            "share_a": nan,
            "share_b": nan,
        }
    scale = bank.scale(code)
    if scale.kind == "nps":
        described = describe_nps(n, b1, b2, waves)
    else:
        described = describe_continuous(n, s1, s2, scale.range, waves)
    with np.errstate(divide="ignore", invalid="ignore"):
        has_bands = scale.kind in ("who5", "nps")
        share_a = (
            np.where(n > 0, b1 / np.where(n > 0, n, 1), np.nan)
            if has_bands
            else np.full(n.shape, np.nan)
        )
        share_b = (
            np.where(n > 0, b2 / np.where(n > 0, n, 1), np.nan)
            if has_bands
            else np.full(n.shape, np.nan)
        )
    return {
        "mean": described.mean,
        "sd": described.sd,
        "ci_low": described.ci_low,
        "ci_high": described.ci_high,
        "se": described.se,
        "share_a": share_a,
        "share_b": share_b,
    }


AlphaArrays = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _alpha_arrays(
    block: BlockInput, levels: Levels, items: pd.DataFrame, bank: ItemBank
) -> AlphaArrays:
    """Per scale: (alpha over each month, complete n per month, alpha over the quarter, n,
    complete cases placed directly in each unit per month)."""
    out = {}
    months = {m: i for i, m in enumerate(block.months)}
    for code in block.indicators:
        if code == RESPONSES or not bank.scale(code).has_reliability:
            continue
        scale = bank.scale(code)
        part = items[items["scale"] == code]
        k = len(scale.items)
        n = np.zeros((len(block.tree), len(block.months)))
        item_s1 = np.zeros((len(block.tree), len(block.months), k))
        item_s2 = np.zeros_like(item_s1)
        tot_s1 = np.zeros_like(n)
        tot_s2 = np.zeros_like(n)
        index = {c: i for i, c in enumerate(scale.item_codes)}
        unit_of = part["department_id"].map(block.tree._index)
        month_of = part["period"].map(months)
        known = (unit_of.notna() & month_of.notna()).to_numpy()
        u = unit_of.to_numpy()[known].astype(np.int64)
        m = month_of.to_numpy()[known].astype(np.int64)
        item = part["item"].to_numpy()[known]
        s1 = part["s1"].to_numpy(dtype=np.float64)[known]
        s2 = part["s2"].to_numpy(dtype=np.float64)[known]
        total = item == TOTAL
        n[u[total], m[total]] = part["n"].to_numpy(dtype=np.float64)[known][total]
        tot_s1[u[total], m[total]] = s1[total]
        tot_s2[u[total], m[total]] = s2[total]
        column = pd.Series(item).map(index)
        named = column.notna().to_numpy()
        c = column.to_numpy()[named].astype(np.int64)
        item_s1[u[named], m[named], c] = s1[named]
        item_s2[u[named], m[named], c] = s2[named]
        own = n.copy()
        n, item_s1, item_s2, tot_s1, tot_s2 = (
            subtree_totals(levels, a) for a in (n, item_s1, item_s2, tot_s1, tot_s2)
        )
        month_alpha = cronbach_alpha(n, item_s1, item_s2, tot_s1, tot_s2)
        nq = n.sum(axis=1)
        quarter_alpha = cronbach_alpha(
            nq, item_s1.sum(axis=1), item_s2.sum(axis=1), tot_s1.sum(axis=1), tot_s2.sum(axis=1)
        )
        out[code] = (month_alpha, n, quarter_alpha, nq, own)
    return out


def figure_rows(
    block: BlockInput,
    decision: BlockDecision,
    bank: ItemBank,
    k: int,
    alphas: AlphaArrays | None = None,
    alpha_shown: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Released rows for every unit, period and indicator of the block, plus the
    "übrige Bereiche" rows (what a shown unit holds beyond its shown sub-units).

    ``alpha_shown``: per scale, the units whose quarter and months show Cronbach's alpha and
    its complete-case count (decided as an instance of their own, ``decide_release``);
    without it no alpha is shown."""
    tree = block.tree
    levels = Levels.of(tree.parent_positions(), tree.depths())
    sub = subtree_totals(levels, block.own)  # (U, I, T, S)
    sub_q = sub.sum(axis=2)  # (U, I, S)
    headcount = subtree_totals(levels, np.array([u.headcount for u in tree.units], dtype=float))
    alphas = alphas or {}
    alpha_shown = alpha_shown or {}
    unit_ids = np.array([u.id for u in tree.units])
    rows: list[pd.DataFrame] = []

    def emit(
        granularity: str,
        period: str,
        i: int,
        shown: np.ndarray,
        sums: np.ndarray,
        rest_sums: np.ndarray,
        hc: np.ndarray,
        rest_hc: np.ndarray,
        has_sub: np.ndarray,
        alpha: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
    ) -> None:
        code = block.indicators[i]
        for kind, values, heads, mask in (
            ("unit", sums, hc, np.ones(len(tree), dtype=bool)),
            ("rest", rest_sums, rest_hc, shown & has_sub & (rest_sums[:, 0] > 0)),
        ):
            n = values[:, 0]
            visible = shown & (n > 0)
            if kind == "rest":
                visible = mask
            waves = 1.0 if granularity == "month" else float(max(int(block.asked[i].sum()), 1))
            figures = _describe(code, bank, values, waves)
            frame = pd.DataFrame(
                {
                    "granularity": granularity,
                    "period": period,
                    "indicator": code,
                    "department_id": unit_ids,
                    "kind": kind,
                    "status": np.where(visible, SHOWN, SUPPRESSED),
                    "n": np.where(visible, n, np.nan),
                    **{key: np.where(visible, arr, np.nan) for key, arr in figures.items()},
                    "alpha": np.nan,
                    "alpha_n": np.nan,
                    "alpha_low": np.nan,
                    "alpha_high": np.nan,
                    "headcount": np.where(visible, heads, np.nan),
                }
            )
            if code == RESPONSES:
                # response rate per wave: a quarter's responses over (waves x headcount)
                seats = heads * waves
                with np.errstate(divide="ignore", invalid="ignore"):
                    rate = np.where(seats > 0, 100.0 * n / np.where(seats > 0, seats, 1), np.nan)
                frame["mean"] = np.where(visible, rate, np.nan)
            if alpha is not None and kind == "unit":
                a, an, alpha_ok = alpha
                ok = visible & alpha_ok & (an > 0)
                frame["alpha"] = np.where(ok, a, np.nan)
                frame["alpha_n"] = np.where(ok, an, np.nan)
                low, high = alpha_interval(a, an, len(bank.scale(code).items))
                frame["alpha_low"] = np.where(ok, low, np.nan)
                frame["alpha_high"] = np.where(ok, high, np.nan)
            if kind == "rest":
                frame = frame[mask]
            rows.append(frame)

    for i, code in enumerate(block.indicators):
        if not block.asked[i].any():
            continue
        q_shown = decision.quarter_shown[:, i]
        m_shown = decision.months_shown[:, i]
        for shown, granularity in ((q_shown, "quarter"), (m_shown, "month")):
            anc = nearest_shown_ancestor(levels, shown[:, None])[:, 0]
            has_sub = np.zeros(len(tree), dtype=bool)
            has_sub[anc[(anc >= 0) & shown]] = True
            covered_hc = covered_by_shown(levels, shown[:, None], headcount[:, None, None])[:, 0, 0]
            rest_hc = headcount - covered_hc
            if granularity == "quarter":
                sums = sub_q[:, i, :]
                covered = covered_by_shown(levels, shown[:, None], sums[:, None, :])[:, 0, :]
                a = alphas.get(code)
                a_ok = alpha_shown.get(code)
                emit(
                    "quarter",
                    block.quarter,
                    i,
                    shown,
                    sums,
                    sums - covered,
                    headcount,
                    rest_hc,
                    has_sub,
                    (a[2], a[3], a_ok[0]) if a and a_ok else None,
                )
            else:
                for t, month in enumerate(block.months):
                    if not block.asked[i, t]:
                        continue
                    sums = sub[:, i, t, :]
                    covered = covered_by_shown(levels, shown[:, None], sums[:, None, :])[:, 0, :]
                    a = alphas.get(code)
                    a_ok = alpha_shown.get(code)
                    emit(
                        "month",
                        month,
                        i,
                        shown,
                        sums,
                        sums - covered,
                        headcount,
                        rest_hc,
                        has_sub,
                        (a[0][:, t], a[1][:, t], a_ok[1]) if a and a_ok else None,
                    )
    if not rows:
        return pd.DataFrame()
    return pd.concat(rows, ignore_index=True)


def decide(
    block: BlockInput,
    governance: Governance,
    hidden_quarter: np.ndarray | None = None,
    hidden_months: np.ndarray | None = None,
) -> BlockDecision:
    tree = block.tree
    levels = Levels.of(tree.parent_positions(), tree.depths())
    hide = np.zeros((len(tree), len(block.indicators)), dtype=bool)
    if governance.reported_depth is not None:
        hide |= (tree.depths() > governance.reported_depth)[:, None]
    hq = hide | (hidden_quarter if hidden_quarter is not None else False)
    hm = hide | (hidden_months if hidden_months is not None else False)
    counts = block.own[..., 0]
    return decide_block(levels, counts, governance.min_group_size, hq, hm)


@dataclass(frozen=True)
class Release:
    """What a version shows: the cells of every indicator, and per scale the units whose
    quarter and months show Cronbach's alpha with its complete-case count."""

    decision: BlockDecision
    alpha: dict[str, tuple[np.ndarray, np.ndarray]]


Hidden = tuple[np.ndarray, np.ndarray]


def decide_release(
    block: BlockInput,
    governance: Governance,
    bank: ItemBank,
    alpha_own: dict[str, np.ndarray],
    hidden: Hidden | None = None,
    alpha_hidden: dict[str, Hidden] | None = None,
) -> Release:
    """Decide every instance of a version: each indicator; each composite held to its
    components (``privacy/composite``); each scale's alpha complete-case set as an instance
    of its own (shown only inside its indicator's shown cells, with the same tree, time and
    table rules on its own counts, so that no alpha count of a parent minus its shown
    children isolates fewer than k). ``alpha_own``: complete cases placed directly in each
    unit per month."""
    tree = block.tree
    levels = Levels.of(tree.parent_positions(), tree.depths())
    shape = (len(tree), len(block.indicators))
    hq, hm = (h.copy() for h in hidden) if hidden else (np.zeros(shape, bool),) * 2
    parts = composite_parts(block, bank)
    mismatch_q, mismatch_m = composite_mismatch(block, levels, parts)
    hq, hm = hq | mismatch_q, hm | mismatch_m
    while True:
        decision = decide(block, governance, hq, hm)
        lone_q, lone_m = composites_unsupported(decision, parts)
        if not lone_q.any() and not lone_m.any():
            break
        hq, hm = hq | lone_q, hm | lone_m
    alpha = {}
    for code, own in alpha_own.items():
        i = block.indicators.index(code)
        extra_q, extra_m = (alpha_hidden or {}).get(code, (False, False))
        shown = decide_block(
            levels,
            own[:, None, :],
            governance.min_group_size,
            (~decision.quarter_shown[:, i] | extra_q)[:, None],
            (~decision.months_shown[:, i] | extra_m)[:, None],
        )
        alpha[code] = (shown.quarter_shown[:, 0], shown.months_shown[:, 0])
    return Release(decision, alpha)


def waves_by_quarter(session: Session) -> dict[str, list[Wave]]:
    out: dict[str, list[Wave]] = {}
    for wave in session.scalars(select(Wave)):
        out.setdefault(quarter_of(wave.period), []).append(wave)
    return out


def ready_quarters(session: Session, today: date) -> list[str]:
    """Quarters that have ended, whose waves are all closed and that are not published yet."""
    published = set(session.scalars(select(Publication.quarter)))
    ready = []
    for quarter, waves in sorted(waves_by_quarter(session).items()):
        if quarter in published or quarter_end(quarter) >= today:
            continue
        if all(w.status == "closed" for w in waves):
            ready.append(quarter)
    return ready


def due_quarters(session: Session, today: date) -> list[str]:
    """Ready quarters without a unit that has more answers than staff (those are held)."""
    return [q for q in ready_quarters(session, today) if not overfull_units(session, q)]


def held_quarters(session: Session, today: date) -> dict[str, list[Overfull]]:
    """Ready quarters held by the headcount rule, with the units and months that hold them."""
    held = {q: overfull_units(session, q) for q in ready_quarters(session, today)}
    return {q: units for q, units in held.items() if units}


def _release_against_versions(
    session: Session,
    block: BlockInput,
    previous: Sequence[Publication],
    governance: Governance,
    bank: ItemBank,
    alpha_own: dict[str, np.ndarray],
    moments: pd.DataFrame,
    items: pd.DataFrame,
) -> tuple[Release, list[Withheld]]:
    """Decide a new version of a published quarter: the difference rule against each earlier
    version, then the exact check against all earlier versions together."""
    hidden_q, hidden_m = difference_rule_hides(session, block, previous, governance)
    unit_ids = [u.id for u in block.tree.units]
    withheld = [
        Withheld(block.indicators[i], False, granularity, unit_ids[u], "versions.difference")
        for granularity, mask in (("quarter", hidden_q), ("month", hidden_m & ~hidden_q))
        for u, i in zip(*np.nonzero(mask), strict=True)
    ]
    departments = sorted(
        {u.id for u in block.tree.units} | {int(u["id"]) for p in previous for u in p.tree}
    )
    earlier = earlier_sets(session, previous, departments, block.months, block.quarter)
    release, found = release_against_versions(
        block,
        governance,
        bank,
        alpha_own,
        moments,
        items,
        earlier,
        departments,
        (hidden_q, hidden_m),
    )
    return release, withheld + found


def release_against_versions(
    block: BlockInput,
    governance: Governance,
    bank: ItemBank,
    alpha_own: dict[str, np.ndarray],
    moments: pd.DataFrame,
    items: pd.DataFrame,
    earlier: dict[str, np.ndarray],
    departments: Sequence[int],
    hidden: Hidden,
) -> tuple[Release, list[Withheld]]:
    """Decide a new version so that, together with the ``earlier`` versions' shown sets
    (``privacy/versions``), nothing isolates fewer than k responses."""
    instances = instances_of(
        block.indicators, block.asked, list(alpha_own), moments, items, departments, block.months
    )
    decided: list[Release] = []

    def shown_of(
        hq: np.ndarray, hm: np.ndarray, alpha_hidden: dict[str, tuple[np.ndarray, np.ndarray]]
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        release = decide_release(
            block,
            governance,
            bank,
            alpha_own,
            (hidden[0] | hq, hidden[1] | hm),
            {name.split("#")[0]: masks for name, masks in alpha_hidden.items()},
        )
        decided.append(release)
        out = {
            code: (release.decision.quarter_shown[:, i], release.decision.months_shown[:, i])
            for i, code in enumerate(block.indicators)
        }
        out.update({f"{code}#alpha": shown for code, shown in release.alpha.items()})
        return out

    *_, found = hide_against_versions(
        block.tree,
        departments,
        instances,
        earlier,
        shown_of,
        governance.min_group_size,
        len(block.indicators),
    )
    return decided[-1], found


def publish_quarter(
    session: Session,
    quarter: str,
    *,
    bank: ItemBank,
    governance: Governance,
    now: datetime | None = None,
) -> Publication:
    """Compute and freeze the released figures of one quarter (a new version if it was
    published before: then the difference rule guards against the earlier versions)."""
    waves = waves_by_quarter(session).get(quarter, [])
    asked: dict[str, set[str]] = {}
    for wave in waves:
        for code in wave.indicators:
            asked.setdefault(code, set()).add(wave.period)
    asked[RESPONSES] = {w.period for w in waves}
    wanted = governance.reported_indicators
    indicators = [
        c for c in bank.indicator_codes if c in asked and (wanted is None or c in wanted)
    ] + [RESPONSES]
    tree = load_tree(session)
    months = months_of_quarter(quarter)
    moments = load_indicator_moments(session, months)
    items = load_item_moments(session, months)
    block = block_input(tree, quarter, moments, indicators, asked)
    previous = session.scalars(select(Publication).where(Publication.quarter == quarter)).all()
    levels = Levels.of(tree.parent_positions(), tree.depths())
    alphas = _alpha_arrays(block, levels, items, bank)
    alpha_own = {code: a[4] for code, a in alphas.items()}
    withheld: list[Withheld] = []
    if previous:
        release, withheld = _release_against_versions(
            session, block, previous, governance, bank, alpha_own, moments, items
        )
    else:
        release = decide_release(block, governance, bank, alpha_own)
    rows = figure_rows(
        block, release.decision, bank, governance.min_group_size, alphas, release.alpha
    )
    version = 1 + (
        session.scalar(select(func.max(Publication.version)).where(Publication.quarter == quarter))
        or 0
    )
    withheld_rows = [asdict(w) for w in withheld]
    publication = Publication(
        quarter=quarter,
        version=version,
        published_at=now or datetime.now(UTC),
        min_group_size=governance.min_group_size,
        comment_min_group_size=governance.comment_min_group_size,
        tree=tree.as_dicts(),
        indicators=list(block.indicators),
        rules=governance.as_dict() | {"withheld": withheld_rows},
    )
    session.add(publication)
    session.flush()
    if not rows.empty:
        records = rows.assign(publication_id=publication.id)
        records = records.astype(object).where(records.notna(), None)
        # one bulk insert (COPY on PostgreSQL); the ORM's bulk insert splits the rows into
        # many small batches wherever the set of None values changes
        insert_rows(
            session,
            cast(Table, PublishedFigure.__table__),
            list(records.columns),
            records.itertuples(index=False, name=None),
        )
    if _publish_comments(session, publication, block, moments, previous, governance):
        root = tree.units[0].id
        kept = Withheld("comments", False, "quarter", root, "versions.comments_kept")
        publication.rules = {**publication.rules, "withheld": [*withheld_rows, asdict(kept)]}
    return publication


def comment_targets(tree: OrgTree, responses: dict[int, float], k_comments: int) -> dict[int, int]:
    """Department id -> id of the unit its comments are listed under (-1: not listed), by
    the comment groups of ``privacy/suppression.comment_groups``."""
    levels = Levels.of(tree.parent_positions(), tree.depths())
    own = np.array([responses.get(u.id, 0.0) for u in tree.units])
    groups = comment_groups(levels, own, k_comments)
    target = np.where(
        groups, np.arange(len(tree)), nearest_shown_ancestor(levels, groups[:, None])[:, 0]
    )
    return {
        u.id: (tree.units[int(g)].id if g >= 0 else -1)
        for u, g in zip(tree.units, target, strict=True)
    }


def comment_regrouping_isolates(
    versions: Sequence[dict[int, int]], responses: dict[int, float], k_comments: int
) -> bool:
    """Whether the comment groups of all versions together narrow a comment down to fewer
    than ``k_comments`` responses. A comment's text is the same in every version, so its
    author lies in the departments that share its group in every version (a class); each
    class whose comments are listed anywhere must hold 0 or at least ``k_comments``."""
    departments = set(responses) | {d for v in versions for d in v}
    classes: dict[tuple[int, ...], float] = {}
    for department in departments:
        key = tuple(v.get(department, -1) for v in versions)
        if any(g >= 0 for g in key):
            classes[key] = classes.get(key, 0.0) + responses.get(department, 0.0)
    return any(0 < size < k_comments for size in classes.values())


def _publish_comments(
    session: Session,
    publication: Publication,
    block: BlockInput,
    moments: pd.DataFrame,
    previous: Sequence[Publication],
    governance: Governance,
) -> bool:
    """List the quarter's comments under their groups. In a new version, when the new
    groups together with the earlier versions' would single a comment out, the comments keep
    the placement of the latest earlier version instead. Returns whether they did."""
    part = moments[moments["indicator"] == RESPONSES]
    totals = part.groupby("department_id")["n"].sum()
    responses = {int(d): float(n) for d, n in zip(totals.index, totals.to_numpy(), strict=True)}
    k_comments = governance.comment_min_group_size
    target = comment_targets(block.tree, responses, k_comments)
    earlier = [
        comment_targets(OrgTree.from_dicts(p.tree), responses, p.comment_min_group_size)
        for p in previous
    ]
    records: list[tuple[object, ...]] = []
    kept = bool(previous) and comment_regrouping_isolates([*earlier, target], responses, k_comments)
    if kept:
        latest = max(previous, key=lambda p: p.version)
        records = [
            (publication.id, comment_id, department_id)
            for comment_id, department_id in session.execute(
                select(PublishedComment.comment_id, PublishedComment.department_id).where(
                    PublishedComment.publication_id == latest.id
                )
            )
        ]
    else:
        comments = session.execute(
            select(Comment.id, Comment.department_id).where(Comment.period.in_(block.months))
        ).all()
        records = [
            (publication.id, comment_id, target[department_id])
            for comment_id, department_id in comments
            if target.get(department_id, -1) >= 0
        ]
    if records:
        insert_rows(
            session,
            cast(Table, PublishedComment.__table__),
            ["publication_id", "comment_id", "department_id"],
            iter(records),
        )
    return kept


def republish(
    session: Session, quarter: str, *, bank: ItemBank, governance: Governance
) -> Publication:
    """Publish a quarter again on today's org chart, as a new version (after a
    reorganisation, so that trends compare like with like). Earlier versions stay; the
    difference rule hides every new view too close to an earlier one."""
    if (
        session.scalar(select(Publication.id).where(Publication.quarter == quarter).limit(1))
        is None
    ):
        raise ValidationError("publish.not_published", quarter=quarter)
    return publish_quarter(session, quarter, bank=bank, governance=governance)


def publish_due(
    session: Session, *, today: date, bank: ItemBank, governance: Governance
) -> list[str]:
    """Publish every quarter that is due; returns their labels."""
    done = []
    for quarter in due_quarters(session, today):
        publish_quarter(session, quarter, bank=bank, governance=governance)
        done.append(quarter)
    return done
