"""The stages: scanner -> planner -> resolver -> sorter -> executor."""
