"""Per-feature contributions of a gradient-boosted tree ensemble along each row's decision paths (Saabas'
decomposition): at every split a row passes, the change of the node's value is credited to the split's feature.
Summed over the trees, a row's contributions plus the trees' root values are exactly its raw score.

TreeSHAP (LightGBM's pred_contrib) spreads credit more evenly but costs ~30 µs per row on 2 cores — half a minute
for a million customers; the path decomposition is a leaf lookup and one sparse product, ~100 times cheaper."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

CHUNK_ROWS = 100_000


class PathContributions:
    def __init__(self, booster: Any, feature_count: int) -> None:
        tables, roots = [], []
        for tree in booster.dump_model()["tree_info"]:
            table, root = _leaf_table(tree["tree_structure"], tree["num_leaves"], feature_count)
            tables.append(table)
            roots.append(root)
        self.booster = booster
        self.table = np.vstack(tables)  # every tree's leaves × features, one tree after another
        self.offsets = np.cumsum([0] + [len(table) for table in tables[:-1]])
        self.bias = float(np.sum(roots))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """rows × features: each row's contributions to its raw score."""
        leaves = np.asarray(self.booster.predict(values, pred_leaf=True), dtype=np.int64).reshape(len(values), -1)
        trees = leaves.shape[1]
        result = np.empty((len(values), self.table.shape[1]))
        for start in range(0, len(values), CHUNK_ROWS):
            columns = (leaves[start : start + CHUNK_ROWS] + self.offsets).ravel()
            rows = len(columns) // max(trees, 1)
            passes = sparse.csr_matrix(
                (np.ones(len(columns)), columns, np.arange(0, len(columns) + 1, trees)),
                shape=(rows, len(self.table)),
            )
            result[start : start + rows] = passes @ self.table
        return result


def _leaf_table(root: dict, leaves: int, feature_count: int) -> tuple[np.ndarray, float]:
    """Per leaf of one tree, the contributions of the splits on the way to it; and the tree's root value. A tree
    that could not split is a single leaf (no `leaf_index` then): it contributes its value to every row alike."""
    table = np.zeros((max(leaves, 1), feature_count))
    if _is_leaf(root):
        return table, float(root["leaf_value"])
    stack = [(root, np.zeros(feature_count))]
    while stack:
        node, path = stack.pop()
        for child in (node["left_child"], node["right_child"]):
            child_value = child["leaf_value"] if _is_leaf(child) else child["internal_value"]
            child_path = path.copy()
            child_path[node["split_feature"]] += child_value - node["internal_value"]
            if _is_leaf(child):
                table[child["leaf_index"]] = child_path
            else:
                stack.append((child, child_path))
    return table, float(root["internal_value"])


def _is_leaf(node: dict) -> bool:
    return "left_child" not in node
