"""The idle privacy screen (issue 16 item 2)."""
