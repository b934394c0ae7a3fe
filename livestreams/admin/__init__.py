"""Admin pages of the livestream base and the order spine, one module per part.

Studios are edited here freely. A live session is booked through sessions.save_session (a studio
or streamer taken then is a form error, never a 500) and changes status only through the
actions, which call set_session_status. Orders, lines, seller orders, imports and their histories
are written by the services (imports, matching, forwarding) and only looked at here; the staff
pages hold the actions (import, map a line, correct an attribution).
"""

from livestreams.admin import imports, orders, sessions  # noqa: F401 (registers the pages)
