"""ferrox.c2rust: project-level C to safe Rust translation without an LLM (rules first).

The front end turns libclang's cursors into a typed C IR (:mod:`~ferrox.c2rust.cir`), the
analyses and the lowering build a small Rust IR over a byte-exact C memory model in safe
Rust (``runtime/rt.rs``), the crate is built and every function rustc rejects becomes a
stub naming the error (a generator from :mod:`ferrox.infer` may repair first, when one is
configured); differential tests compare the sanitized C build with the Rust build.
"""

from ferrox.c2rust.clang_api import CParseError
from ferrox.c2rust.literals import Untranslatable
from ferrox.c2rust.project import TranslationResult, check, translate
from ferrox.c2rust.safety import measure

__all__ = ["CParseError", "TranslationResult", "Untranslatable", "check", "measure", "translate"]
