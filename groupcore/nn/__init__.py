"""Lifted (equivarified) layers, weight-sharing tensors, models and training."""
