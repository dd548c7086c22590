"""Signals of the outbox.

``notifications_written(ids)``: outbox rows were written and the transaction that wrote them has
committed; the receivers queue their delivery. The services that write rows do not import the tasks
that deliver them (the tasks call the services), and the periodic sweep delivers whatever was not queued.
"""

from django.dispatch import Signal

notifications_written = Signal()
