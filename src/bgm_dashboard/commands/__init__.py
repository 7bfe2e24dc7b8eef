"""Sub-commands of ``bgm``, one module per area; each offers ``register`` and ``handle``."""
