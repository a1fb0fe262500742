"""Provides the command line: options → settings, source and clock → hand off to a front end.

``tektonwatch`` (dashboard; until it exists, the live watch view), ``snapshot``, ``watch`` and ``demo``. Imports
stay lazy so ``tektonwatch --help`` loads click and nothing heavy; the kubernetes client is imported only when a
live cluster is the source. Errors become one line on stderr and an exit code (``errors.ExitCode``); ``--debug``
shows the traceback behind them.
"""

from __future__ import annotations

import atexit
import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from tektonwatch import __version__
from tektonwatch.errors import ExitCode, SourceError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


class DefaultGroup(click.Group):
    """A group that runs its default command when the first argument is not a subcommand."""

    default_command = "dashboard"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Insert the default command unless a subcommand (or --help/--version alone) was given."""
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """SOURCE options (DESIGN §3)."""
    for option in reversed([
        click.option("--kubeconfig", metavar="PATH", help="Kubeconfig file (default: $KUBECONFIG or ~/.kube/config)."),
        click.option("--context", metavar="NAME", help="Kubeconfig context to use."),
        click.option("--from", "from_files", multiple=True, metavar="FILE",
                     help="Read a kubectl get -o json|yaml dump instead of a cluster (repeatable; - = stdin; a "
                          "directory: its .json/.yaml/.yml files)."),
        click.option("--replay", metavar="FILE.jsonl", help="Replay a recorded event stream."),
        click.option("--speed", type=float, metavar="X", help="Replay in real time scaled by X."),
        click.option("--record", metavar="FILE.jsonl", help="Record the live event stream to a file."),
    ]):
        fn = option(fn)
    return fn


def scope_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """SCOPE options and PIPELINERUN names."""
    for option in reversed([
        click.option("-n", "--namespace", metavar="NS", help="Only this namespace."),
        click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace."),
        click.option("-l", "--selector", metavar="SEL", help="Label selector, e.g. app=model,tier!=dev."),
        click.option("--since", metavar="DURATION", help="Only runs started within DURATION (e.g. 2h)."),
        click.argument("names", nargs=-1, metavar="[PIPELINERUN]..."),
    ]):
        fn = option(fn)
    return fn


def display_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """RACE and display options shared by every front end."""
    for option in reversed([
        click.option("--settle", type=float, default=10.0, show_default=True, metavar="SECONDS",
                     help="How long after its producer completes an artifact counts as fresh."),
        click.option("--window", type=float, default=2.0, show_default=True, metavar="SECONDS",
                     help="Starts this close together count as one fan-out."),
        click.option("--utc", is_flag=True, help="Show times in UTC instead of local time."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                     help="Colour output (NO_COLOR is respected)."),
        click.option("--debug", is_flag=True, help="Show the traceback behind an error."),
    ]):
        fn = option(fn)
    return fn


def guarded(fn: Callable[..., int]) -> Callable[..., None]:
    """Run a command body, turning errors into one line on stderr and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        debug = kwargs.get("debug", False)
        try:
            code = fn(*args, **kwargs)
        except SourceError as exc:
            _fail(f"error: {exc}", ExitCode.SOURCE, debug)
        except KeyboardInterrupt:
            sys.exit(ExitCode.INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
            _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                  ExitCode.INTERNAL, debug)
        sys.exit(int(code))

    return wrapper


