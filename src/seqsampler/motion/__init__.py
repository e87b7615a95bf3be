"""Camera motion: Deforum-style 2D warps, sharpening, and Gaussian-preserving noise warps.

Pure functions on torch, one module each (nothing is imported here, so that `knobs`, which is
pure Python, can be imported without torch):

- `knobs`: the checks of the per-frame knob values (`Knobs`, defined in `planning.camera_knobs`);
- `transform`: the 3x3 float64 matrix of one frame (Deforum's 2D mode) and its latent-grid form;
- `warp`: bilinear warp of [B, C, H, W] by a 3x3 matrix, OpenCV's conventions;
- `noise_warp`: transport of per-frame noise that keeps it i.i.d. standard normal;
- `sharpen`: unsharp mask and contrast.
"""
