"""Provides the rich renderables shared by every front end: run tables, the Gantt timeline, findings.

Renderables never fetch and never read the clock: they are handed a snapshot's views and ``now``. Every string
that comes from the cluster goes through ``render.text.safe`` (inert markup, no control sequences).
"""
