"""Generates the demo municipality "Musterstadt": org chart, two years of monthly pulse
answers, crisis events and action plans. Seeded: running it again gives the same files.

    python sample_data/generate.py            # writes the CSV files beside this script

What the data show (so that a new user sees every feature at once):
* a cyber attack in June 2025 hits the whole administration: well-being and workload dip for
  three months and recover by October; "learning from crises" ends higher than before
  (bounce forward), helped by an after-action review;
* the Jugendamt (A51) declines steadily from July 2025 on (chronic, getting worse);
* "Platzwechsel" in Sozialamt and Gesundheitsamt (Jan–Jun 2025) lifts cross-department
  collaboration clearly; a leadership training in Dezernat III shows no measurable effect;
* several small units stay below the minimum group size and are merged into their parent.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20261126
HERE = Path(__file__).resolve().parent
FIRST_MONTH = (2024, 10)
MONTHS = 24

UNITS = [
    # code, name, parent, headcount (placed directly), base well-being offset
    ("STADT", "Stadtverwaltung Musterstadt", "", 0, 0.0),
    ("OB", "Büro des Oberbürgermeisters", "STADT", 14, 0.2),
    ("D1", "Dezernat I – Zentrale Dienste und Finanzen", "STADT", 3, 0.0),
    ("A10", "Hauptamt", "D1", 46, 0.1),
    ("A11", "Personalamt", "D1", 28, 0.0),
    ("A14", "Rechnungsprüfungsamt", "D1", 6, 0.1),
    ("A20", "Kämmerei", "D1", 31, 0.2),
    ("A21", "Stadtkasse", "D1", 9, -0.1),
    ("D2", "Dezernat II – Soziales, Jugend, Gesundheit", "STADT", 2, 0.0),
    ("A50", "Sozialamt", "D2", 62, -0.1),
    ("A51", "Jugendamt", "D2", 88, -0.2),
    ("A52", "Sportamt", "D2", 7, 0.3),
    ("A53", "Gesundheitsamt", "D2", 41, 0.1),
    ("D3", "Dezernat III – Bauen, Umwelt, Ordnung", "STADT", 2, 0.0),
    ("A32", "Ordnungsamt", "D3", 54, -0.1),
    ("A37", "Feuerwehr", "D3", 72, 0.3),
    ("A61", "Stadtplanungsamt", "D3", 36, 0.1),
    ("A66", "Tiefbauamt", "D3", 27, 0.0),
    ("A67", "Grünflächenamt", "D3", 8, 0.2),
]

DIMENSIONS = {
    "solidarity": ["sol_1", "sol_2", "sol_3"],
    "participation": ["par_1", "par_2"],
    "leadership": ["lea_1", "lea_2"],
    "learning": ["lrn_1", "lrn_2"],
    "collaboration": ["col_1", "col_2", "col_3"],
    "workload": ["wl_1", "wl_2"],
    "health_leadership": ["hl_1", "hl_2"],
}
REVERSED = {"sol_3", "wl_2", "brs_2", "brs_4", "brs_6"}
WHO5 = [f"who5_{i}" for i in range(1, 6)]
BRS = [f"brs_{i}" for i in range(1, 7)]
COLUMNS = (
    ["period", "department", *WHO5, *BRS, "enps"]
    + [item for items in DIMENSIONS.values() for item in items]
    + ["comment"]
)

COMMENTS = [
    "Die Zusammenarbeit im Team ist super, aber die Arbeitsmenge wächst uns über den Kopf.",
    "Nach dem Cyberangriff hat man gesehen, wie gut wir zusammenhalten können.",
    "Ich wünsche mir mehr Rückmeldung, was mit den Ergebnissen passiert.",
    "Der Platzwechsel im Sozialamt hat mir die Augen geöffnet.",
    "Zu viele Projekte, die nach drei Monaten wieder verschwinden.",
    "Homeoffice-Regelung bitte beibehalten!",
    "Die neue Software bremst uns seit Wochen aus.",
    "Unsere Führungskraft nimmt sich Zeit für uns – danke.",
    "Fallzahlen steigen, Stellen bleiben unbesetzt. So geht es nicht weiter.",
    "Gute Idee, Gesundheit in den Amtsleitungsrunden zu besprechen.",
    "Mehr Austausch mit anderen Ämtern wäre hilfreich.",
    "Pausen sind kaum möglich, seit zwei Kolleginnen fehlen.",
]


def month_label(index: int) -> str:
    year, month = FIRST_MONTH
    total = year * 12 + month - 1 + index
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def crisis_effect(index: int) -> float:
    """Cyber attack in June 2025 (month 8): a dip over three months, then recovery."""
    return {8: -1.0, 9: -0.8, 10: -0.45, 11: -0.15}.get(index, 0.0)


def chronic_effect(code: str, index: int) -> float:
    """Jugendamt: a steady decline from July 2025 (month 9) on."""
    if code != "A51" or index < 9:
        return 0.0
    return -0.07 * (index - 8)


def dimension_effect(dim: str, code: str, index: int) -> float:
    effect = 0.0
    if dim == "learning" and index >= 11:  # after-action review after the cyber attack
        effect += 0.55
    if (
        dim == "collaboration" and code in ("A50", "A53") and index >= 6
    ):  # Platzwechsel, from Apr 2025
        effect += 0.8
    if dim == "workload":
        effect += 1.2 * crisis_effect(index)
    return effect


def clip_round(values: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.clip(np.rint(values), low, high).astype(int)


def generate(rng: np.random.Generator) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for index in range(MONTHS):
        period = month_label(index)
        for code, _name, _parent, headcount, base in UNITS:
            if headcount == 0:
                continue
            rate = 0.55 if headcount > 10 else 0.6
            n = rng.binomial(headcount, rate)
            if n == 0:
                continue
            level = base + crisis_effect(index) + chronic_effect(code, index)
            wellbeing = level + rng.normal(0, 1, n)
            trait = rng.normal(0, 1, n)
            answers: dict[str, np.ndarray] = {}
            for item in WHO5:
                answers[item] = clip_round(2.9 + 1.05 * wellbeing + rng.normal(0, 0.75, n), 0, 5)
            for item in BRS:
                raw = 3.4 + 0.45 * trait + 0.3 * wellbeing + rng.normal(0, 0.6, n)
                answers[item] = clip_round(6 - raw if item in REVERSED else raw, 1, 5)
            answers["enps"] = clip_round(6.6 + 1.9 * wellbeing + rng.normal(0, 1.4, n), 0, 10)
            for dim, items in DIMENSIONS.items():
                latent = (
                    0.55 * wellbeing + dimension_effect(dim, code, index) + rng.normal(0, 0.8, n)
                )
                for item in items:
                    raw = 3.3 + 0.75 * latent + rng.normal(0, 0.55, n)
                    answers[item] = clip_round(6 - raw if item in REVERSED else raw, 1, 5)
            missing = rng.random((n, len(answers))) < 0.03
            for r in range(n):
                row = {"period": period, "department": code}
                for j, (item, values) in enumerate(answers.items()):
                    row[item] = "" if missing[r, j] else str(values[r])
                row["comment"] = (
                    COMMENTS[rng.integers(len(COMMENTS))] if rng.random() < 0.06 else ""
                )
                rows.append(row)
    return rows


EVENTS = [
    (
        "Cyberangriff auf die Stadtverwaltung",
        "cyber",
        "2025-06-03",
        "2025-07-18",
        "",
        "Verschlüsselungstrojaner, Fachverfahren sechs Wochen nur eingeschränkt nutzbar.",
    ),
    (
        "Hochwasser an der Mulde",
        "flood",
        "2026-02-09",
        "2026-02-20",
        "D3",
        "Einsatz von Feuerwehr, Ordnungsamt und Tiefbauamt rund um die Uhr.",
    ),
    (
        "Stellenbesetzungssperre",
        "hiring_freeze",
        "2025-07-01",
        "",
        "A51",
        "Haushaltssperre: frei werdende Stellen im Jugendamt bleiben unbesetzt.",
    ),
]

PLANS = [
    # intervention, title, owner, start, planned end, ended, status, target, change, units,
    # standing practice, notes, evaluated on (HR checked the effect), published good example
    (
        "platzwechsel",
        "Platzwechsel Sozialamt ↔ Gesundheitsamt",
        "BGM-Team",
        "2025-01-01",
        "2025-06-30",
        "2025-06-30",
        "done",
        "collaboration",
        "10",
        "A50;A53",
        "1",
        "Je zwei Tage Hospitation im anderen Amt, danach gemeinsame Fallbesprechungen.",
        "2025-10-20",
        "1",
    ),
    (
        "resilient_leadership",
        "Resilienz-Training für Führungskräfte in Dezernat III",
        "Personalamt",
        "2025-10-01",
        "2026-03-31",
        "2026-03-31",
        "done",
        "leadership",
        "10",
        "A32;A37;A61;A66",
        "0",
        "Vier Module à einen Tag; Teilnahme freiwillig.",
        "2026-07-15",
        "0",
    ),
    (
        "after_action_review",
        "Auswertung nach dem Cyberangriff",
        "Hauptamt",
        "2025-08-15",
        "2025-10-31",
        "2025-10-31",
        "done",
        "learning",
        "10",
        "STADT",
        "1",
        "Ämterübergreifende Auswertung; die Ergebnisse gingen in den Notfallplan ein.",
        "2026-04-20",
        "0",
    ),
    (
        "workload_recovery",
        "Entlastung im Jugendamt",
        "Amtsleitung Jugendamt",
        "2026-07-01",
        "2027-06-30",
        "",
        "running",
        "workload",
        "10",
        "A51",
        "0",
        "Priorisierung der Fallarbeit, Springerpool.",
        "",
        "0",
    ),
    (
        "solidarity_formats",
        "Obstkorb und Bewegungspause",
        "BGM-Team",
        "2025-03-01",
        "2025-04-30",
        "2025-04-30",
        "done",
        "solidarity",
        "5",
        "D1",
        "0",
        "Kurzaktion ohne Auswertung.",
        "",
        "0",
    ),
]


def write(path: Path, header: list[str], rows: list[dict[str, str]] | list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        if rows and isinstance(rows[0], dict):
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)  # type: ignore[arg-type]
        else:
            plain = csv.writer(handle, lineterminator="\n")
            plain.writerow(header)
            plain.writerows(rows)  # type: ignore[arg-type]


def main(folder: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    write(
        folder / "departments.csv",
        ["code", "name", "parent_code", "headcount"],
        [[c, n, p, str(h)] for c, n, p, h, _ in UNITS],
    )
    write(folder / "responses.csv", COLUMNS, generate(rng))
    write(
        folder / "events.csv",
        ["title", "kind", "starts_on", "ends_on", "units", "description"],
        [list(e) for e in EVENTS],
    )
    write(
        folder / "plans.csv",
        [
            "intervention",
            "title",
            "owner",
            "starts_on",
            "planned_end",
            "ended_on",
            "status",
            "target_indicator",
            "target_change",
            "units",
            "standing_practice",
            "notes",
            "evaluated_on",
            "good_example",
        ],
        [list(p) for p in PLANS],
    )


if __name__ == "__main__":
    main()
