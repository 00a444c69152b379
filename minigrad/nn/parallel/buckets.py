"""Which gradients travel together: PyTorch's bucket assignment for DistributedDataParallel.

One all-reduce per parameter would pay the per-message latency hundreds of
times; one all-reduce of all gradients could start only after the whole
backward pass. DDP cuts the way between: it walks the parameters in the order
their gradients become ready (the reverse of the order they were defined: the
last layer's gradients are computed first) and fills buckets, closing a bucket
once its size reaches the current limit. With PyTorch's default cap the
first bucket's limit is small (1 MiB) so that the first all-reduce starts
early; later ones use 25 MiB. Tensors of different dtypes or devices
go to different buckets, each kind with its own sequence of limits.

This is ``torch.distributed._compute_bucket_assignment_by_size``, rule for rule.
"""
FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed._DEFAULT_FIRST_BUCKET_BYTES


def compute_bucket_assignment_by_size(tensors, bucket_size_limits, tensor_indices=None):
    """Group ``tensors`` into buckets; return ``(bucket_indices, per_bucket_size_limits)``.

    ``tensors`` are taken in the order given. Each bucket holds tensors of one
    (dtype, device); it is closed as soon as its size in bytes reaches its
    limit, and that kind's next bucket gets the next limit in
    ``bucket_size_limits`` (the last one repeats). A bucket lists its tensors
    by ``tensor_indices[i]`` (by i if not given). Buckets still open at the end
    follow the closed ones; without ``tensor_indices`` the buckets are then
    sorted by the smallest index they hold, as in PyTorch.
    """
    if not bucket_size_limits:
        raise ValueError("bucket_size_limits must not be empty")
    labels = list(range(len(tensors))) if tensor_indices is None else list(tensor_indices)
    if len(labels) != len(tensors):
        raise ValueError(f"tensor_indices has {len(labels)} entries for {len(tensors)} tensors")
    result = []
    open_buckets = {}  # (dtype, device) -> [labels, bytes, position of the kind's limit]
    for tensor, label in zip(tensors, labels):
        key = (str(tensor.dtype), str(tensor.device))
        bucket = open_buckets.setdefault(key, [[], 0, 0])
        bucket[0].append(label)
        bucket[1] += tensor.numel() * tensor.dtype.itemsize
        limit = bucket_size_limits[bucket[2]]
        if bucket[1] >= limit:
            result.append((bucket[0], limit))
            next_limit = min(bucket[2] + 1, len(bucket_size_limits) - 1)
            open_buckets[key] = [[], 0, next_limit]
    for labels_in_bucket, _, position in open_buckets.values():
        if labels_in_bucket:
            result.append((labels_in_bucket, bucket_size_limits[position]))
    if tensor_indices is None:
        result.sort(key=lambda bucket: min(bucket[0]))
    return [indices for indices, _ in result], [limit for _, limit in result]
