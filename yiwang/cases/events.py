"""The one hook of the cases app: "a move was recorded".

cases imports none of the apps that care (notify, classify, analytics…); they subscribe in their
AppConfig.ready():

    move_recorded.connect(receiver, dispatch_uid="…")

    def receiver(sender, *, case, events, **kwargs): ...

It is sent once per write, inside the write's transaction, after the case row and its events are
saved: `events` are the events of that write, in order (a new case routed by the platform brings
three: create, accept, dispatch; a reply with the platform's check two). Work a receiver does in the
transaction (an outbox row, a correction) commits or rolls back with the move; work that must not
run on a rolled-back write goes in transaction.on_commit. The events are chained on their case but
not sequenced yet (global_seq is None until the sequencer runs, cases.audit).
"""

from django.dispatch import Signal

move_recorded = Signal()
