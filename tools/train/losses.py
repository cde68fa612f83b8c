"""Training losses: BCE, DeepPSP asymmetric loss, and knowledge distillation (vanilla, multi-level) as in FACTS §2.4/§3.1."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _mean(v: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Mean over all entries, or over the entries whose label is known (mask 1) when a mask is given."""
    if mask is None:
        return v.mean()
    return (v * mask).sum() / mask.sum().clamp(min=1.0)


def bce(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    if mask is None:
        return F.binary_cross_entropy_with_logits(logits, y)
    return _mean(F.binary_cross_entropy_with_logits(logits, y, reduction="none"), mask)


def asymmetric_loss(logits: torch.Tensor, y: torch.Tensor, gamma_pos: float = 0.0, gamma_neg: float = 0.2,
                    margin: float = 0.05, mask: torch.Tensor | None = None) -> torch.Tensor:
    """AsymmetricLoss(implementation="deep-psp"): the focusing term uses the unshifted p; mean over all entries.

    L+ = y·log(max(p, 1e-8))·(1−p)^γ+ ;  L− = (1−y)·log(max(min(1−p+m, 1), 1e-8))·p^γ− ;  loss = −mean(L+ + L−).
    With a mask (1 = label known), the mean runs over the known entries only.
    """
    p = torch.sigmoid(logits)
    lp = y * torch.log(p.clamp(min=1e-8)) * (1 - p).pow(gamma_pos)
    ln = (1 - y) * torch.log((1 - p + margin).clamp(max=1.0).clamp(min=1e-8)) * p.pow(gamma_neg)
    return -_mean(lp + ln, mask)


def kl_t(student: torch.Tensor, teacher: torch.Tensor, T: float) -> torch.Tensor:
    """KL(softmax(t/T) || softmax(s/T)) over classes, KLDivLoss(reduction="batchmean"), no T² factor (as LRH-Net)."""
    return F.kl_div(F.log_softmax(student / T, dim=1), F.softmax(teacher.detach() / T, dim=1), reduction="batchmean")


def vanilla_kd(student, teacher, y, alpha: float = 0.3, T: float = 7.0, base=bce):
    """α·BCE + (1−α)·KL_T(s, t12)."""
    return alpha * base(student, y) + (1 - alpha) * kl_t(student, teacher, T)


def multilevel_kd(student, teacher12, teacher_reduced, y, alpha: float = 0.3, T: float = 7.0,
                  w12: float = 0.6, w_reduced: float = 0.4, base=bce):
    """α·BCE + (1−α)[0.6·KL_T(s, t12) + 0.4·KL_T(s, t_reduced)].

    The same formula serves both MLKD variants of FACTS §2.4; they differ only in the second teacher:
    parallel — t_reduced is a reduced-lead SE-ResNet trained alone (BCE);
    sequential — t_reduced is a reduced-lead SE-ResNet itself distilled from t12 (vanilla KD).
    """
    return alpha * base(student, y) + (1 - alpha) * (w12 * kl_t(student, teacher12, T)
                                                      + w_reduced * kl_t(student, teacher_reduced, T))
