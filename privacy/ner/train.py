"""Train the shipped PHI model from scratch on CPU: ``python -m privacy.ner.train``.

Reads the ``train`` patients of the PhysioNet deid corpus (:mod:`privacy.ner.corpus`; never
``tune`` or ``test``), re-renders every note with gold PHI many times with training surrogates
(:mod:`privacy.ner.surrogates`), and trains a spaCy NER (blank English, a small CNN tok2vec
over NORM / PREFIX / SUFFIX / SHAPE hash embeddings, transition-based NER) for a fixed number
of epochs with fixed seeds. After each epoch the model is scored on the ``tune`` notes (token
level, model alone) and the best epoch is written to ``privacy/ner/model/``, the package data
that :mod:`privacy.ner.model` loads. CI never trains; the command is for maintainers:

    nice -n 10 python -m privacy.ner.train            # ~20-30 min on 2 cores
    nice -n 10 python -m privacy.ner.train --quick    # a few minutes, for a smoke test
"""

from __future__ import annotations

import argparse
import importlib.resources
import logging
import random
import re
import shutil
import sys
import time
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import compounding, fix_random_seed, minibatch

from privacy.ner.corpus import LABELS, GoldNote, read_gold_notes
from privacy.ner.surrogates import Renderer, gold_phrases, training_sources

__all__ = ["build_pipeline", "main", "training_docs"]

logger = logging.getLogger(__name__)

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
"""Where a checkout's sibling ``shared/data`` folder holds the corpus (override with --data)."""
CORPUS = "physionet_deid_nursing_notes"
SEED = 14
KEEP_ORIGINAL = 0.25
"""Share of gold phrases a training render leaves as the note has them (the corpus's own
surrogates, train patients only), so the formats of real notes keep their weight."""

_TOKEN = re.compile(r"[A-Za-z0-9]+")


def build_pipeline(width: int, depth: int, rows: int, pieces: int = 2) -> Language:
    """A blank English pipeline with a small tok2vec and an NER over :data:`LABELS`."""
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "tok2vec",
        config={
            "model": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": width,
                    "attrs": ["NORM", "PREFIX", "SUFFIX", "SHAPE"],
                    "rows": [rows, rows // 2, rows // 2, rows // 4],
                    "include_static_vectors": False,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": width,
                    "depth": depth,
                    "window_size": 1,
                    "maxout_pieces": pieces,
                },
            }
        },
    )
    ner = nlp.add_pipe(
        "ner",
        config={
            "model": {
                "@architectures": "spacy.TransitionBasedParser.v2",
                "state_type": "ner",
                "extra_state_tokens": False,
                "hidden_width": 64,
                "maxout_pieces": 2,
                "use_upper": True,
                "tok2vec": {
                    "@architectures": "spacy.Tok2VecListener.v1",
                    "width": width,
                    "upstream": "*",
                },
            }
        },
    )
    for label in LABELS:
        ner.add_label(label)
    return nlp


def _window(text: str, spans: list, context_lines: int) -> list[tuple[str, list]]:
    """The runs of lines holding spans (with ``context_lines`` around), spans re-based."""
    starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    ends = [*(s - 1 for s in starts[1:]), len(text)]
    keep: set[int] = set()
    for start, end, _ in spans:
        for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
            if a <= end and start <= b:
                keep.update(range(i - context_lines, i + context_lines + 1))
    out: list[tuple[str, list]] = []
    run: list[int] = []
    for i in [*sorted(k for k in keep if 0 <= k < len(starts)), None]:
        if run and (i is None or i != run[-1] + 1):
            a, b = starts[run[0]], ends[run[-1]]
            inside = [(s - a, e - a, lab) for s, e, lab in spans if a <= s and e <= b]
            out.append((text[a:b], inside))
            run = []
        if i is not None:
            run.append(i)
    return out


_WORD = re.compile(r"\S+")


def _noise(text: str, spans: list, rng: random.Random, pool: list[str], rate: float) -> tuple:
    """Replace a share ``rate`` of the words outside spans by random words of the notes.

    The same lines come back in every render; swapping some of their words for others keeps
    the model from learning the lines by heart rather than the cues next to a span.
    """
    if rate <= 0:
        return text, spans
    pieces, shifts, cursor, shift = [], [], 0, 0
    for m in _WORD.finditer(text):
        s, e = m.span()
        if rng.random() >= rate or any(a < e and s < b for a, b, _ in spans):
            continue
        word = rng.choice(pool)
        pieces.append(text[cursor:s] + word)
        shift += len(word) - (e - s)
        shifts.append((e, shift))
        cursor = e
    pieces.append(text[cursor:])

    def moved(offset: int) -> int:
        return offset + next((d for end, d in reversed(shifts) if end <= offset), 0)

    return "".join(pieces), [(moved(a), moved(b), lab) for a, b, lab in spans]


