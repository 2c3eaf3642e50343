"""Natural-language understanding: text in, a typed Intent out (templates, then a language model)."""
