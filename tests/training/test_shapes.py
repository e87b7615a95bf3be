"""The embedded model's procedural data, its word tokenizer, and the adherence measurer."""

from __future__ import annotations

from dataclasses import replace

import adherence
import grain
import numpy as np
import pytest
import shapes

from seqsampler.models import embedded
from seqsampler.models.tokenizer import WordTokenizer
from seqsampler.models.vocabulary import VOCABULARY


def test_batches_are_deterministic_from_the_seed():
    a_images, a_captions = shapes.make_batch(np.random.default_rng(7), 16)
    b_images, b_captions = shapes.make_batch(np.random.default_rng(7), 16)
    c_images, _ = shapes.make_batch(np.random.default_rng(8), 16)
    assert a_images.shape == (16, 32, 32, 3) and a_images.dtype == np.uint8
    assert np.array_equal(a_images, b_images) and a_captions == b_captions
    assert not np.array_equal(a_images, c_images)


def test_captions_follow_the_grammar_and_fit_the_tokenizer():
    rng = np.random.default_rng(0)
    tok = embedded.tokenizer()
    scenes = [shapes.sample_scene(rng) for _ in range(500)]
    texts = [shapes.caption(s) for s in scenes]
    assert any(" and " in t for t in texts) and any(len(s.items) == 1 for s in scenes)
    assert shapes.caption(shapes.Scene("blue", (shapes.Item("red", "circle", "big", "left"),))) == (
        "a big red circle on the left, blue background"
    )
    ids = tok(texts)
    assert ids.shape == (500, embedded.MAX_TOKENS)
    words = {w for t in texts for w in tok.split(t)}
    assert words == set(VOCABULARY)


def test_tokenizer_pads_with_eos_and_round_trips(tmp_path):
    tok = embedded.tokenizer()
    ids = tok("A big red circle, blue background.")[0].tolist()
    assert ids[0] == tok.bos_id and ids[7] == tok.eos_id
    assert ids[8:] == [tok.eos_id] * (embedded.MAX_TOKENS - 8)
    assert tok("")[0].tolist() == [tok.bos_id] + [tok.eos_id] * (embedded.MAX_TOKENS - 1)
    tok.save(tmp_path)
    assert WordTokenizer.is_word_tokenizer(tmp_path)
    again = WordTokenizer.load(tmp_path)
    assert again.vocab == tok.vocab and again.max_length == tok.max_length


def test_unknown_words_name_themselves_and_list_the_vocabulary():
    tok = embedded.tokenizer()
    with pytest.raises(ValueError) as info:
        tok("a big orange dog on the left")
    message = str(info.value)
    assert "(orange, dog)" in message
    for word in VOCABULARY:
        assert word in message.split("accepted words:")[1].split()
    with pytest.raises(ValueError, match="<eos>"):
        tok("a <eos>")
    with pytest.raises(ValueError, match="at most 22"):
        tok(" ".join(["red"] * 23))


def test_measurer_reads_ground_truth_scenes_exactly():
    rng = np.random.default_rng(1)
    scenes = []
    while len(scenes) < 200:
        scene = shapes.sample_scene(rng)
        if len(scene.items) == 1:
            scenes.append(scene)
    images = np.stack([shapes.render(s) for s in scenes])
    assert adherence.score(scenes, images) == dict.fromkeys(adherence.ATTRIBUTES, 1.0)


def test_measurer_reports_no_shape_on_a_flat_image():
    flat = np.full((32, 32, 3), shapes.COLOURS["green"], dtype=np.uint8)
    assert adherence.measure(flat) == adherence.Measurement("green")


def test_prompt_scenes_cover_every_shape_size_and_position():
    scenes = adherence.prompt_scenes(0, 30)
    items = [s.items[0] for s in scenes]
    assert {i.shape for i in items} == set(shapes.SHAPES)
    assert {i.size for i in items} == set(shapes.SIZES)
    assert {i.position for i in items} == set(shapes.POSITIONS)
    assert all(i.colour != s.background for i, s in zip(items, scenes, strict=True))


