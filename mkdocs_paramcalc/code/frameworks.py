"""What pasted code's names mean: the frameworks' modules, as code imports them, and the
functions of theirs that the reader follows. Data only; `evaluate.py` reads it."""

from __future__ import annotations

import re

# Names that code uses without importing them, as tutorials write them.
DEFAULT_NAMES = {
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "torch": "torch",
    "layers": "keras.layers",
    "keras": "keras",
    "tf": "tensorflow",
    "OrderedDict": "collections.OrderedDict",
    "math": "math",
    "dataclass": "dataclasses.dataclass",
    "field": "dataclasses.field",
    "Input": "keras.Input",
}

# A module path as code writes it → as the reader knows it (TensorFlow's Keras is Keras).
_PREFIXES = (
    ("tensorflow.keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras.api.", "keras."),
    ("torch.nn.modules.", "torch.nn."),
)


def canonical(path: str) -> str:
    """`tensorflow.keras.layers.Dense` → `keras.layers.Dense`; `keras.models.Model` → `keras.Model`."""
    for old, new in _PREFIXES:
        if path.startswith(old):
            path = new + path[len(old) :]
    if path == "tensorflow.keras":
        return "keras"
    if path.startswith("keras.models."):
        return "keras." + path[len("keras.models.") :]
    if path in ("keras.layers.Input", "keras.layers.InputLayer"):
        return "keras.Input"
    return path


KERAS_MODELS = ("keras.Sequential", "keras.Model")
# Keras' merge layers and functions: what each merges by, and the class it makes (for its name).
KERAS_MERGES = {
    "keras.layers.Add": ("add", "Add"),
    "keras.layers.add": ("add", "Add"),
    "keras.layers.Concatenate": ("concat", "Concatenate"),
    "keras.layers.concatenate": ("concat", "Concatenate"),
    "keras.layers.Multiply": ("multiply", "Multiply"),
    "keras.layers.multiply": ("multiply", "Multiply"),
}

