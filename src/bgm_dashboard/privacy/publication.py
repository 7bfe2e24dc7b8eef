"""Publishes a completed quarter: decides what may be shown, computes the released figures
from the stored moments and freezes them with the settings and the org chart of that day.

A quarter is published once all of its waves are closed and the quarter has ended, so no
figure ever changes while answers still arrive (no "before/after one more answer" views)."""

from __future__ import annotations

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
from bgm_dashboard.periods import months_of_quarter, quarter_end, quarter_of
from bgm_dashboard.privacy.block import BlockInput, block_input
from bgm_dashboard.privacy.difference import difference_rule_hides
from bgm_dashboard.privacy.suppression import (
    BlockDecision,
    Levels,
    comment_groups,
    covered_by_shown,
    decide_block,
    nearest_shown_ancestor,
    subtree_totals,
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


def _alpha_arrays(
    block: BlockInput, levels: Levels, items: pd.DataFrame, bank: ItemBank
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per scale: (alpha over each month, complete n per month, alpha over the quarter, n)."""
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
        n, item_s1, item_s2, tot_s1, tot_s2 = (
            subtree_totals(levels, a) for a in (n, item_s1, item_s2, tot_s1, tot_s2)
        )
        month_alpha = cronbach_alpha(n, item_s1, item_s2, tot_s1, tot_s2)
        nq = n.sum(axis=1)
        quarter_alpha = cronbach_alpha(
            nq, item_s1.sum(axis=1), item_s2.sum(axis=1), tot_s1.sum(axis=1), tot_s2.sum(axis=1)
        )
        out[code] = (month_alpha, n, quarter_alpha, nq)
    return out


def figure_rows(
    block: BlockInput,
    decision: BlockDecision,
    bank: ItemBank,
    k: int,
    alphas: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Released rows for every unit, period and indicator of the block, plus the
    "übrige Bereiche" rows (what a shown unit holds beyond its shown sub-units)."""
    tree = block.tree
    levels = Levels.of(tree.parent_positions(), tree.depths())
    sub = subtree_totals(levels, block.own)  # (U, I, T, S)
    sub_q = sub.sum(axis=2)  # (U, I, S)
    headcount = subtree_totals(levels, np.array([u.headcount for u in tree.units], dtype=float))
    alphas = alphas or {}
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
        alpha: tuple[np.ndarray, np.ndarray] | None,
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
                a, an = alpha
                ok = visible & (an >= k)
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
                    (a[2], a[3]) if a else None,
                )
            else:
                for t, month in enumerate(block.months):
                    if not block.asked[i, t]:
                        continue
                    sums = sub[:, i, t, :]
                    covered = covered_by_shown(levels, shown[:, None], sums[:, None, :])[:, 0, :]
                    a = alphas.get(code)
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
                        (a[0][:, t], a[1][:, t]) if a else None,
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


def waves_by_quarter(session: Session) -> dict[str, list[Wave]]:
    out: dict[str, list[Wave]] = {}
    for wave in session.scalars(select(Wave)):
        out.setdefault(quarter_of(wave.period), []).append(wave)
    return out


def due_quarters(session: Session, today: date) -> list[str]:
    """Quarters that have ended, whose waves are all closed and that are not published yet."""
    published = set(session.scalars(select(Publication.quarter)))
    due = []
    for quarter, waves in sorted(waves_by_quarter(session).items()):
        if quarter in published or quarter_end(quarter) >= today:
            continue
        if all(w.status == "closed" for w in waves):
            due.append(quarter)
    return due


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
    block = block_input(tree, quarter, load_indicator_moments(session, months), indicators, asked)
    previous = session.scalars(select(Publication).where(Publication.quarter == quarter)).all()
    hidden_q = hidden_m = None
    if previous:
        hidden_q, hidden_m = difference_rule_hides(session, block, previous, governance)
    decision = decide(block, governance, hidden_q, hidden_m)
    levels = Levels.of(tree.parent_positions(), tree.depths())
    alphas = _alpha_arrays(block, levels, load_item_moments(session, months), bank)
    rows = figure_rows(block, decision, bank, governance.min_group_size, alphas)
    version = 1 + (
        session.scalar(select(func.max(Publication.version)).where(Publication.quarter == quarter))
        or 0
    )
    publication = Publication(
        quarter=quarter,
        version=version,
        published_at=now or datetime.now(UTC),
        min_group_size=governance.min_group_size,
        comment_min_group_size=governance.comment_min_group_size,
        tree=tree.as_dicts(),
        indicators=list(block.indicators),
        rules=governance.as_dict(),
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
    _publish_comments(session, publication, block, levels, governance)
    return publication


def _publish_comments(
    session: Session,
    publication: Publication,
    block: BlockInput,
    levels: Levels,
    governance: Governance,
) -> None:
    idx = block.indicators.index(RESPONSES)
    own_responses = block.own[:, idx, :, 0].sum(axis=1)
    groups = comment_groups(levels, own_responses, governance.comment_min_group_size)
    target = np.where(
        groups, np.arange(len(block.tree)), nearest_shown_ancestor(levels, groups[:, None])[:, 0]
    )
    comments = session.execute(
        select(Comment.id, Comment.department_id).where(Comment.period.in_(block.months))
    ).all()
    records = []
    for comment_id, department_id in comments:
        if department_id not in block.tree._index:
            continue
        group = int(target[block.tree.position(department_id)])
        if group >= 0:
            records.append(
                {
                    "publication_id": publication.id,
                    "comment_id": comment_id,
                    "department_id": block.tree.units[group].id,
                }
            )
    if records:
        columns = ["publication_id", "comment_id", "department_id"]
        insert_rows(
            session,
            cast(Table, PublishedComment.__table__),
            columns,
            ([r[c] for c in columns] for r in records),
        )


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
