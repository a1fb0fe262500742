"""Provides the interactive dashboard (Textual): ``make_app`` for the command line and the tests, and
``run_dashboard`` to run it.

The only package that imports textual; nothing outside it imports this package except the command line's
dashboard command, lazily. Importing ``tektonwatch.tui`` alone loads nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tektonwatch.app import Settings, Wiring
    from tektonwatch.tui.app import TektonwatchApp

__all__ = ["make_app", "run_dashboard"]


def make_app(wiring: Wiring, settings: Settings) -> TektonwatchApp:
    """The dashboard over ``wiring``'s source and clock; it starts the source when it mounts."""
    from tektonwatch.tui.app import TektonwatchApp

    return TektonwatchApp(wiring, settings)


def run_dashboard(wiring: Wiring, settings: Settings) -> int:
    """Run the dashboard in the terminal until the user quits; return the exit code (0).

    A fatal source error is raised as ``SourceError`` once the screen is restored, so the command line prints
    its one line and exits 3. The objects the source skipped with a warning are listed on stderr at the end.
    """
    from tektonwatch.app import consoles
    from tektonwatch.errors import ExitCode, SourceError
    from tektonwatch.snapshot import print_problems

    app = make_app(wiring, settings)
    app.run()
    print_problems(app.board.snapshot, consoles(settings)[1])
    if app.fatal:
        raise SourceError(app.fatal)
    return int(ExitCode.OK if app.return_code in (None, 0) else ExitCode.INTERNAL)
