"""Feedback mode: mailboxes with live counts, the feedback table, the detail view, triage and bulk actions."""
