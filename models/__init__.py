"""Leads of inaction, slow action and wrong action, pure: scoring windows cut from the
records (data.py), indicators (indicators/), an anomaly model (anomaly.py), a window's
scored, explained leads (leads.py) and the episodes they form over the span
(episodes.py). The data layer reads the records (datastore/scoring.py) and keeps the
inspectors' casework (datastore/casework.py)."""
