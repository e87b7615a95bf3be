"""`cfg_mode = "once"` in ComfyUI: guidance with one unconditional pass per sampling pass, through
the model's cond-batch hook (`model_options["sampler_calc_cond_batch_function"]`, set with
`ModelPatcher.set_model_sampler_calc_cond_batch_function`).

The relation is the library's (`models.denoiser.OnceGuidance`: StreamDiffusion's residual CFG,
Kodaira et al. 2023, with the uncond noise held): in ComfyUI's sampling space of eps-family
models (eps, v-prediction, EDM, x0: x = x0 + sigma eps, whatever the network predicts), the
first call of a pass with every sigma > 0 evaluates cond and uncond (exactly what "full" gives)
and keeps eps_u = (x_0 - D_u(x_0, s_0)) / s_0; every later call evaluates the cond branch alone
and returns D_u(x_k, s_k) = x_k - s_k eps_u as the uncond prediction, which ComfyUI's
cfg_function then guides with. Flow models (x = (1 - sigma) x0 + sigma eps) are refused: the
relation does not hold in their space. A hook already on the model is chained (called for the
branches that are evaluated). `reset()` before every sampling pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor

CalcCondBatch = Callable[[dict[str, Any]], list[Tensor | None]]
HOOK_KEY = "sampler_calc_cond_batch_function"


class OnceUncond:
    """The cond-batch hook of one-pass guidance; `previous`: the model's own hook, if any."""

    def __init__(self, previous: CalcCondBatch | None = None) -> None:
        self.previous = previous
        self.eps_u: Tensor | None = None

    def reset(self) -> None:
        """A new sampling pass: its first call evaluates both branches again."""
        self.eps_u = None

    def _calc(self, args: dict[str, Any]) -> list[Tensor | None]:
        if self.previous is not None:
            return self.previous(args)
        import comfy.samplers

        return comfy.samplers.calc_cond_batch(
            args["model"], args["conds"], args["input"], args["sigma"], args["model_options"]
        )

    def __call__(self, args: dict[str, Any]) -> list[Tensor | None]:
        cond, uncond = args["conds"]
        if uncond is None:  # cfg 1: ComfyUI skips the uncond branch in either mode
            return self._calc(args)
        x, sigma = args["input"], args["sigma"]
        sigma_ = sigma.reshape(sigma.shape[:1] + (1,) * (x.ndim - 1))
        if self.eps_u is None:
            out = self._calc(args)
            if bool((sigma > 0).all()):
                self.eps_u = (x - out[1]) / sigma_
            return out
        if self.eps_u.shape != x.shape:
            raise ValueError(
                f"cfg_mode once: the pass's uncond estimate has shape {tuple(self.eps_u.shape)}; "
                f"got x of shape {tuple(x.shape)} (reset the hook before every sampling pass)"
            )
        cond_pred = self._calc({**args, "conds": [cond, None]})[0]
        return [cond_pred, x - sigma_ * self.eps_u.to(x)]


def check_eps_family(model: Any) -> None:
    """ValueError naming cfg_mode unless `model` samples in x = x0 + sigma eps (ComfyUI's
    EPS model sampling and its subclasses: V_PREDICTION, EDM, X0)."""
    import comfy.model_sampling

    sampling = model.get_model_object("model_sampling")
    if not isinstance(sampling, comfy.model_sampling.EPS):
        kinds = ", ".join(base.__name__ for base in type(sampling).__mro__[1:-1])
        raise ValueError(
            f"cfg_mode: once needs a model sampled as x = x0 + sigma * eps (eps, v-prediction, "
            f"EDM); this model's sampling is {type(sampling).__name__} ({kinds}), a flow model "
            "or another space where the uncond estimate cannot be carried; accepted: cfg_mode full"
        )


def once_model(model: Any) -> tuple[Any, OnceUncond]:
    """A clone of the ModelPatcher `model` with the one-pass hook (chaining the model's own),
    and the hook (reset it before every sampling pass)."""
    check_eps_family(model)
    clone = model.clone()
    hook = OnceUncond(clone.model_options.get(HOOK_KEY))
    clone.set_model_sampler_calc_cond_batch_function(hook)
    return clone, hook
