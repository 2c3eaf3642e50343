"""Training a LoRA adapter for the home: synthetic data, CPU fine-tuning, GGUF conversion, verification."""
