"""The PyTorch dialect: one `_add(...)` a layer, as `torch.nn` names and orders its arguments.

Shapes are channels first, without the batch axis: `Input(1, 28, 28)`. Counts are
`sum(p.numel() for p in module.parameters())`; running statistics are buffers,
reported apart and never counted as parameters.
"""

from __future__ import annotations
