"""Evaluates implicit's CosineRecommender on a split saved by
`emporium recommendations evaluate --save-split DIR`, with the same metrics computed
the same way as emporium_recommend::eval, and prints one Markdown table row.

    python implicit_eval.py SPLIT_DIR K
"""

import csv
import math
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import CosineRecommender

TOP = 10
# implicit notes that it converts its own normalised matrix to CSR; not our input.
warnings.filterwarnings("ignore", message="Method expects CSR input")


def read_pairs(path):
    with open(path, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        return [(u, i) for u, i in rows]


def main():
    split_dir, k = sys.argv[1], int(sys.argv[2])
    train = read_pairs(f"{split_dir}/train.tsv")
    test_pairs = read_pairs(f"{split_dir}/test.tsv")
    users = {u: n for n, u in enumerate(sorted({u for u, _ in train}))}
    items = {i: n for n, i in enumerate(sorted({i for _, i in train}))}
    rows = np.array([users[u] for u, _ in train])
    cols = np.array([items[i] for _, i in train])
    user_items = sp.csr_matrix(
        (np.ones(len(train), dtype=np.float32), (rows, cols)), shape=(len(users), len(items))
    )
    test = {}
    for u, i in test_pairs:
        test.setdefault(u, set()).add(i)

    started = time.perf_counter()
    model = CosineRecommender(K=k)
    model.fit(user_items, show_progress=False)
    fit = time.perf_counter() - started

    names = {n: i for i, n in items.items()}
    evaluated = sorted(test)
    ids = np.array([users[u] for u in evaluated])
    started = time.perf_counter()
    recommended, scores = model.recommend(
        ids, user_items[ids], N=TOP, filter_already_liked_items=True
    )
    serve = time.perf_counter() - started

    hit = precision = ndcg = 0.0
    shown = set()
    for row, u in enumerate(evaluated):
        relevant = test[u]
        listed = [
            names[int(i)]
            for i, s in zip(recommended[row], scores[row])
            if i >= 0 and np.isfinite(s)
        ][:TOP]
        shown.update(listed)
        hits = [r for r, i in enumerate(listed) if i in relevant]
        hit += 1.0 if hits else 0.0
        precision += len(hits) / TOP
        dcg = sum(1.0 / math.log2(r + 2) for r in hits)
        ideal = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), TOP)))
        ndcg += dcg / ideal if ideal > 0 else 0.0
    n = max(len(evaluated), 1)
    print(
        f"| implicit 0.7.3 CosineRecommender, K={k} | {hit / n:.4f} | {precision / n:.4f} "
        f"| {ndcg / n:.4f} | {len(shown) / len(items):.4f} | {fit:.3f} s "
        f"| {serve / n * 1e6:.1f} µs (batch) |"
    )


if __name__ == "__main__":
    main()
