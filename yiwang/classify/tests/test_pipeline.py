"""The pure pipeline: normalisation, the single-message fast path, duplicates, evaluation."""

import numpy as np
import opencc
import pytest

from yiwang.classify import pipeline as P


@pytest.fixture(scope="module")
def fitted(train_rows):
    return P.MessageClassifier().fit(
        [r["title"] for r in train_rows], [r["text"] for r in train_rows], [r["label"] for r in train_rows]
    )


def test_t2s_equals_opencc_on_simplified_and_traditional_text(test_rows):
    # given simplified messages, their traditional versions, and the phrase table's corner cases
    cc, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
    messages = [r["title"] + "。" + r["text"] for r in test_rows[::4]]
    samples = (
        messages
        + [s2t.convert(m) for m in messages]
        + [
            "请反覆核实后回覆",  # a phrase whose characters are unchanged on their own
            "反反覆覆反覆，反覆思維不瞭解情況",  # nested and repeated phrases across a separator
            "么麼么麽乾隆皇帝頭髮",
            "—－．／",  # separators stay as they are
            "",
        ]
    )
    for text in samples:
        # when / then
        assert P.to_simplified(text) == cc.convert(text), text[:30]
    assert P.normalise("ＡＢＣ１２３_x000D_學校") == "abc123 学校"


def test_single_message_path_scores_equal_the_batch_path(fitted, test_rows):
    # given
    titles = [r["title"] for r in test_rows]
    texts = [r["text"] for r in test_rows]
    # when
    batch = fitted.scores_many(titles, texts)
    single = np.array([fitted.scores(t, b) for t, b in zip(titles, texts, strict=True)])
    # then
    assert np.allclose(batch, single, atol=1e-4)


def test_the_optional_word_block_keeps_both_paths_equal(train_rows, test_rows):
    # given a model with jieba words as a third block
    rows = train_rows[::3]
    config = P.ModelConfig(blocks=("char", "title", "word"))
    model = P.MessageClassifier(config).fit(
        [r["title"] for r in rows], [r["text"] for r in rows], [r["label"] for r in rows]
    )
    sample = test_rows[::5]
    # when
    batch = model.scores_many([r["title"] for r in sample], [r["text"] for r in sample])
    single = np.array([model.scores(r["title"], r["text"]) for r in sample])
    # then
    assert [b.name for b in model.blocks] == ["char", "title", "word"]
    assert np.allclose(batch, single, atol=1e-4)


def test_prediction_has_label_confidence_and_top3(fitted, test_rows):
    # when
    p = fitted.predict(test_rows[0]["title"], test_rows[0]["text"]).as_dict()
    # then
    assert p["label"] in fitted.labels
    assert len(p["candidates"]) == 3 and p["candidates"][0]["label"] == p["label"]
    confidences = [c["confidence"] for c in p["candidates"]]
    assert confidences == sorted(confidences, reverse=True) and 0 < p["confidence"] <= 1


def test_traditional_text_is_classified_like_its_simplified_original(fitted, test_rows):
    # given the same messages written in traditional characters
    s2t = opencc.OpenCC("s2t")
    rows = test_rows[::7]
    for r in rows:
        # when
        simplified = fitted.predict(r["title"], r["text"])
        traditional = fitted.predict(s2t.convert(r["title"]), s2t.convert(r["text"]))
        # then
        assert traditional.label == simplified.label
        assert traditional.confidence == pytest.approx(simplified.confidence, abs=0.05)


def test_artifact_round_trip_keeps_predictions(fitted, test_rows):
    # when
    again = P.MessageClassifier.loads(fitted.dumps())
    # then
    r = test_rows[3]
    assert np.allclose(again.scores(r["title"], r["text"]), fitted.scores(r["title"], r["text"]))


def test_copies_and_segmented_copies_share_a_group_and_one_side_of_the_split():
    # given: an original, its exact copy with spaces, its word-segmented copy, and unrelated messages
    original = "我们小区的垃圾已经堆放了一个多月，严重影响居民生活，希望有关部门尽快清理。"
    texts = [
        original,
        " ".join(original[i : i + 7] for i in range(0, len(original), 7)),
        "小区 垃圾 已经 堆放 一个多月 严重 影响 居民 生活 希望 有关 部门 尽快 清理",
        "孩子今年九月上小学，请问学区是如何划分的？",
        "单位拖欠工资三个月了，劳动监察部门能否介入？",
    ] + [f"第{i}个无关的留言，内容是关于公交线路{i}路的调整。" for i in range(20)]
    labels = ["城乡建设"] * 3 + ["教育文体", "劳动和社会保障"] + ["交通运输"] * 20
    # when
    groups = P.duplicate_groups(texts)
    train, test = P.holdout_split(labels, groups, fraction=0.2)
    # then
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0] and groups[4] != groups[0]
    sides = {0 in train, 1 in train, 2 in train}
    assert len(sides) == 1
    assert not set(train) & set(test)


def test_evaluate_reports_the_interface_fields(fitted, test_rows):
    # when
    m = P.evaluate(
        fitted,
        [r["title"] for r in test_rows],
        [r["text"] for r in test_rows],
        [r["label"] for r in test_rows],
        timing_sample=20,
    )
    # then
    assert set(m) >= {"accuracy", "macro_f1", "per_label", "ms_per_message", "confusion"}
    assert set(m["per_label"]) == {r["label"] for r in test_rows}
    assert set(next(iter(m["per_label"].values()))) == {"precision", "recall", "f1", "support"}
    assert sum(map(sum, m["confusion"]["matrix"])) == len(test_rows)
    assert m["macro_f1"] > 0.5  # 40 messages per label already separate most categories


def test_read_rows_names_the_missing_columns(tmp_path):
    # given
    path = tmp_path / "bad.csv"
    path.write_text("id,body,category\n1,x,y\n", encoding="utf-8")
    # when / then
    with pytest.raises(P.DataError, match="title, text, label"):
        P.read_rows(path)
