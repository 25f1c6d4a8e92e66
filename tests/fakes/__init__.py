"""Test doubles that meet the desk's interfaces, so a test fake cannot drift from the real thing."""
