"""``mg.manual_seed``: one seed for every backend's random generator."""
from .backend import set_global_seed


def manual_seed(seed):
    """Seed the generator of every device (CPU, and each GPU as it is used)."""
    set_global_seed(int(seed))
