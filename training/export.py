"""Ship a trained checkpoint: copy its diffusers-format folder with fp16 weights into the package.

.venv/bin/python training/export.py training/runs/main/final
(writes src/seqsampler/assets/embedded/)
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from diffusers import UNet2DConditionModel
from transformers import CLIPTextModel

from seqsampler.models.embedded import EMBEDDED_DIR


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--out", type=Path, default=EMBEDDED_DIR)
    p.add_argument("--note", default="", help="provenance line for the folder's README")
    args = p.parse_args()
    src, out = args.checkpoint, args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    unet = UNet2DConditionModel.from_pretrained(src / "unet").to(torch.float16)
    unet.save_pretrained(out / "unet", safe_serialization=True)
    text_encoder = CLIPTextModel.from_pretrained(src / "text_encoder").to(torch.float16)
    text_encoder.save_pretrained(out / "text_encoder", safe_serialization=True)
    for part in ("tokenizer", "scheduler"):
        shutil.copytree(src / part, out / part)
    shutil.copy(src / "model_index.json", out / "model_index.json")
    provenance = {"checkpoint": str(src), "note": args.note}
    (out / "provenance.json").write_text(json.dumps(provenance, indent=1) + "\n")
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