# torch.nn.functional's functions (and torch's) that are a module applied once: the module, and
# the names of the function's positional arguments after the input, as the module takes them.
_POOL = ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
_AVG = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
_DROP = ("p", "training", "inplace")
FUNCTIONAL: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ("inplace",)),
    "relu6": ("ReLU6", ("inplace",)),
    "elu": ("ELU", ("alpha", "inplace")),
    "selu": ("SELU", ("inplace",)),
    "celu": ("CELU", ("alpha", "inplace")),
    "gelu": ("GELU", ()),
    "silu": ("SiLU", ("inplace",)),
    "mish": ("Mish", ("inplace",)),
    "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "hardswish": ("Hardswish", ("inplace",)),
    "hardsigmoid": ("Hardsigmoid", ("inplace",)),
    "softplus": ("Softplus", ("beta", "threshold")),
    "softsign": ("Softsign", ()),
    "logsigmoid": ("LogSigmoid", ()),
    "leaky_relu": ("LeakyReLU", ("negative_slope", "inplace")),
    "softmax": ("Softmax", ("dim",)),
    "log_softmax": ("LogSoftmax", ("dim",)),
    "softmin": ("Softmin", ("dim",)),
    "max_pool1d": ("MaxPool1d", _POOL),
    "max_pool2d": ("MaxPool2d", _POOL),
    "max_pool3d": ("MaxPool3d", _POOL),
    "avg_pool1d": ("AvgPool1d", _AVG),
    "avg_pool2d": ("AvgPool2d", _AVG),
    "avg_pool3d": ("AvgPool3d", _AVG),
    "adaptive_avg_pool1d": ("AdaptiveAvgPool1d", ("output_size",)),
    "adaptive_avg_pool2d": ("AdaptiveAvgPool2d", ("output_size",)),
    "adaptive_avg_pool3d": ("AdaptiveAvgPool3d", ("output_size",)),
    "adaptive_max_pool1d": ("AdaptiveMaxPool1d", ("output_size", "return_indices")),
    "adaptive_max_pool2d": ("AdaptiveMaxPool2d", ("output_size", "return_indices")),
    "adaptive_max_pool3d": ("AdaptiveMaxPool3d", ("output_size", "return_indices")),
    "dropout": ("Dropout", _DROP),
    "dropout1d": ("Dropout1d", _DROP),
    "dropout2d": ("Dropout2d", _DROP),
    "dropout3d": ("Dropout3d", _DROP),
    "alpha_dropout": ("AlphaDropout", _DROP),
    "pixel_shuffle": ("PixelShuffle", ("upscale_factor",)),
}
# Of those, the ones torch has as torch.<name> (and as a tensor's method, x.relu()).
TORCH_FUNCTIONS = ("relu", "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "max_pool1d", "max_pool2d")
TENSOR_METHODS = ("relu", "sigmoid", "tanh", "softmax", "log_softmax")
# Keywords the functions take that their modules do not: a model in eval mode ignores them.
DROPPED_KEYWORDS = ("training", "_stacklevel", "dtype")

# The modules that hold no parameters: made in __init__ and never used, they change no count.
_PARAMETER_FREE = re.compile(
    r"(Max|Avg|AdaptiveAvg|AdaptiveMax)Pool[123]d|(Alpha)?Dropout[123]?d?|Flatten|Unflatten|Identity|"
    r"ReLU6?|LeakyReLU|R?ELU|SELU|CELU|GELU|SiLU|Mish|Sigmoid|Tanh|Hardswish|Hardsigmoid|Softplus|"
    r"Softsign|LogSigmoid|Tanhshrink|Softmax|Softmin|LogSoftmax|PixelShuffle|PixelUnshuffle|"
    r"ChannelShuffle|Upsample|(Zero|Constant|Reflection|Replication|Circular)Pad[123]d"
)


def parameter_free(kind: str) -> bool:
    """Whether a torch.nn module of this class never holds parameters or buffers."""
    return _PARAMETER_FREE.fullmatch(kind) is not None


# Calls on a model at a page's top level that train, save or show it: read past, never run.
IGNORED_METHODS = (
    "summary",
    "compile",
    "fit",
    "evaluate",
    "predict",
    "save",
    "save_weights",
    "load_weights",
    "load_state_dict",
    "to",
    "cuda",
    "cpu",
    "eval",
    "train",
    "zero_grad",
    "build",
    "plot_model",
)
# A module's methods whose arguments are not even read (a device, a mode): they change no count;
# with requires_grad_, the methods that give the module back: model = Net().to(device).
PLACING_METHODS = ("to", "cuda", "cpu", "eval", "train", "float", "double", "half", "apply")
SELF_METHODS = (*PLACING_METHODS, "requires_grad_")
# Loops over a model's modules or weights (to initialise them): read past, or a freeze.
WEIGHT_WALKS = (
    "modules",
    "named_modules",
    "children",
    "named_children",
    "parameters",
    "named_parameters",
    "buffers",
    "named_buffers",
)
# Calls that set weights' values or the random seed: no count changes, and their arguments are not read.
IGNORED_CALLS = (
    "torch.nn.init.",
    "torch.manual_seed",
    "torch.cuda.manual_seed",
    "keras.utils.set_random_seed",
)

# Decorators of a forward that set how autograd runs it (Llama's @torch.inference_mode()): read
# past, as `with torch.no_grad():` is, their arguments unread.
GRAD_MODES = ("torch.no_grad", "torch.inference_mode", "torch.enable_grad")

# fairscale's model-parallel layers (Meta's Llama writes its model with them), read on one process,
# a world size of 1, where each holds the whole of the torch.nn layer it splits: the layer, and the
# names of its positional arguments as that layer takes them (None: the split's own argument).
_PARALLEL = "fairscale.nn.model_parallel."
_LINEAR = ("in_features", "out_features", "bias", None, None, None, None)
_EMBEDDING = (
    "num_embeddings",
    "embedding_dim",
    "padding_idx",
    "max_norm",
    "norm_type",
    "scale_grad_by_freq",
    "sparse",
    None,
    None,
)
PARALLEL_LAYERS: dict[str, tuple[str, tuple[str | None, ...]]] = {
    _PARALLEL + "layers.ColumnParallelLinear": ("Linear", _LINEAR),
    _PARALLEL + "layers.RowParallelLinear": ("Linear", _LINEAR),
    _PARALLEL + "layers.ParallelEmbedding": ("Embedding", _EMBEDDING),
    _PARALLEL + "layers.VocabParallelEmbedding": (
        "Embedding",
        ("num_embeddings", "embedding_dim", None, None),
    ),
}
# The split's own keywords: how the layer's weights are shared out and initialised. On one
# process they change no count, and they are not read (init_method=lambda x: x is never evaluated).
PARALLEL_KEYWORDS = (
    "gather_output",
    "input_is_parallel",
    "init_method",
    "stride",
    "keep_master_weight_for_test",
)
# fairscale.nn.model_parallel.initialize: the model-parallel world, read as one process.
PARALLEL_WORLD = {
    _PARALLEL + "initialize.get_model_parallel_world_size": 1,
    _PARALLEL + "initialize.get_model_parallel_rank": 0,
}

# torch's functions that make a tensor from tensors made in __init__ (Llama's rotary frequencies,
# precomputed): each keeps the shape of its first argument, as the values change and not the sizes.
SAME_SHAPE = (
    "torch.tril",
    "torch.triu",
    "torch.sin",
    "torch.cos",
    "torch.exp",
    "torch.ones_like",
    "torch.zeros_like",
    "torch.rand_like",
    "torch.randn_like",
    "torch.empty_like",
    "torch.full_like",
    "torch.polar",
    "torch.complex",
)
