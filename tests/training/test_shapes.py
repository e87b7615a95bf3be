"""The embedded model's procedural data, its word tokenizer, and the adherence measurer."""

from __future__ import annotations

import adherence
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
    assert "dog, orange" in message
    for word in VOCABULARY:
        assert word in message.split("it knows:")[1]
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
