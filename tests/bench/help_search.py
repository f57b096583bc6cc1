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
    confident = [(q, index.confident_answer(q["q"])) for q in on_topic]
    confident = [(q, answer) for q, answer in confident if answer]
    false_answers, false_automatic = [], 0
    for q in off_topic:
        outcome = index.search(q["q"])
        if outcome.answered:
            false_answers.append({"q": q["q"], "got": [r["id"] for r in outcome.results]})
        false_automatic += index.confident_answer(q["q"]) is not None

    def share(values, test):
        return sum(1 for v in values if test(v)) / len(values) if values else 0.0

    return {
        "queries": len(on_topic),
        "off_topic_queries": len(off_topic),
        "top1": share(ranks, lambda r: r == 1),
        "top3": share(ranks, lambda r: r is not None and r <= 3),
        "mrr": sum(1 / r for r in ranks if r) / len(ranks),
        "answered_correctly": answered_on / len(on_topic),
        "off_topic_answered": len(false_answers) / len(off_topic) if off_topic else 0.0,
        "automatic": len(confident) / len(on_topic),
        "automatic_precision": (sum(1 for q, a in confident if a["id"] == q["expect"]) / len(confident)
                                if confident else 1.0),
        "off_topic_automatic": false_automatic,
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


# ---- choosing the Chinese tokenizer by measurement ---------------------------------------------------------------

JIEBA_PROBE = ("import time; t = time.perf_counter(); import jieba; jieba.setLogLevel(60); "
               "list(jieba.cut_for_search('我想申请退款')); print(time.perf_counter() - t)")


def _variants():
    from supportdesk.help.text import STOP_CHARS, Analyzer

    class NoPinyin(Analyzer):
        def _han_terms(self, run):
            return (term for term in super()._han_terms(run) if not term.startswith("p:"))

        def units(self, text):
            return [frozenset(t for t in unit if not t.startswith("p:")) for unit in super().units(text)]

    class Jieba(Analyzer):
        """Words from jieba's search mode instead of character bigrams; a word covers its characters."""

        def _han_terms(self, run):
            import jieba

            return ("b:" + word for word in jieba.cut_for_search(run) if word not in STOP_CHARS)

        def units(self, text):
            import re

            import jieba

            out = []
            for run in re.findall(r"[\u3400-\u9fff]+|[a-z0-9]+", text):
                if not ("\u3400" <= run[0] <= "\u9fff"):
                    out.extend(unit for unit in super().units(run))
                    continue
                for word in jieba.cut(run):
                    if word not in STOP_CHARS:
                        out.append(frozenset({"b:" + word}))
            return out

    return {"character bigrams + pinyin (shipped)": None, "character bigrams, no pinyin": NoPinyin,
            "jieba words (search mode)": Jieba}


def compare_tokenizers() -> list[dict]:
    """Ranking quality of each tokenizer on the same queries, BM25 and synonyms (top-1, top-3, MRR)."""
    import json as _json
    import logging

    from supportdesk.help.build import build
    from supportdesk.help.search import HelpIndex
    from supportdesk.help.text import CharTables

    logging.getLogger("jieba").setLevel(logging.ERROR)
    tables = None
    rows = []
    for name, cls in _variants().items():
        analyzer = None
        if cls is not None:
            if tables is None:
                from supportdesk.help.build import CHARDATA_PATH

                tables = CharTables.from_json(_json.loads(CHARDATA_PATH.read_text(encoding="utf-8")))
            analyzer = cls(tables)
        data = build(analyzer)
        report = evaluate(HelpIndex(data, analyzer))
        rows.append({"tokenizer": name, **{k: report[k] for k in ("top1", "top3", "mrr", "answered_correctly",
                                                                   "off_topic_answered")}})
    return rows


def jieba_cold_cost(runs: int = 3) -> float:
    """Seconds to import jieba and segment a first sentence (it loads its dictionary then), median of `runs`."""
    import statistics
    import subprocess
    import sys

    times = [float(subprocess.run([sys.executable, "-c", JIEBA_PROBE], capture_output=True, text=True,
                                  check=True).stdout.split()[-1]) for _ in range(runs)]
    return statistics.median(times)
