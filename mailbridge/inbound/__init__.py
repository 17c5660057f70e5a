"""Inbound mail: turning a received message into the text of a post."""
