import pytest

from chalicelib.domain.catalog import load_categories, load_routed_examples
from chalicelib.domain.classify import Classifier, Suggestion, default_classifier, tokenize
from chalicelib.domain.routing import DEFAULT_THRESHOLD

THRESHOLD = DEFAULT_THRESHOLD


@pytest.fixture(scope="module")
def categories():
    return load_categories()


@pytest.fixture(scope="module")
def examples():
    return load_routed_examples()


@pytest.fixture(scope="module")
def classifier(categories, examples):
    return Classifier(categories, examples)


def _code(categories, name):
    (code,) = [c.code for c in categories if c.name == name and c.level == 2]
    return code


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("小区门口有人占道摆摊卖菜", "占道经营"),
        ("楼道里有很浓的煤气味，怀疑燃气泄漏", "燃气泄漏"),
        ("后山发生山体滑坡，泥石流冲到了村民房子边", "地质灾害"),
        ("包工头拖欠农民工工资半年了", "拖欠工资"),
        ("网吧让未成年人进去上网", "文化市场"),
        ("楼下烧烤店的油烟熏得我家窗户都不敢开", "餐饮油烟"),
        ("小区电梯故障，有人被困在电梯里", "电梯故障"),
        ("十字路口的红绿灯坏了，车辆乱成一团", "交通信号设施"),
        ("我家附近的路灯晚上不亮", "路灯照明"),
        ("超市卖过期变质的食品", "食品安全"),
    ],
)
def test_clear_texts(classifier, categories, text, name):
    suggestion = classifier.suggest(text)
    assert suggestion.category == _code(categories, name), suggestion
    assert suggestion.confidence >= 0.6, suggestion
    assert suggestion.scores[0] == (suggestion.category, suggestion.confidence)


@pytest.mark.parametrize(
    "text", ["我有个问题想问一下", "你好", "这个事情你们管不管", "我要投诉", "孩子上学的事情"]
)
def test_vague_texts_are_below_threshold(classifier, text):
    assert classifier.suggest(text).confidence < THRESHOLD


@pytest.mark.parametrize("text", ["", "   ", "？？？", "asdf qwer", "……"])
def test_empty_or_garbage_text(classifier, text):
    suggestion = classifier.suggest(text)
    assert suggestion == Suggestion(None, 0.0, ())


def test_competing_categories_lower_confidence(classifier):
    # 楼上 (neighbours) and 漏水 (house quality) pull apart: not confident enough to auto-route
    assert classifier.suggest("楼上漏水").confidence < THRESHOLD


def test_scores_are_sorted_and_bounded(classifier):
    suggestion = classifier.suggest("工地夜间施工噪音太大，还有扬尘")
    values = [score for _, score in suggestion.scores]
    assert values == sorted(values, reverse=True)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert 0.0 <= suggestion.confidence <= 1.0
    assert len(suggestion.scores) <= 5
    assert sum(values) <= 1.0 + 1e-6


def test_longer_keyword_hides_the_shorter_one(classifier, categories):
    # "突然停电" (突发停电, emergency) contains "停电" (供电服务)
    suggestion = classifier.suggest("家里突然停电了")
    assert suggestion.category == _code(categories, "突发停电")


def test_keywords_alone_work_without_examples(categories):
    bare = Classifier(categories)
    suggestion = bare.suggest("小区门口有人占道摆摊卖菜")
    assert suggestion.category == _code(categories, "占道经营")
    assert suggestion.confidence >= 0.6


def test_learn_changes_the_result(categories):
    clf = Classifier(categories)
    text = "无人机又在楼顶上空盘旋偷拍"
    security = _code(categories, "社会治安")
    before = clf.suggest(text)
    assert before.category != security
    for sample in ("有人操控无人机在小区上空盘旋偷拍住户", "晚上总有无人机盘旋，怀疑在偷拍"):
        clf.learn(sample, security)
    after = clf.suggest(text)
    assert after.category == security
    assert after.confidence > before.confidence


