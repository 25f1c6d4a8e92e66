"""The Textual desk: screens, app-specific widgets and styles. Only this package imports Textual."""

from lifer_desk.ui.app import DeskApp, run_desk

__all__ = ["DeskApp", "run_desk"]