def test_pair_measurer_reads_ground_truth_two_shape_scenes_exactly():
    scenes = adherence.pair_scenes(3, 40)
    assert {frozenset(i.position for i in s.items) for s in scenes} == {
        frozenset(p) for p in shapes.OPPOSITE_PAIRS
    }
    images = np.stack([shapes.render(s) for s in scenes])
    assert adherence.score_pairs(scenes, images) == dict.fromkeys(
        ("colour", "shape", "position", "background"), 1.0
    )
    # The two items swapped: each half holds a shape at its named position, but the other
    # item's; colour and position miss for every item with a colour the other lacks.
    swapped = [s for s in scenes if s.items[0].colour != s.items[1].colour]
    drawn = np.stack([
        shapes.render(shapes.Scene(s.background, tuple(
            replace(item, position=other.position) for item, other in zip(s.items, s.items[::-1], strict=True)
        )))
        for s in swapped
    ])  # fmt: skip
    assert len(swapped) >= 30
    scores = adherence.score_pairs(swapped, drawn)
    assert scores["position"] == scores["colour"] == 0.0 and scores["background"] == 1.0
    # One shape painted over with the background: its item reads as missing, the other stays.
    scene = adherence.pair_scenes(0, 1)[0]
    image = shapes.render(scene)
    first = scene.items[0].position
    blank = shapes.render(shapes.Scene(scene.background, (scene.items[1],)))
    axis = "left-right" if first in ("left", "right") else "top-bottom"
    halves = adherence.measure_halves(blank, axis)
    order = axis.split("-")
    assert halves[order.index(first)].shape is None
    assert (
        halves[1 - order.index(first)]
        == adherence.measure_halves(image, axis)[1 - order.index(first)]
    )


def test_centroid_finds_the_shape_and_nothing_on_a_flat_image():
    scene = shapes.Scene("blue", (shapes.Item("red", "square", "big", "right"),))
    x, y = adherence.centroid(shapes.render(scene))
    assert (
        abs(x - shapes.POSITIONS["right"][0]) < 0.5 and abs(y - shapes.POSITIONS["right"][1]) < 0.5
    )
    assert adherence.centroid(np.full((32, 32, 3), 100, dtype=np.uint8)) is None


def test_grain_is_zero_on_clean_scenes_and_reads_added_noise():
    scenes = adherence.prompt_scenes(2, 12)
    clean = np.stack([shapes.render(s) for s in scenes])
    assert grain.background_grain(clean, scenes).max() < 0.5
    # White noise of std s in 0..255 units: the high-pass residual (image minus its Gaussian blur,
    # sigma 1 px) keeps sqrt(1 - 2 k + sum k^2) of it, k the blur's centre weight etc.; measured
    # on a flat field that is 0.81 s, so 8/255 of noise reads as about 6.5.
    rng = np.random.default_rng(0)
    noisy = np.clip(clean + rng.normal(0, 8.0, clean.shape), 0, 255).round().astype(np.uint8)
    measured = grain.background_grain(noisy, scenes)
    flat = grain.high_pass(rng.normal(0, 8.0, (256, 256, 3)))
    expected = float(np.sqrt((flat**2).mean()))
    assert 0.7 * 8.0 < expected < 0.9 * 8.0
    assert np.allclose(measured, expected, rtol=0.15), (measured, expected)


def _scenes_of(rng: np.random.Generator, items: int, draws: int):
    """The scenes with `items` shapes among `draws` random ones."""
    for _ in range(draws):
        scene = shapes.sample_scene(rng)
        if len(scene.items) == items:
            yield scene


def test_a_changed_scene_differs_in_one_attribute_and_keeps_the_jitter():
    rng = np.random.default_rng(4)
    seen = set()
    for scene in _scenes_of(rng, 1, 300):
        source = shapes.changed(scene, rng)
        (a,), (b,) = scene.items, source.items
        differs = {
            name for name in ("colour", "shape", "size", "position") if getattr(a, name) != getattr(b, name)
        } | ({"background"} if scene.background != source.background else set())  # fmt: skip
        assert len(differs) == 1, (scene, source)
        seen |= differs
        assert (a.offset, a.scale, a.tint) == (b.offset, b.scale, b.tint)
        assert b.colour != source.background and not source.omit
    assert seen == set(shapes.TRANSITION_WEIGHTS)


