"""One ticket: header, thread, and the actions on it."""
