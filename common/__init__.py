"""Helpers that forum, mailbridge and realtime share and that belong to none of them.

Nothing here imports the apps or the project's configuration: any of them may import it.
"""
