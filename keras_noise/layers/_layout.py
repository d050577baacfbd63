"""Element layouts of per-example layers: one example or a batch, stated and never guessed.

A layer whose noise is drawn per example (a band per spectrogram, an SNR per waveform, a dropped
step per sequence) must know which axis is the batch. It states the layouts of one example it
accepts, e.g. ``{2: "(time, frequency)", 3: "(time, frequency, channels)"}``; a batch is the same
with a leading batch axis. An input whose rank fits only one reading is read that way; a rank
that fits both (a `(time, frequency, channels)` example has the rank of a `(batch, time,
frequency)` batch) needs the layer's ``batched=`` argument, and without it is an error naming
both readings. Any other rank is an error listing the accepted layouts.
"""

from __future__ import annotations

from collections.abc import Mapping

from keras_noise._validation import invalid_value


def check_batched(value) -> bool | None:
    """Validates the `batched` constructor argument: None (read from the rank), True or False.

    Examples:
        >>> check_batched(True)
        True
        >>> check_batched("yes")
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `batched`: expected None, True or False. ...batched='yes'
    """
    if value is None or isinstance(value, bool):
        return value
    raise invalid_value("batched", "None, True or False", value)


def batch_layout(layout: str) -> str:
    """`"(time, frequency)"` -> `"(batch, time, frequency)"`."""
    return "(batch, " + layout[1:].replace(",)", ")")


def is_batched(
    layer_name: str,
    shape,
    batched: bool | None,
    example_layouts: Mapping[int, str],
    *,
    extra_axes: bool = False,
) -> bool:
    """Whether an input of `shape` is a batch, by the rule of the module docstring.

    Args:
        layer_name: the layer's name, for errors.
        shape: the input's shape (its rank must be known).
        batched: the layer's `batched` argument.
        example_layouts: the accepted layouts of one example, by rank.
        extra_axes: whether, with an explicit `batched`, an example may have more trailing axes
            than its largest stated layout (e.g. `(time, features...)`).

    Returns:
        True for a batch, False for one example.

    Raises:
        ValueError: for a rank no accepted layout has, or an ambiguous rank without `batched`.
    """
    rank = len(shape)
    ranks = sorted(example_layouts)
    accepted = [example_layouts[r] for r in ranks] + [
        batch_layout(example_layouts[r]) for r in ranks
    ]

    def fits(example_rank: int) -> bool:
        if example_rank in example_layouts:
            return True
        return extra_axes and batched is not None and example_rank > ranks[-1]

    as_example, as_batch = fits(rank), fits(rank - 1)
    if batched is not None:
        if as_batch if batched else as_example:
            return batched
        layouts = [batch_layout(x) if batched else x for x in example_layouts.values()]
        more = " (more trailing axes allowed)" if extra_axes else ""
        what = "a batch" if batched else "one example"
        raise ValueError(
            f"Invalid input shape for layer '{layer_name}': with batched={batched}, expected "
            f"{what}: {' or '.join(layouts)}{more}. Received: shape={tuple(shape)}"
        )
    if as_example and as_batch:
        raise ValueError(
            f"Invalid input shape for layer '{layer_name}': a rank-{rank} input is either one "
            f"example {example_layouts[rank]} or a batch {batch_layout(example_layouts[rank - 1])}"
            "; say which with batched=False or batched=True. Received: shape="
            f"{tuple(shape)}"
        )
    if as_example or as_batch:
        return as_batch
    raise ValueError(
        f"Invalid input shape for layer '{layer_name}': expected {', '.join(accepted)}. "
        f"Received: shape={tuple(shape)}"
    )


class ExampleOrBatch:
    """Mixin of per-example layers that take one example or a batch (the module docstring's rule).

    The layer states `example_layouts` (and `extra_axes`), sets `self.batched` from
    `check_batched` in its constructor, and applies its noise through `_on_batch`. The layout is
    checked at build, and `batched` is part of the config.
    """

    example_layouts: Mapping[int, str] = {}
    extra_axes: bool = False

    def build(self, input_shape):
        self._is_batch(input_shape)
        super().build(input_shape)

    def _is_batch(self, shape) -> bool:
        """Whether an input of `shape` is a batch (raises for a layout the layer does not take)."""
        return is_batched(
            self.name, shape, self.batched, self.example_layouts, extra_axes=self.extra_axes
        )

    def _on_batch(self, inputs, noise_fn):
        """`noise_fn` of the inputs as a batch: one example gets a batch axis, then loses it."""
        single = not self._is_batch(inputs.shape)
        outputs = noise_fn(inputs[None] if single else inputs)
        return outputs[0] if single else outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "batched": self.batched}
