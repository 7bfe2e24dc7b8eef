"""BGM Resilienz-Dashboard: anonymous pulse surveys and organisational-resilience indicators."""

__version__ = "0.1.0"
