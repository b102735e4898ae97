"""Leads of inaction, slow action and wrong action: indicators (indicators/), an anomaly
model (anomaly.py), leads with their evidence (leads.py), and the inspectors' casework
(casework.py)."""
