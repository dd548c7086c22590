"""Signals through which higher layers act on events here without this app importing them.

``invitation_issued(invitation, token)``: an e-mail invitation was created in the
current transaction; the notifications app writes the outbox message for it.
"""

from django.dispatch import Signal

invitation_issued = Signal()