def training_docs(
    notes: list[GoldNote], renders: int, seed: int, noise: float = 0.0
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Texts and spans to train on: every note once, its PHI lines ``renders`` times more."""
    renderer = Renderer(training_sources(), seed, keep_original=KEEP_ORIGINAL)
    rng = random.Random(seed)
    pool = [
        w
        for note in notes
        for w in _WORD.findall(note.text)
        if not any(c.isdigit() for c in w) and len(w) > 1
    ]
    docs: list[tuple[str, list]] = []
    for note in notes:
        phrases = gold_phrases(note.text, note.gold)
        docs.append(renderer.render(note.text, phrases))
        if not phrases:
            continue
        for _ in range(renders):
            text, spans = renderer.render(note.text, phrases)
            for window in _window(text, spans, context_lines=1):
                docs.append(_noise(*window, rng, pool, noise))
    return docs


def _examples(nlp: Language, docs: list[tuple[str, list]]) -> list[Example]:
    out: list[Example] = []
    for text, spans in docs:
        doc = nlp.make_doc(text)
        ents, taken = [], set()
        for start, end, label in spans:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is None or any(t.i in taken for t in span):
                continue
            taken.update(t.i for t in span)
            ents.append(span)
        entities = [(s.start_char, s.end_char, s.label_) for s in ents]
        out.append(Example.from_dict(doc, {"entities": entities}))
    return out


def score_tokens(nlp: Language, notes: list[GoldNote]) -> tuple[float, float]:
    """Token-level recall and precision of the model alone on ``notes`` (dev figures)."""
    gold_n = found = predicted = correct = 0
    texts = [n.text for n in notes]
    for note, doc in zip(notes, nlp.pipe(texts, batch_size=64), strict=True):
        phrases = gold_phrases(note.text, note.gold)
        pred = [(e.start_char, e.end_char) for e in doc.ents]
        for m in _TOKEN.finditer(note.text):
            s, e = m.span()
            is_gold = any(gs < e and s < ge for gs, ge, _ in phrases)
            hit = any(ps < e and s < pe for ps, pe in pred)
            gold_n += is_gold
            found += is_gold and hit
            predicted += hit
            correct += hit and is_gold
    return found / max(gold_n, 1), correct / max(predicted, 1)


def main(argv: list[str] | None = None) -> None:
    """Train, score on tune after each epoch, and write the best epoch's model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=None, help="default: privacy/ner/model")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--renders", type=int, default=15, help="surrogate renders per note")
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--pieces", type=int, default=2, help="maxout pieces of the CNN")
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--dropout", type=float, default=0.3)
    parser.add_argument("--noise", type=float, default=0.1, help="words swapped per render")
    parser.add_argument("--quick", action="store_true", help="3 epochs, 5 renders: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.renders = 3, 5
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    fix_random_seed(SEED)
    rng = random.Random(SEED)
    folder = args.data / CORPUS
    train, tune = read_gold_notes(folder, "train"), read_gold_notes(folder, "tune")
    docs = training_docs(train, args.renders, SEED, args.noise)
    nlp = build_pipeline(args.width, args.depth, args.rows, args.pieces)
    examples = _examples(nlp, docs)
    words = sum(len(e.reference) for e in examples)
    logger.info("%d training docs, %d tokens; %.0fs", len(examples), words,
                time.perf_counter() - started)  # fmt: skip
    optimizer = nlp.initialize(lambda: examples[:500])
    out = args.out or Path(str(importlib.resources.files("privacy.ner") / "model"))
    best = -1.0
    for epoch in range(args.epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(16.0, 64.0, 1.001)):
            nlp.update(batch, sgd=optimizer, drop=args.dropout, losses=losses)
        with nlp.use_params(optimizer.averages):
            recall, precision = score_tokens(nlp, tune)
            f2 = 5 * precision * recall / (4 * precision + recall) if recall + precision else 0.0
            logger.info("epoch %d: loss %.0f, tune (dev) recall %.3f precision %.3f F2 %.3f; %.0fs",
                        epoch + 1, losses.get("ner", 0.0), recall, precision, f2,
                        time.perf_counter() - started)  # fmt: skip
            if f2 > best:
                best = f2
                if out.exists():
                    shutil.rmtree(out)
                nlp.meta["name"] = "shareable_phi"
                nlp.meta["version"] = "0.1.0"
                nlp.meta["description"] = (
                    "PHI NER trained from scratch on the train patients of the PhysioNet deid "
                    "corpus with surrogate augmentation (privacy/ner/train.py)"
                )
                nlp.to_disk(out)
    logger.info("best tune F2 %.3f; model in %s; %.0fs in all", best, out,
                time.perf_counter() - started)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
