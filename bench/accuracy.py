"""Classifier accuracy on data/routed_examples.json: 5-fold holdout (train on 4/5 of the routed
examples, suggest a category for the other 1/5), with the jieba of this environment or of a
Lambda bundle.

    .venv/bin/python bench/accuracy.py                      # the dev venv's jieba
    .venv/bin/python bench/accuracy.py --zip deployment.zip # the bundle's code and jieba, on a
                                                            # boto3-only Python (python -S)

Prints the hits per fold, the total, how many would be routed (confidence at or above the
threshold) and a digest of every suggestion, so two runs can be compared exactly.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDS = 5
THRESHOLD = 0.5


def evaluate(examples_path: str, categories_path: str) -> dict:
    from chalicelib.domain.catalog import load_categories, load_routed_examples
    from chalicelib.domain.classify import Classifier

    categories = load_categories(Path(categories_path))
    examples = load_routed_examples(Path(examples_path))
    hits, routed, digest = [], 0, hashlib.sha256()
    for fold in range(FOLDS):
        train = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        test = [e for i, e in enumerate(examples) if i % FOLDS == fold]
        classifier = Classifier(categories, train)
        fold_hits = 0
        for text, category in test:
            s = classifier.suggest(text)
            fold_hits += s.category == category
            routed += s.category == category and s.confidence >= THRESHOLD
            digest.update(f"{s.category}|{s.confidence:.2f}\n".encode())
        hits.append(fold_hits)
    return {"examples": len(examples), "hits_per_fold": hits, "hits": sum(hits),
            "accuracy": round(sum(hits) / len(examples), 4),
            "right_and_routed": routed, "digest": digest.hexdigest()[:16]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip", type=Path, help="evaluate with this Lambda bundle's code")
    args = parser.parse_args()
    paths = [str(REPO / "data" / "routed_examples.json"), str(REPO / "data" / "categories.json")]
    if args.zip is None:
        sys.path.insert(0, str(REPO))
        result = evaluate(*paths)
    else:
        sys.path.insert(0, str(REPO))
        from scripts import bundle

        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "task"
            with zipfile.ZipFile(args.zip) as z:
                z.extractall(root)
            runtime = bundle.runtime_site(Path(tmp) / "runtime")
            code = (f"import sys, json; sys.path[:0] = [{str(root)!r}, {str(runtime)!r}, "
                    f"{str(REPO / 'bench')!r}]\n"
                    f"import accuracy; print(json.dumps(accuracy.evaluate(*{paths!r})))")
            out = subprocess.run([sys.executable, "-S", "-E", "-c", code], cwd=root, check=True,
                                 capture_output=True, text=True,
                                 env={"PYTHONDONTWRITEBYTECODE": "1"})
            result = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
