"""codemend: train LLM-based Python code debuggers and use them.

    codemend data build --out runs/data        # labeled buggy->fixed dataset from the stdlib
    codemend train --data runs/data --out runs/model
    codemend eval --model runs/model --data runs/data
    codemend fix path/to/file.py --model runs/model
"""

__version__ = "0.1.0"