def _fail(message: str, code: ExitCode, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc()
    from tektonwatch.render.text import safe

    click.echo(f"tektonwatch: {safe(message)}", err=True)
    sys.exit(int(code))


@click.group(cls=DefaultGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="tektonwatch")
def cli() -> None:
    """Watch Tekton PipelineRuns live: a timeline of tasks and steps, and the sibling tasks that raced on a
    shared workspace artifact that was still being written.

    \b
    Examples:
      tektonwatch                           the dashboard for the context's namespace
      tektonwatch demo                      the bundled incident, replayed (no cluster needed)
      tektonwatch snapshot -n ci            print the runs of namespace ci once
      tektonwatch snapshot --from dump.json -o json
      tektonwatch watch -n ci --exit-on-completion
    """


@cli.command("snapshot", context_settings=CONTEXT)
@source_options
@scope_options
@display_options
@click.option("-o", "--output", type=click.Choice(["table", "wide", "json"]), default="table", show_default=True)
@click.option("--fail-on", metavar="failure|race[=critical]",
              help="Exit 1 when a run failed, or when a race finding (warning or worse; =critical) exists.")
@click.option("--gantt", default="3", show_default=True, metavar="N|all|none",
              help="Draw a timeline for running runs and the N most recent finished ones.")
@guarded
def snapshot_cmd(**opts: Any) -> int:
    """Print the runs, their timelines and race findings once."""
    from tektonwatch.app import run_snapshot

    return run_snapshot(_settings(opts))


@cli.command("watch", context_settings=CONTEXT)
@source_options
@scope_options
@display_options
@click.option("--compact", is_flag=True, help="One line per PipelineRun.")
@click.option("--oneline", is_flag=True, help="Print one short status line per change (for status bars, pipes).")
@click.option("--exit-on-completion", is_flag=True, help="Exit when every watched run has finished (1 if one failed).")
@click.option("--fail-on", metavar="failure|race[=critical]", help="With --exit-on-completion: also exit 1 on a race.")
@click.option("--interval", type=float, default=1.0, show_default=True, metavar="S", help="Minimum redraw period.")
@click.option("--notify", is_flag=True, help="Bell / desktop notification when a run finishes or a race appears.")
@guarded
def watch_cmd(**opts: Any) -> int:
    """A live, compact view for a tmux pane; keeps its last frame on exit."""
    from tektonwatch.app import run_watch

    return run_watch(_settings(opts))


@cli.command("dashboard", context_settings=CONTEXT, hidden=True)
@source_options
@scope_options
@display_options
@guarded
def dashboard_cmd(**opts: Any) -> int:
    """The interactive dashboard; on a stdout that is not a terminal, the live watch view instead."""
    from tektonwatch.app import run_dashboard

    return run_dashboard(_settings(opts))


@cli.command("demo", context_settings=CONTEXT)
@click.argument("mode", type=click.Choice(["dashboard", "watch", "snapshot"]), default="dashboard")
@click.option("--speed", type=float, default=60.0, show_default=True, help="Replay speed for the live demo.")
@click.option("-o", "--output", type=click.Choice(["table", "wide", "json"]), default="table", show_default=True)
@click.option("--utc/--local", default=True, show_default=True, help="Times in UTC (the incident's notes) or local.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
@click.option("--debug", is_flag=True, help="Show the traceback behind an error.")
@guarded
def demo_cmd(mode: str, speed: float, output: str, utc: bool, color: str, debug: bool) -> int:
    """Replay the bundled incident: a 14 GB build, two pushes racing on a shared PVC, one permission denied.

    MODE is dashboard (the default; the watch view when not on a terminal), watch, or snapshot (its final state).
    """
    from tektonwatch.app import run_dashboard, run_snapshot, run_watch
    from tektonwatch.sources.replay import demo_path

    opts = {"replay": demo_path(), "speed": None if mode == "snapshot" else speed, "output": output,
            "utc": utc, "color": color, "debug": debug, "gantt": "all"}
    settings = _settings(opts)
    front_end = {"snapshot": run_snapshot, "watch": run_watch, "dashboard": run_dashboard}[mode]
    return front_end(settings)


def _settings(opts: dict[str, Any]) -> Any:
    from tektonwatch.app import Settings

    try:
        return Settings.from_options(opts, environ=dict(os.environ))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def main() -> NoReturn:
    """Console-script entry point (and ``python -m tektonwatch``).

    Once the command has returned, the process ends without tearing the interpreter down: freeing every module
    and object of a big listing costs ~0.1 s that nobody waits for. Exit handlers still run (the kubernetes
    client deletes its temporary certificate files in one) and the output is flushed first."""
    try:
        cli(prog_name="tektonwatch")
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _exit(code: object) -> NoReturn:
    """End the process with ``code`` as ``SystemExit`` would read it: None is 0, a message goes to stderr as 1."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, int | None):
        print(code, file=sys.stderr)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``) or a closed stream: nothing more to say
            pass
    os._exit(status)


if __name__ == "__main__":
    main()
