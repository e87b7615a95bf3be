"""Load a text-to-image diffusion model: the embedded model, a diffusers folder, or an SD checkpoint.

One code path for all: the components (UNet, text encoder(s) and tokenizer(s), VAE or none,
scheduler config) are read, then wrapped in a `LoadedModel` (`loaded_model.py`). The embedded
model is itself a diffusers-style folder (`assets/embedded/`) without a VAE: it works in pixel
space, its latent is the image in [-1, 1], and its tokenizer is the word-level `WordTokenizer`.

Supported: Stable Diffusion 1.x / 2.x (one CLIP encoder, last hidden state) and SDXL (two
encoders, penultimate hidden states concatenated, pooled projection and size `time_ids` passed to
the UNet as `added_cond_kwargs`), eps- or v-prediction read from the scheduler config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ..sampling.sigma_space import SigmaSpace
from .denoiser import PREDICTIONS
from .embedded import EMBEDDED_DIR
from .embedded_net import is_embedded_folder, load_embedded_modules
from .integrity import check_model_files
from .loaded_model import LoadedModel, TextEncoder
from .tokenizer import WordTokenizer

CHECKPOINT_SUFFIXES = (".safetensors", ".ckpt")


def _sigma_space(config: dict[str, Any]) -> SigmaSpace:
    """The schedule in `scheduler_config.json` (scaled_linear or linear betas)."""
    schedule = config.get("beta_schedule", "scaled_linear")
    start, end = config.get("beta_start", 0.00085), config.get("beta_end", 0.012)
    steps = config.get("num_train_timesteps", 1000)
    if schedule == "scaled_linear":
        return SigmaSpace.scaled_linear(start, end, steps)
    if schedule == "linear":
        return SigmaSpace.from_betas(torch.linspace(start, end, steps, dtype=torch.float64))
    raise ValueError(
        f"scheduler beta_schedule must be 'scaled_linear' or 'linear'; got {schedule!r}"
    )


def _prediction(config: dict[str, Any]) -> str:
    prediction = config.get("prediction_type", "epsilon")
    if prediction not in PREDICTIONS:
        raise ValueError(
            f"scheduler prediction_type must be one of {PREDICTIONS}; got {prediction!r}"
        )
    return prediction


def load_tokenizer(folder: Path) -> Any:
    """A tokenizer folder's tokenizer, without any weights: ours (`WordTokenizer`) or CLIP's."""
    if WordTokenizer.is_word_tokenizer(folder):
        return WordTokenizer.load(folder)
    from transformers import CLIPTokenizer

    return CLIPTokenizer.from_pretrained(folder)


def _from_pretrained(cls: Any, folder: Path, device: str | torch.device, dtype: torch.dtype) -> Any:
    """`cls.from_pretrained(folder)` in `dtype` on `device`, in eval mode."""
    if cls.__module__.startswith("diffusers"):
        model = cls.from_pretrained(folder, torch_dtype=dtype, low_cpu_mem_usage=False)
    else:
        model = cls.from_pretrained(folder, dtype=dtype)
    return model.to(device).eval()


def _load_folder(folder: Path, device: str | torch.device, dtype: torch.dtype) -> LoadedModel:
    """A diffusers-format folder (model_index.json, unet/, text_encoder/, tokenizer/, ...); the
    embedded model's own folder is built without diffusers and transformers (`embedded_net`)."""
    index = json.loads((folder / "model_index.json").read_text())
    for part in ("unet", "text_encoder", "tokenizer", "scheduler"):
        if not (folder / part).is_dir():
            raise ValueError(f"model folder {str(folder)!r} has no {part}/ subfolder")
    scheduler_config = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    if is_embedded_folder(folder, index):
        unet, text = load_embedded_modules(folder, device, dtype)
        return LoadedModel(
            unet=unet,
            encoders=[TextEncoder(load_tokenizer(folder / "tokenizer"), text)],
            vae=None,
            prediction=_prediction(scheduler_config),
            sigma_space=_sigma_space(scheduler_config),
            name=folder.name,
        )
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    unet = _from_pretrained(UNet2DConditionModel, folder / "unet", device, dtype)
    is_xl = "text_encoder_2" in index
    encoders = [
        TextEncoder(
            load_tokenizer(folder / "tokenizer"),
            _from_pretrained(CLIPTextModel, folder / "text_encoder", device, dtype),
            penultimate=is_xl,
        )
    ]
    if is_xl:
        encoders.append(
            TextEncoder(
                load_tokenizer(folder / "tokenizer_2"),
                _from_pretrained(
                    CLIPTextModelWithProjection, folder / "text_encoder_2", device, dtype
                ),
                penultimate=True,
            )
        )
    vae = None
    if (folder / "vae").is_dir():
        vae = _from_pretrained(AutoencoderKL, folder / "vae", device, dtype)
    elif unet.config.in_channels != 3:
        raise ValueError(
            f"model folder {str(folder)!r} has no vae/ and its UNet takes "
            f"{unet.config.in_channels} channels; a pixel-space model takes 3"
        )
    return LoadedModel(
        unet=unet,
        encoders=encoders,
        vae=vae,
        prediction=_prediction(scheduler_config),
        sigma_space=_sigma_space(scheduler_config),
        name=folder.name,
        is_xl=is_xl,
    )


