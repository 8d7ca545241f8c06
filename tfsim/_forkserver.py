"""Imported by the local pool's fork server alone (never by the process that runs tfsim).

The fork server records the signal handlers in force once its preloaded modules are imported
and gives them to every worker it starts; ignoring Ctrl+C here means a worker ignores it from
its first instruction, before it could print a traceback half-way through starting.  The
process that owns the pool handles Ctrl+C by ending its workers.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
