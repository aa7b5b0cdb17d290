"""Pure parsers: text of real tools in, model.py dataclasses out. No I/O."""
