"""A small on-disk corpus in every supported format, written by the tests."""

from __future__ import annotations

from pathlib import Path

RUSTDOC_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="rustdoc"><title>spawn in std::thread - Rust</title></head>
<body class="rustdoc fn"><nav class="sidebar"><a href="#">Sidebar noise sidebar</a></nav>
<main><section id="main-content" class="content"><div class="main-heading">
<h1>Function <span>spawn</span><button id="copy-path">Copy item path</button></h1>
<span class="sub-heading"><a class="src" href="#">Source</a></span></div>
<pre class="rust item-decl"><code>pub fn spawn&lt;F, T&gt;(f: F) -&gt; JoinHandle&lt;T&gt;</code>
</pre>
<details class="toggle top-doc" open><summary class="hideme"><span>Expand description</span>
</summary>
<div class="docblock"><p>Spawns a new thread, returning a JoinHandle for it.</p>
<p>The join handle provides a join method that can be used to join the spawned thread.</p>
<h2 id="panics"><a class="doc-anchor" href="#panics">§</a>Panics</h2>
<p>Panics if the OS fails to create a thread; use Builder::spawn to recover from such errors.</p>
<h2 id="examples"><a class="doc-anchor" href="#examples">§</a>Examples</h2>
<div class="example-wrap"><pre class="rust"><code>use std::thread;

let handler = thread::spawn(|| {
    // thread code
});
handler.join().unwrap();</code></pre></div></div></details>
</section></main><script>var searchIndex = "script noise";</script></body></html>
"""

MDBOOK_PAGE = """<!DOCTYPE html><html><head><title>Ferris the Crab - The Crustacean Book</title>
</head><body><nav id="sidebar" class="sidebar"><ol><li>Chapter list noise</li></ol></nav>
<div id="menu-bar"><h1 class="menu-title">The Crustacean Book</h1></div>
<main><h1 id="ferris-the-crab"><a class="header" href="#ferris-the-crab">Ferris the Crab</a></h1>
<p>Ferris is the unofficial mascot of the Rust community and is drawn as an orange crab.</p>
<h2 id="why-a-crab"><a class="header" href="#why-a-crab">Why a crab</a></h2>
<p>Rustaceans call themselves that because crustaceans and Rust share a sound.</p>
<ul><li>Crabs have shells.</li><li>Crabs walk sideways.</li></ul>
</main><nav class="nav-wrapper"><a href="#">Previous chapter</a></nav></body></html>
"""

REDIRECT_PAGE = """<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0;URL=../x.html">
<title>Redirection</title></head><body><p>Redirecting to <a href="../x.html">x</a>...</p>
</body></html>
"""

MARKDOWN = """# Borrow checker notes

The borrow checker enforces that a value has either one mutable reference or any number
of shared references at a time.

## Lifetimes

Lifetime annotations describe how the lifetimes of references relate to each other.

```rust
fn longest<'a>(x: &'a str, y: &'a str) -> &'a str { if x.len() > y.len() { x } else { y } }
```
"""

TEXT = """Tokio is an asynchronous runtime for the Rust programming language.

It provides the building blocks needed for writing network applications, such as an
event loop, timers and asynchronous sockets.
"""


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF with ``lines`` of Helvetica text."""
    text = (
        "BT /F1 12 Tf 72 720 Td 14 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode() + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def write_corpus(root: Path) -> Path:
    """Write the corpus under ``root`` and return it."""
    (root / "api").mkdir(parents=True, exist_ok=True)
    (root / "book").mkdir(exist_ok=True)
    (root / ".hidden").mkdir(exist_ok=True)
    (root / "api" / "fn.spawn.html").write_text(RUSTDOC_PAGE)
    (root / "api" / "old.html").write_text(REDIRECT_PAGE)
    (root / "book" / "ferris.html").write_text(MDBOOK_PAGE)
    (root / "notes.md").write_text(MARKDOWN)
    (root / "tokio.txt").write_text(TEXT)
    (root / "manual.pdf").write_bytes(
        minimal_pdf(
            [
                "Cargo is the Rust package manager.",
                "It downloads dependencies, compiles packages and uploads them to crates.io.",
            ]
        )
    )
    (root / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (root / "binary.txt").write_bytes(b"\x00\x01\x02binary\x00data")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / ".hidden" / "secret.md").write_text("# hidden\n\nnot to be ingested\n")
    return root
