"""Running the pulse without a click: the schedule, invitations and reminders by e-mail,
and printable code letters."""
