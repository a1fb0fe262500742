"""Provides tektonwatch: a live timeline of Tekton PipelineRuns and TaskRuns, with race analysis.

Importing the package is cheap: it loads none of textual, rich or kubernetes.
"""

__version__ = "0.1.0"
