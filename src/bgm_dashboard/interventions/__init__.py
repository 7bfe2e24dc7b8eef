"""Interventions: the measure catalogue, recommendations, action plans, their measured effect,
continuity ("structures, not Projektitis"), good examples and the "you said, we did" board."""
