"""Adapters that implement the application's ports: mail, steps through Temporal, its dev server.

They import the application (its ports and `Certification`); it never imports them.
"""
