"""The Textual desk: screens, app-specific widgets and styles. Only this package imports Textual."""

from lifer_desk.ui.app import AdminFactory, DeskApp, run_desk

__all__ = ["AdminFactory", "DeskApp", "run_desk"]
