"""Datasets of buggy->fixed Python functions: corpus collection, tree-sitter bug injection, splits."""
