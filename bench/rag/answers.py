"""Do extractive answers answer? A recorded sample of real how-to questions
(bench/rag/howto-sample.jsonl: 42 ids of real-questions.jsonl, each with the API or
construct names its accepted answer uses) answered with no LLM.

    python bench/rag/answers.py [--kb DIR] [--show] [--markdown FILE]

A question passes when its extractive answer names one of the construct's names
(case-sensitive substring) and, where the accepted answer is code, carries a code
block. ``--show`` prints every answer; ``--markdown`` writes the sample, the answers and
the judgement as a table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from real import REAL
from run import bench_cache

from ferrox.rag import KnowledgeBase
from ferrox.rag.answer import answer

SAMPLE = Path(__file__).resolve().parent / "howto-sample.jsonl"


def main() -> None:
    """Prints one line per question and the pass rate."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, default=None)
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--markdown", type=Path, default=None)
    args = ap.parse_args()
    questions = {q["id"]: q for q in map(json.loads, REAL.read_text().splitlines()) if q.get("id")}
    sample = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    kb = KnowledgeBase(args.kb or bench_cache() / "rag-kb" / "kb" / "default")
    rows = []
    named = with_code = 0
    for item in sample:
        q = questions[item["id"]]
        a = answer(kb, q["question"])
        hit = next((n for n in item["names"] if n in a.answer), None)
        code = "```" in a.answer
        named += hit is not None
        with_code += hit is not None and code
        rows.append((q, item, a, hit, code))
        mark = "ok  " if hit else "MISS"
        print(f"{mark} {item['id']} {'code' if code else '    '} {q['question'][:60]!r} -> {hit}")
        if args.show:
            print("    " + a.answer.replace("\n", "\n    ")[:1200])
    n = len(sample)
    print(f"names the construct: {named}/{n} = {named / n:.2f}; and with code: {with_code}/{n}")
    if args.markdown:
        lines = [
            "| id | question | accepted answer uses | answer names | code |",
            "|---|---|---|---|---|",
        ]
        for q, _item, _a, hit, code in rows:
            question = q["question"][:70].replace("|", "\\|")
            api = q.get("answer_api", "").replace("|", "\\|")
            lines.append(
                f"| {q['id']} | {question} | `{api}` | {('`' + hit + '`') if hit else '—'}"
                f" | {'yes' if code else 'no'} |"
            )
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
