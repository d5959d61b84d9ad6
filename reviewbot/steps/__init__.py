"""Review steps: what each model sees of the diff, its prompt, its reply schema."""
