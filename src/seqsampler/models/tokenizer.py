"""A word-level tokenizer for the embedded model (a fixed vocabulary saved as `vocab.json`).

Lower-cases, drops commas and full stops, splits on whitespace; wraps the ids in `<bos>` ...
`<eos>` and pads with `<eos>` to `max_length`, as Stable Diffusion's CLIP tokenizer pads. A word
outside the vocabulary, or more words than fit, is the tokenizer's `problem(text)` (the CLI
checks prompts with it before loading any model); encoding raises it as a `ValueError`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import Tensor

from ..planning.messages import short_repr, short_text

BOS = "<bos>"
EOS = "<eos>"
VOCAB_FILE = "vocab.json"
CONFIG_FILE = "tokenizer_config.json"
TOKENIZER_CLASS = "SeqSamplerWordTokenizer"


class WordTokenizer:
    """Maps a prompt to ids [B, max_length] over a closed word vocabulary."""

    def __init__(self, vocab: dict[str, int], max_length: int) -> None:
        if BOS not in vocab or EOS not in vocab:
            raise ValueError(f"vocab must contain {BOS!r} and {EOS!r}; got {sorted(vocab)[:10]}")
        self.vocab = dict(vocab)
        self.max_length = max_length
        self.bos_id = vocab[BOS]
        self.eos_id = vocab[EOS]

    @classmethod
    def from_words(cls, words: list[str] | tuple[str, ...], max_length: int) -> WordTokenizer:
        """`<bos>` = 0, `<eos>` = 1, then the words in order."""
        return cls({BOS: 0, EOS: 1, **{w: i + 2 for i, w in enumerate(words)}}, max_length)

    @property
    def words(self) -> list[str]:
        """The prompt words the model knows, in id order."""
        return [w for w in sorted(self.vocab, key=self.vocab.__getitem__) if w not in (BOS, EOS)]

    def split(self, text: str) -> list[str]:
        """Lower-case words of `text` (commas and full stops dropped)."""
        return re.sub(r"[,.]", " ", text.lower()).split()

    def problem(self, text: str) -> str | None:
        """What keeps `text` from being encoded, or None: words outside the vocabulary (each
        named once, in order) or more words than fit between `<bos>` and `<eos>`."""
        words = self.split(text)
        unknown = list(dict.fromkeys(w for w in words if w not in self.vocab or w in (BOS, EOS)))
        if unknown:
            return (
                f"has words the embedded model does not know ({short_text(', '.join(unknown))}); "
                f"accepted words: {' '.join(self.words)}"
            )
        if len(words) + 2 > self.max_length:
            return (
                f"has {len(words)} words; accepted: at most {self.max_length - 2} words (the "
                "embedded model's prompt length)"
            )
        return None

    def __call__(self, texts: str | list[str]) -> Tensor:
        """Token ids, int64 [B, max_length]; ValueError naming a prompt's `problem`."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        rows = []
        for text in texts:
            problem = self.problem(text)
            if problem is not None:
                raise ValueError(f"prompt {short_repr(text)} {problem}")
            words = self.split(text)
            ids = [self.bos_id, *(self.vocab[w] for w in words), self.eos_id]
            rows.append(ids + [self.eos_id] * (self.max_length - len(ids)))
        import torch  # here only: checking a prompt's words needs no torch (`seqsampler plan`)

        return torch.tensor(rows, dtype=torch.long)

    def save(self, folder: str | Path) -> None:
        """Write `vocab.json` and `tokenizer_config.json` into `folder`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / VOCAB_FILE).write_text(json.dumps(self.vocab, indent=1) + "\n")
        config = {"tokenizer_class": TOKENIZER_CLASS, "model_max_length": self.max_length}
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> WordTokenizer:
        """Read a folder written by `save`."""
        folder = Path(folder)
        config = json.loads((folder / CONFIG_FILE).read_text())
        vocab = json.loads((folder / VOCAB_FILE).read_text())
        return cls(vocab, int(config["model_max_length"]))

    @staticmethod
    def is_word_tokenizer(folder: str | Path) -> bool:
        """True when `folder` holds this tokenizer (its config names TOKENIZER_CLASS)."""
        path = Path(folder) / CONFIG_FILE
        if not path.is_file():
            return False
        return json.loads(path.read_text()).get("tokenizer_class") == TOKENIZER_CLASS
