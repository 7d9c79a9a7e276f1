"""ferrox.c2rust: project-level C to Rust translation without an LLM (rules first).

Stage 1 writes a compilable skeleton, stage 2 translates function bodies by rule into
safe Rust over a small runtime (``runtime/rt.rs``: bounds-checked C pointers, C's printf
and scanf), stage 3 repairs with rustc's diagnostics (and a generator from
:mod:`ferrox.infer` when one is configured); differential tests compare the C build
(under sanitizers) with the Rust build.
"""

from ferrox.c2rust.frontend import CParseError
from ferrox.c2rust.project import TranslationResult, check, translate
from ferrox.c2rust.rtypes import Untranslatable
from ferrox.c2rust.safety import measure

__all__ = ["CParseError", "TranslationResult", "Untranslatable", "check", "measure", "translate"]
