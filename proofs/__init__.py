"""The equivarification lemma verified: symbolic derivations, exhaustive checks, Hypothesis strategies."""
