"""Staff pages of the livestream base (order imports, the unmatched queue, an order's page, the
sessions week) and the streamer's sessions on the seller dashboard, one module per part.

Every change goes through livestreams.services; these views parse the input, call the service
or a selector, and show what came back.
"""

from livestreams.views.imports import (
    import_confirm,
    import_file,
    import_page,
    import_progress,
    imports,
)
from livestreams.views.orders import order_attribution, order_page, unmatched, unmatched_group
from livestreams.views.sessions import (
    my_session,
    my_sessions,
    session_edit,
    session_new,
    session_status,
    sessions_week,
)

__all__ = [
    "import_confirm", "import_file", "import_page", "import_progress", "imports", "my_session",
    "my_sessions", "order_attribution", "order_page", "session_edit", "session_new",
    "session_status", "sessions_week", "unmatched", "unmatched_group",
]  # fmt: skip
