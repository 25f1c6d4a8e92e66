"""Reference implementation of lifer's admin API (FastAPI over its own SQLite), for demo, tests and development."""

from lifer_desk.sandbox.demo import DemoContact, demo_contacts

__all__ = ["DemoContact", "demo_contacts"]
