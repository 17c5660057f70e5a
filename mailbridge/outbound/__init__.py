"""Outgoing mail: recipients, messages, fan-out, transport and the sender."""