def test_transition_batches_pair_each_target_with_a_source_measured_one_attribute_apart():
    a = shapes.make_transition_batch(np.random.default_rng(5), 64, 1.0)
    b = shapes.make_transition_batch(np.random.default_rng(5), 64, 1.0)
    assert all(np.array_equal(x, y) for x, y in zip(a[:2], b[:2], strict=True)) and a[2] == b[2]
    targets, sources, captions = a
    assert targets.shape == sources.shape == (64, 32, 32, 3)
    pairs = [" and " in c for c in captions]
    assert 0 < sum(pairs) < 64
    for target, source, text, pair in zip(targets, sources, captions, pairs, strict=True):
        if pair:  # two-shape scenes are never changed
            assert np.array_equal(target, source)
            continue
        # Rate 1: every one-shape target names all its attributes and its source reads
        # differently in exactly one of them.
        assert set(text.split()) & set(shapes.SIZES) and text.endswith(" background")
        assert any(phrase in text for phrase in shapes.POSITION_PHRASES.values())
        want, got = adherence.measure(target), adherence.measure(source)
        names = ("colour", "shape", "size", "position", "background")
        assert sum(getattr(want, n) != getattr(got, n) for n in names) == 1, text
    unchanged = shapes.make_transition_batch(np.random.default_rng(5), 16, 0.0)
    assert np.array_equal(unchanged[0], unchanged[1])


def test_pair_transitions_bind_the_source_wrongly_and_leave_the_rest_as_before():
    rng = np.random.default_rng(6)
    kinds = set()
    for scene in _scenes_of(rng, 2, 400):
        source = shapes.misbound(scene, rng)
        (a1, a2), (b1, b2) = scene.items, source.items
        if (b1.position, b2.position) == (a2.position, a1.position):
            kinds.add("swapped")
            assert (b1.colour, b2.colour) == (a1.colour, a2.colour)
        else:
            kinds.add("one colour")
            assert b1 == a1 and b2.colour == a1.colour and b2.position == a2.position
        assert source.background == scene.background
    assert kinds == {"swapped", "one colour"}
    # Rate 0 for one shape, 1 for two: only the two-shape scenes get a source of their own.
    targets, sources, captions = shapes.make_transition_batch(
        np.random.default_rng(9), 64, 0.0, 1.0
    )
    pairs = [" and " in c for c in captions]
    same = [np.array_equal(t, s) for t, s in zip(targets, sources, strict=True)]
    assert all(same[i] for i in range(64) if not pairs[i])
    assert sum(not same[i] for i in range(64) if pairs[i]) >= 0.8 * sum(pairs) > 0


def test_free_rate_zero_draws_exactly_the_scenes_of_the_phases_before_it():
    # Phases 1-9 reproduce byte for byte only if free layout costs no draw when it is off.
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    assert [shapes.sample_scene(a) for _ in range(300)] == [
        shapes.sample_scene(b, 0.0) for _ in range(300)
    ]
    assert a.random() == b.random()


def test_free_scenes_lie_anywhere_at_any_size_and_their_captions_name_neither():
    rng = np.random.default_rng(10)
    scenes = [shapes.sample_scene(rng, 1.0) for _ in range(600)]
    free = [s for s in scenes if s.free]
    assert all(len(s.items) == 1 for s in free) and len(free) == 600 - sum(
        len(s.items) == 2 for s in scenes
    )
    extents, offsets, angles = [], [], []
    for scene in free:
        (item,) = scene.items
        words = set(shapes.caption(scene).replace(",", "").split())
        assert not words & set(shapes.SIZES) and "on" not in words and "at" not in words
        assert {item.colour, item.shape} <= words
        extents.append(shapes.SIZES[item.size] * item.scale)
        offsets += item.offset
        angles.append(item.angle)
    low, high = shapes.FREE_HALF_EXTENT
    assert low <= min(extents) < 3.5 and 19 < max(extents) <= high  # past the frame's half
    assert max(np.abs(offsets)) <= shapes.FREE_OFFSET and np.std(offsets) > 6
    assert max(np.abs(angles)) <= shapes.FREE_ANGLE and np.std(angles) > 10


