"""Requests mode: deletion and correction requests by state, nearest legal deadline first."""
