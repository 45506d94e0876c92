"""Export and import of sessions.

- `json`: everything about one session (agent, session, messages, events, memories made in it);
  imports back losslessly except that the session arrives inactive (its token belonged to
  another activation) — resume it to continue.
- `md`: a readable Markdown transcript (export only).
- `toon`: Agentry's session file, `<id>_chat.toon`, a JSON object with `session_id`,
  `created_at` and `messages: [{role, content}]`, both ways.

Both directions go through the public store API only (`SessionStore`): an import is parsed and
mapped here, then written by `Store.import_session` in one transaction. A corrupt or partial
file is an `InvalidInput` and writes nothing; an id that exists already is an `AlreadyExists`
unless `new_id=True` asks for a copy.
"""

from ..models import ImportResult
from .export import (
    FORMATS,
    JSON_FORMAT,
    JSON_VERSION,
    Format,
    default_filename,
    export_session,
    write_export,
)
from .import_ import MAX_IMPORT_BYTES, import_file, import_text

__all__ = [
    "FORMATS",
    "JSON_FORMAT",
    "JSON_VERSION",
    "MAX_IMPORT_BYTES",
    "Format",
    "ImportResult",
    "default_filename",
    "export_session",
    "import_file",
    "import_text",
    "write_export",
]
