"""The learned PHI detector: corpus and split, surrogate augmentation, training, shipped model.

- ``corpus.py``: the PhysioNet deid notes and their patient-level train / tune / test split.
- ``surrogates.py``: re-render notes with random surrogates (training and fresh-test sources).
- ``train.py``: ``python -m privacy.ner.train`` trains the model from scratch on CPU.
- ``model.py``: load the shipped model (package data ``model/``) and find spans with it.
"""
