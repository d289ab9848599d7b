"""Matching people across scripts: name normalisation, the probabilistic model, review."""
