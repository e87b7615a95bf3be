#!/usr/bin/env bash
# Train the shipped embedded model from its seeds, phase after phase (see training/README.md),
# then ship it into the package and measure it. About 81 min on a free 2-core x86_64 CPU.
#   training/reproduce.sh            (from the repository root, after `make setup`)
# Every phase runs on both cores, the UNet in channels-last memory format.
set -euo pipefail
PY=${PY:-.venv/bin/python}
RUNS=${RUNS:-training/runs}
one() { "$PY" training/train.py --threads 2 --channels-last "$@"; }
two() { one --batch 64 "$@"; }
common=(--truncated-snr --text-lr-mult 5)
late=(--min-snr 0 --truncated-snr --offset-noise 0.15)

# 1: from scratch, seed 0, 2 attention heads, 1,100 steps of batch 32.
one --heads 2 --out "$RUNS/main"
# 2: x0-space weights at high noise; 500 of a 1,200-step schedule.
one --init "$RUNS/main/final" --seed 1 --steps 1200 --stop-at 500 --lr 5e-4 --warmup 50 \
    --truncated-snr --out "$RUNS/phase2"
# 3: the text encoder at 5x the learning rate.
one --init "$RUNS/phase2/final" --seed 2 --steps 900 --lr 5e-4 --warmup 50 "${common[@]}" \
    --out "$RUNS/phase3"
# 4: a lower learning rate.
one --init "$RUNS/phase3/final" --seed 3 --steps 450 --lr 3e-4 --warmup 30 "${common[@]}" \
    --save-every 50 --out "$RUNS/phase4"
# 5: batch 64.
two --init "$RUNS/phase4/final" --seed 4 --steps 1000 --lr 3e-4 --warmup 30 "${common[@]}" \
    --out "$RUNS/phase5"
# 6: offset noise, from phase 5 in fp16 (as the first version shipped it).
"$PY" training/export.py "$RUNS/phase5/final" --out "$RUNS/phase5-shipped"
two --init "$RUNS/phase5-shipped" --seed 5 --steps 1800 --lr 3e-4 --warmup 50 "${common[@]}" \
    --offset-noise 0.15 --out "$RUNS/phase6"
# 7: Min-SNR off (more weight on low noise), a third of the learning rate.
two --init "$RUNS/phase6/final" --seed 6 --steps 900 --lr 1e-4 --warmup 30 "${late[@]}" \
    --out "$RUNS/phase7"
# 8: from phase 7 in fp16: phase 7's weighting at batch 32, text lr 5x (less grain).
"$PY" training/export.py "$RUNS/phase7/final" --out "$RUNS/phase7-shipped"
one --init "$RUNS/phase7-shipped" --seed 11 --steps 400 --lr 1e-4 --warmup 20 "${late[@]}" \
    --text-lr-mult 5 --out "$RUNS/phase8"
# 9: keyframe transitions: 30% of one-shape scenes noised from a scene one attribute away.
one --init "$RUNS/phase8/final" --seed 12 --steps 1000 --lr 1e-4 --warmup 20 "${late[@]}" \
    --text-lr-mult 5 --transition-rate 0.3 --save-every 250 --out "$RUNS/phase9"

# Ship (fp16) and measure.
"$PY" training/export.py "$RUNS/phase9/final" --note "phase 9 of training/reproduce.sh"
"$PY" training/evaluate.py --count 64 --seed 0 --threads 2
"$PY" training/evaluate.py --count 64 --seed 1 --threads 2
"$PY" training/motion.py
