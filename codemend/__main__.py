from codemend.cli import entry

entry()
