"""Matching people across scripts: name normalisation now; the probabilistic model later."""
