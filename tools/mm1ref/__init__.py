"""mm1ref: the PyTorch reference of the MM1 spec, plus pure-Python safetensors I/O."""
from .mm1_torch import (MM1, MM1Config, config_from_dict, generate, load_checkpoint,
                        load_config, load_text_checkpoint, read_weights)
from .safetensors_io import load_file, save_file
