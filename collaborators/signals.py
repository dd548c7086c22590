"""Signals through which higher layers act on events here without this app importing them.

``invitation_issued(invitation, token)``: an e-mail invitation was created in the
current transaction; the notifications app writes the outbox message for it.

``units_moved(units)``: units (with their branches) were moved under another parent in
the current transaction (a move, or a merger that moved children); anything that
counts per ancestor (the summaries' rollups) recounts those branches.
"""

from django.dispatch import Signal

invitation_issued = Signal()
units_moved = Signal()