def _load_checkpoint(path: Path, device: str | torch.device, dtype: torch.dtype) -> LoadedModel:
    """A single-file SD 1.x / 2.x / XL checkpoint via diffusers' `from_single_file`."""
    from diffusers import StableDiffusionPipeline, StableDiffusionXLPipeline
    from safetensors import safe_open

    is_xl = False
    if path.suffix == ".safetensors":
        with safe_open(str(path), framework="pt") as f:
            is_xl = any(k.startswith("conditioner.embedders.1.") for k in f.keys())  # noqa: SIM118
    cls = StableDiffusionXLPipeline if is_xl else StableDiffusionPipeline
    try:
        pipe = cls.from_single_file(str(path), torch_dtype=dtype)
    except (OSError, ValueError) as err:
        # diffusers fetches the model family's configs from the Hugging Face Hub (or its cache).
        raise ValueError(
            f"model source {str(path)!r}: diffusers could not build a {cls.__name__} from this "
            f"checkpoint ({err}); single files need the model family's configs from the Hugging "
            "Face Hub or its local cache. Offline, pass a diffusers-format folder instead"
        ) from err
    config = dict(pipe.scheduler.config)
    encoders = [TextEncoder(pipe.tokenizer, pipe.text_encoder.to(device).eval(), penultimate=is_xl)]
    if is_xl:
        encoders.append(
            TextEncoder(pipe.tokenizer_2, pipe.text_encoder_2.to(device).eval(), penultimate=True)
        )
    return LoadedModel(
        unet=pipe.unet.to(device).eval(),
        encoders=encoders,
        vae=pipe.vae.to(device).eval(),
        prediction=_prediction(config),
        sigma_space=_sigma_space(config),
        name=path.stem,
        is_xl=is_xl,
    )


def load_model(
    source: str | Path | None = None,
    *,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
) -> LoadedModel:
    """Load the embedded model (None), a diffusers-format folder, or a single SD checkpoint file;
    its files' structure is checked first (`integrity.check_model_files`)."""
    path = EMBEDDED_DIR if source is None else Path(source).expanduser()
    if path.is_dir():
        check_model_files(path)  # ValueError naming a missing or unreadable file
        return _load_folder(path, device, dtype)
    if path.is_file() and path.suffix in CHECKPOINT_SUFFIXES:
        check_model_files(path)
        return _load_checkpoint(path, device, dtype)
    raise ValueError(
        f"model source {str(source)!r} is neither a diffusers-format folder nor a "
        f"{' / '.join(CHECKPOINT_SUFFIXES)} checkpoint file"
    )
