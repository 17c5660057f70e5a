"""The steps of the inbound pipeline, one module each, in the order of pipeline.STEPS."""
