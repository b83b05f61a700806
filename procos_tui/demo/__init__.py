"""The demo data set and the embedded server that serves it."""
