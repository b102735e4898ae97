"""Supervision metrics: village marts (marts.py), roll-ups (rollup.py), rankings
(ranking.py), their one set of definitions (glossary.py), and reading them (query.py)."""
