"""Quality of the help centre's search on the project's evaluation set (tests/fixtures/help_search_eval.json):
top-1 and top-3 accuracy and MRR over the on-topic queries (ranking without the relevance gate, as a reader scanning
results would), the share of on-topic queries answered, and the share of off-topic queries wrongly answered."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "tests/fixtures/help_search_eval.json"
GOALS = {"top1": 0.75, "top3": 0.90, "off_topic_answered": 0.10}


def load_queries() -> list[dict]:
    return json.loads(EVAL_SET.read_text(encoding="utf-8"))["queries"]


def evaluate(index, queries: list[dict] | None = None) -> dict:
    queries = load_queries() if queries is None else queries
    on_topic = [q for q in queries if q["expect"]]
    off_topic = [q for q in queries if not q["expect"]]
    ranks, misses, by_kind = [], [], defaultdict(list)
    answered_on = 0
    for q in on_topic:
        outcome = index.search(q["q"])
        ids = [hit.id for hit in index.rank(q["q"], outcome.query_language)]
        rank = ids.index(q["expect"]) + 1 if q["expect"] in ids else None
        ranks.append(rank)
        by_kind[q["kind"]].append(rank)
        answered_on += outcome.answered and outcome.results[0]["id"] == q["expect"]
        if rank != 1:
            misses.append({"q": q["q"], "expect": q["expect"], "got": ids[:3], "rank": rank})
    false_answers = []
    for q in off_topic:
        outcome = index.search(q["q"])
        if outcome.answered:
            false_answers.append({"q": q["q"], "got": [r["id"] for r in outcome.results]})

    def share(values, test):
        return sum(1 for v in values if test(v)) / len(values) if values else 0.0

    return {
        "queries": len(on_topic),
        "off_topic_queries": len(off_topic),
        "top1": share(ranks, lambda r: r == 1),
        "top3": share(ranks, lambda r: r is not None and r <= 3),
        "mrr": sum(1 / r for r in ranks if r) / len(ranks),
        "answered_correctly": answered_on / len(on_topic),
        "off_topic_answered": len(false_answers) / len(off_topic),
        "by_kind": {kind: {"n": len(r), "top1": share(r, lambda x: x == 1), "top3": share(r, lambda x: x is not None and x <= 3)}
                    for kind, r in sorted(by_kind.items())},
        "misses": misses,
        "false_answers": false_answers,
    }


def meets_goals(report: dict) -> bool:
    return (report["top1"] >= GOALS["top1"] and report["top3"] >= GOALS["top3"]
            and report["off_topic_answered"] <= GOALS["off_topic_answered"])


if __name__ == "__main__":
    from supportdesk.help.build import INDEX_PATH
    from supportdesk.help.search import HelpIndex

    report = evaluate(HelpIndex.load(INDEX_PATH))
    print(json.dumps({k: v for k, v in report.items()}, ensure_ascii=False, indent=1))