def test_a_free_shape_is_drawn_where_its_offset_puts_it_and_turned_by_its_angle():
    item = shapes.Item("red", "square", "big", "center", (-5.0, 3.0), 0.6)
    scene = shapes.Scene("blue", (item,), free=True)
    x, y = adherence.centroid(shapes.render(scene))
    assert abs(x - 11.0) < 0.3 and abs(y - 19.0) < 0.3  # the centre (16, 16) moved by the offset
    upright = shapes.render(scene)
    turned = shapes.render(replace(scene, items=(replace(item, angle=45.0),)))
    # A square turned 45 degrees reaches further along the axes, less into the corners.
    is_red = lambda image: (image[..., 0] > 128) & (image[..., 2] < 128)  # noqa: E731
    assert is_red(turned)[19, 11 - 6] and not is_red(upright)[19, 11 - 6]
    assert is_red(upright)[19 - 4, 11 - 4] and not is_red(turned)[19 - 4, 11 - 4]
    triangle = replace(item, shape="triangle", angle=90.0)  # apex turned from up to the left
    image = shapes.render(replace(scene, items=(triangle,)))
    assert is_red(image)[19, 11 - 4] and not is_red(image)[19 - 4, 11]


def test_a_free_transition_keeps_the_layout_and_the_caption_without_size_or_position():
    targets, sources, captions = shapes.make_transition_batch(
        np.random.default_rng(11), 64, 1.0, 0.0, 1.0
    )
    changed = 0
    for target, source, text in zip(targets, sources, captions, strict=True):
        if " and " in text:
            continue
        assert not set(text.replace(",", "").split()) & set(shapes.SIZES)
        assert not any(phrase in text for phrase in shapes.POSITION_PHRASES.values())
        changed += not np.array_equal(target, source)
    assert changed > 30
    rng = np.random.default_rng(12)
    seen = set()
    for _ in range(200):
        scene = shapes.Scene(
            "blue",
            (shapes.free_item(rng, "red", "circle"),),
            frozenset({"size", "position"}),
            free=True,
        )
        source = shapes.changed(scene, rng)
        (a,), (b,) = scene.items, source.items
        assert (a.offset, a.scale, a.angle, a.size, a.position) == (
            b.offset,
            b.scale,
            b.angle,
            b.size,
            b.position,
        )
        assert source.omit == scene.omit and source.free
        seen |= {n for n in ("colour", "shape") if getattr(a, n) != getattr(b, n)}
        seen |= {"background"} if source.background != scene.background else set()
    assert seen == set(shapes.FREE_TRANSITIONS)


def test_a_moved_scene_is_drawn_where_the_chains_warp_carries_it():
    import camera_pairs

    from seqsampler.motion.transform import compose

    rng = np.random.default_rng(13)
    for _ in range(12):
        item = shapes.free_item(rng, "red", str(rng.choice(shapes.SHAPES)))
        item = replace(item, offset=(item.offset[0] / 3, item.offset[1] / 3), scale=0.6)
        scene = shapes.Scene("blue", (item,), frozenset({"size", "position"}), free=True)
        m = compose(*[camera_pairs.draw_move(rng)] * 4)  # four frames' moves: well past a pixel
        warped = camera_pairs.warp_image(shapes.render(scene), m)
        drawn = shapes.render(shapes.moved(scene, m)).astype(np.float32)
        # The same shape in the same place: only the bilinear warp's softer edges differ.
        assert np.abs(warped - drawn).mean() < 4.0
        (want, got) = (adherence.centroid(x.round().astype(np.uint8)) for x in (warped, drawn))
        assert np.hypot(want[0] - got[0], want[1] - got[1]) < 0.3
        assert np.hypot(want[0] - 16, want[1] - 16) > 1.0  # and it did move


def test_camera_pairs_warp_the_free_sources_and_cost_no_draw_when_off():
    import camera_pairs

    camera = (1.0, camera_pairs.draw_move, camera_pairs.warp_image)
    targets, sources, captions = shapes.make_transition_batch(
        np.random.default_rng(14), 48, 0.0, 0.0, 1.0, camera
    )
    assert sources.dtype == np.float32
    moved = [
        not np.array_equal(t, s) for t, s in zip(targets.astype(np.float32), sources, strict=True)
    ]
    pairs = [" and " in c for c in captions]
    assert all(m != p for m, p in zip(moved, pairs, strict=True))  # every free scene, no pair
    off = shapes.make_transition_batch(np.random.default_rng(14), 48, 0.3, 0.0, 0.5)
    again = shapes.make_transition_batch(np.random.default_rng(14), 48, 0.3, 0.0, 0.5, None)
    assert all(np.array_equal(a, b) for a, b in zip(off[:2], again[:2], strict=True))
    assert off[1].dtype == np.uint8