def test_learn_rejects_unknown_category(categories):
    clf = Classifier(categories)
    with pytest.raises(ValueError):
        clf.learn("随便说说", "Z9999")
    with pytest.raises(ValueError):
        clf.learn("城市管理的事", "A01")  # majors are not targets
    with pytest.raises(ValueError):
        Classifier(categories, [("文本", "Z9999")])


def test_holdout_accuracy(categories, examples):
    train = [e for i, e in enumerate(examples) if i % 5 != 0]
    test = [e for i, e in enumerate(examples) if i % 5 == 0]
    assert len(test) >= 20
    clf = Classifier(categories, train)
    hits = sum(clf.suggest(text).category == category for text, category in test)
    assert hits / len(test) >= 0.7, f"{hits}/{len(test)}"


def test_tokenize_drops_noise():
    tokens = tokenize("请问，小区门口有人占道摆摊！！")
    assert "摆摊" in tokens and "门口" in tokens
    assert "请问" not in tokens and "！！" not in tokens
    assert tokenize("") == []


def test_default_classifier_is_cached():
    assert default_classifier() is default_classifier()
    assert default_classifier().suggest("燃气泄漏了").category == "A0901"


# --- the compact model (Stats) -------------------------------------------------------------

def test_the_shipped_model_artifact_is_a_fresh_build_of_the_routed_examples(categories, examples):
    import json

    from chalicelib.domain.classify import MODEL_FILE

    fresh = Classifier(categories, examples).stats().to_dict()
    assert json.loads(MODEL_FILE.read_text(encoding="utf-8")) == fresh, \
        "run: .venv/bin/python -m chalicelib.domain.classify"


def test_the_artifact_classifies_exactly_as_the_examples_do(categories, examples):
    """Accuracy on data/routed_examples.json is identical whether the classifier tokenises every
    example (as each cold start did) or loads the artifact: the same suggestion for each text."""
    from chalicelib.domain.classify import shipped_stats

    from_examples = Classifier(categories, examples)
    from_artifact = Classifier(categories, stats=shipped_stats())
    for text, _ in examples:
        a, b = from_examples.suggest(text), from_artifact.suggest(text)
        assert (a.category, round(a.confidence, 3)) == (b.category, round(b.confidence, 3)), text
    hits = sum(from_artifact.suggest(t).category == c for t, c in examples)
    assert hits == sum(from_examples.suggest(t).category == c for t, c in examples)


def test_stats_of_two_halves_merge_into_the_stats_of_the_whole(categories, examples):
    first, second = examples[::2], examples[1::2]
    whole = Classifier(categories, examples).stats()
    merged = Classifier(categories, first).stats().merge(Classifier(categories, second).stats())
    assert merged.to_dict() == whole.to_dict()


def test_learned_stats_change_suggestions_like_learned_examples(categories):
    text = "有人操控无人机在小区上空盘旋偷拍住户"
    security = _code(categories, "社会治安")
    by_example, by_stats = Classifier(categories), Classifier(categories)
    for _ in range(3):
        by_example.learn(text, security)
        by_stats.learn_stats(by_stats.example_stats(text, security))
    assert by_example.suggest(text) == by_stats.suggest(text)
    assert by_stats.suggest(text).category == security


def test_holdout_accuracy_is_unchanged_by_the_model_form(categories, examples):
    """5-fold holdout on data/routed_examples.json: 213 of 225 before the Stats model
    (per-example tf-idf vectors) and after (bench/accuracy.py, docs/performance.md)."""
    hits = []
    for fold in range(5):
        train = [e for i, e in enumerate(examples) if i % 5 != fold]
        clf = Classifier(categories, train)
        hits.append(sum(clf.suggest(t).category == c
                        for i, (t, c) in enumerate(examples) if i % 5 == fold))
    assert hits == [43, 42, 44, 43, 41]
