"""The TensorFlow op types that make a graph random, and a scan of a SavedModel for them.

A SavedModel is noise-free when none of its graphs can draw a random number. Its
`saved_model.pb` holds one MetaGraphDef per tag set; each has a top-level graph and a function
library (every `tf.function` trace, every branch of a `tf.cond`, every loop body). The scan reads
the protobuf directly, without loading the model, so it sees every function, including ones that
no signature reaches.
"""

from __future__ import annotations

import os
from collections import defaultdict

from tensorflow.core.protobuf import saved_model_pb2

#: Op types treated as random. Stateful draws read hidden state (two calls differ); stateless draws
#: are pure functions of a seed, but a seed read from a variable or derived from a counter makes
#: them differ per call, and a serving graph has no business drawing noise either way. The seed
#: plumbing (`RngReadAndSkip`, `StatelessRandomGetKeyCounter`...) is listed too: it only exists
#: to feed draws.
RANDOM_OP_TYPES: frozenset[str] = frozenset(
    {
        # Stateful draws, seeded from the global or op seed (tf.random.* without a seed tensor).
        "RandomUniform",
        "RandomUniformInt",
        "RandomStandardNormal",
        "TruncatedNormal",
        "ParameterizedTruncatedNormal",
        "RandomGamma",
        "RandomPoisson",
        "RandomPoissonV2",
        "RandomShuffle",
        "RandomCrop",
        "Multinomial",
        "RandomIndexShuffle",
        "NonDeterministicInts",
        "SampleDistortedBoundingBox",
        "SampleDistortedBoundingBoxV2",
        "AllCandidateSampler",
        "FixedUnigramCandidateSampler",
        "LearnedUnigramCandidateSampler",
        "LogUniformCandidateSampler",
        "ThreadUnsafeUnigramCandidateSampler",
        "UniformCandidateSampler",
        # Stateful draws from a resource state (tf.random.Generator).
        "StatefulUniform",
        "StatefulUniformInt",
        "StatefulUniformFullInt",
        "StatefulStandardNormal",
        "StatefulStandardNormalV2",
        "StatefulTruncatedNormal",
        "StatefulRandomBinomial",
        # Stateless draws (tf.random.stateless_*, keras.random.*, keras-noise's Philox draws).
        "StatelessRandomUniform",
        "StatelessRandomUniformInt",
        "StatelessRandomUniformFullInt",
        "StatelessRandomNormal",
        "StatelessTruncatedNormal",
        "StatelessRandomUniformV2",
        "StatelessRandomUniformIntV2",
        "StatelessRandomUniformFullIntV2",
        "StatelessRandomNormalV2",
        "StatelessTruncatedNormalV2",
        "StatelessParameterizedTruncatedNormal",
        "StatelessRandomBinomial",
        "StatelessRandomGammaV2",
        "StatelessRandomGammaV3",
        "StatelessRandomPoisson",
        "StatelessMultinomial",
        "StatelessShuffle",
        "StatelessSampleDistortedBoundingBox",
        # Seed and state plumbing that only exists to feed draws.
        "RngReadAndSkip",
        "RngSkip",
        "StatelessRandomGetKeyCounter",
        "StatelessRandomGetKeyCounterAlg",
        "StatelessRandomGetAlg",
        "AnonymousSeedGenerator",
        "AnonymousRandomSeedGenerator",
        "DummySeedGenerator",
        # XLA's random bit generator (jit-compiled draws).
        "XlaRngBitGenerator",
    }
)


def read_saved_model_proto(path: str | os.PathLike) -> saved_model_pb2.SavedModel:
    """Parses `<path>/saved_model.pb`.

    Raises:
        ValueError: if the folder holds no `saved_model.pb` or the file is not a SavedModel.
    """
    file = os.path.join(os.fspath(path), "saved_model.pb")
    proto = saved_model_pb2.SavedModel()
    try:
        with open(file, "rb") as stream:
            proto.ParseFromString(stream.read())
    except FileNotFoundError:
        raise ValueError(
            f"Invalid value for `path`: expected a SavedModel folder (one holding "
            f"saved_model.pb). Received: path={os.fspath(path)!r}"
        ) from None
    except Exception as error:  # A protobuf DecodeError, or an unreadable file.
        raise ValueError(
            f"Invalid value for `path`: expected a SavedModel folder, but its saved_model.pb "
            f"could not be parsed ({type(error).__name__}: {error}). "
            f"Received: path={os.fspath(path)!r}"
        ) from error
    if not proto.meta_graphs:
        raise ValueError(
            "Invalid value for `path`: expected a SavedModel folder, but its saved_model.pb "
            f"holds no graph. Received: path={os.fspath(path)!r}"
        )
    return proto


def find_random_ops(
    path: str | os.PathLike, op_types: frozenset[str] = RANDOM_OP_TYPES
) -> dict[str, tuple[str, ...]]:
    """Lists the random ops of every graph and function of a SavedModel.

    Args:
        path: the SavedModel folder.
        op_types: the op types to look for (default: `RANDOM_OP_TYPES`).

    Returns:
        A dict from each random op type found to the sorted places where it occurs, as
        ``"<function name>/<node name>"`` (``"<graph>/<node name>"`` for top-level nodes); empty
        when the SavedModel is noise-free.

    Raises:
        ValueError: if `path` is not a SavedModel folder.

    Examples:
        >>> import keras, tempfile
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> folder = tempfile.mkdtemp()
        >>> model.export(folder, verbose=False)
        >>> find_random_ops(folder)
        {}
    """
    proto = read_saved_model_proto(path)
    found: dict[str, set[str]] = defaultdict(set)
    for meta_graph in proto.meta_graphs:
        graph = meta_graph.graph_def
        for node in graph.node:
            if node.op in op_types:
                found[node.op].add(f"<graph>/{node.name}")
        for function in graph.library.function:
            for node in function.node_def:
                if node.op in op_types:
                    found[node.op].add(f"{function.signature.name}/{node.name}")
    return {op: tuple(sorted(places)) for op, places in sorted(found.items())}
