"""The equivarification lemma verified: symbolic derivations, exhaustive checks, Hypothesis strategies.

For a finite group G acting on X and any map ``F: X → Z``, ``F̂(x)(g) = F(g⁻¹·x)`` is
G-equivariant for the left regular action on Map(G, Z), ``p∘F̂ = F``, and F̂ is the only such
map. This package checks it three ways:

- symbolically: :func:`verify_lemma` solves the lemma's linear system with SymPy for a concrete
  group and G-set; :func:`derive_lemma` checks the abstract proof step by step by rewriting
  with named rules; :func:`verify_layerwise` checks the layer-wise construction; the
  rotation facts (:func:`rotation_facts`) show which rotations keep a pixel grid exact;
- exhaustively: :func:`check_lemma_exhaustive` solves the same equations exactly with integer
  arithmetic, for groups too large for SymPy;
- on your own models: :func:`equivariance_error` and :func:`assert_equivariant` test any
  array function over every group element, in its own library (NumPy, CuPy, PyTorch, JAX …;
  a groupcore model, which declares its actions, needs none: ``assert_equivariant(model, x)``),
  and ``groupcore.proofs.strategies`` (needs Hypothesis) draws groups, actions, maps and
  images, of any library, for property tests.

``groupcore verify`` runs all of it (:func:`verify_groups`).

Examples
--------
>>> import groupcore as gc
>>> from groupcore import proofs
>>> cert = proofs.verify_lemma(gc.symmetric(3), gc.Action.regular(gc.symmetric(3)))
>>> cert.rank == cert.unknowns
True
"""

from __future__ import annotations

from .certificate import LemmaCertificate
from .checks import AxesAction, assert_equivariant, default_rtol, equivariance_error, on_axes
from .derivation import RULES, LemmaDerivation, Proof, Rule, Step, check_derivation, check_proof, derive_lemma
from .errors import DerivationError, LemmaCheckError, SymbolicTooLargeError
from .exhaustive import check_lemma_exhaustive, solve_by_components
from .gsets import default_actions
from .layerwise import LayerwiseCertificate, verify_layerwise
from .report import VerificationReport, verify_groups
from .rotations import (
    RotationFact,
    grid_rotation_status,
    prove_quarter_turns_exact,
    prove_rotation_composition,
    rotation_facts,
    rotation_matrix,
)
from .symbolic import verify_lemma
from .system import LemmaSystem, lemma_system

__all__ = [
    "verify_lemma", "check_lemma_exhaustive", "solve_by_components", "LemmaCertificate", "LemmaSystem",
    "lemma_system",
    "derive_lemma", "check_proof", "check_derivation", "Proof", "Step", "Rule", "RULES", "LemmaDerivation",
    "verify_layerwise", "LayerwiseCertificate",
    "rotation_matrix", "prove_rotation_composition", "prove_quarter_turns_exact", "grid_rotation_status",
    "rotation_facts", "RotationFact",
    "equivariance_error", "assert_equivariant", "default_rtol", "on_axes", "AxesAction",
    "verify_groups", "VerificationReport", "default_actions",
    "LemmaCheckError", "DerivationError", "SymbolicTooLargeError",
]
