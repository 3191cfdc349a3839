"""Project recognizers, one per file; `registry.py` is the one list of what is used."""
