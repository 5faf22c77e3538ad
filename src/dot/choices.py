"""Plain constants shared by the CLI and the core (no imports: start-up is cheap)."""

POLICIES = ("fail", "skip", "backup", "overwrite", "adopt")
FORMATS = ("text", "table", "json")
COLORS = ("auto", "always", "never")
SORT_KEYS = ("name", "links", "date")

# Paths never folded into one link, so programs never write into the repo.
DEFAULT_NO_FOLD = frozenset(
    {".config", ".local", ".local/share", ".local/state", ".local/bin", ".cache", ".ssh", ".gnupg"}
)
DEFAULT_DOCTOR_DEPTH = 5
