"""Evaluation: metrics (one tested function each) and the runners behind `codemend eval`."""
