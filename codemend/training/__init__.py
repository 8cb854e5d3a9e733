"""Training recipes: tokenizer, model construction, fix-only loss, Trainer setup, checkpoints."""
