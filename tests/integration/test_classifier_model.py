"""The classifier loads a bounded model (the shipped artifact + the learned statistics), not
every learned example, and what a dispatcher teaches reaches the next cold start."""

from __future__ import annotations

from chalicelib.adapters import classifier_store
from chalicelib.adapters.models import RegistryModel
from chalicelib.domain.classify import shipped_stats
from chalicelib.services import dispatch, intake, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
TEXT = "你好，我家楼下那个问题一直没人来看，麻烦回电"
# a second vague request: after the first correction the classifier is confident about TEXT
# itself, so teaching it twice takes two different texts
TEXTS = (TEXT, "喂，上回反映的事情到现在还是老样子，请尽快给我打个电话")


def _to_review_then_dispatch(stack, key: str, category: str, text: str) -> None:
    t = intake.submit({"type": "complaint", "description": text, "region_code": HONGQI,
                       "phone": "13812345678"}, citizen_id="wx:erin", channel="wechat",
                      idempotency_key=key)
    assert t["status"] == "submitted"          # too vague: the review queue (研判)
    staff.perform(DISPATCHER, t["id"], "dispatch",
                  {"unit_id": "u-vil-hongqi", "category": category})
    stack.outbox.drain()                      # the correction is learned by the outbox consumer


def test_a_correction_is_learned_into_the_stored_model_and_read_back_in_one_query(
        stack, no_escalation_timers, monkeypatch):
    shipped = shipped_stats()
    before = dispatch.classifier().suggest(TEXT)
    target = "A1001"
    for i in range(2):
        dispatch.reset_classifier()           # a cold start between corrections
        _to_review_then_dispatch(stack, f"k-learn-{i:04d}", target, TEXTS[i])
    stored = classifier_store.load()
    assert stored.n == 2 and list(stored.sums) == [target]

    queried = []
    original = RegistryModel.query.__func__

    def spy(cls, hash_key, *args, **kwargs):
        queried.append(hash_key)
        return original(cls, hash_key, *args, **kwargs)

    monkeypatch.setattr(RegistryModel, "query", classmethod(spy))
    dispatch.reset_classifier()
    fresh = dispatch.classifier()
    assert queried == [classifier_store.PK]    # never the "examples" items
    assert fresh.stats().n == shipped.n + stored.n
    after = fresh.suggest(TEXT)
    assert dict(after.scores).get(target, 0) > dict(before.scores).get(target, 0)


def test_concurrent_learners_do_not_lose_an_example(stack):
    """Two processes add examples from the same stale read: the version condition makes the
    second retry on top of the first."""
    clf = dispatch.classifier()
    a = clf.example_stats("小区门口有人占道摆摊", "A0101")
    b = clf.example_stats("路边摊贩占道经营", "A0101")
    calls = {"n": 0}
    real_get = classifier_store._get

    def stale_get(sk):
        calls["n"] += 1
        if calls["n"] <= 2:                    # the first attempt reads before the other write
            item = real_get(sk)
            if calls["n"] == 2:
                classifier_store.add(b, 1.0, ticket_id="T-B", text="路边摊贩占道经营")
            return item
        return real_get(sk)

    classifier_store._get, saved = stale_get, classifier_store._get
    try:
        assert classifier_store.add(a, 2.0, ticket_id="T-A", text="小区门口有人占道摆摊")
    finally:
        classifier_store._get = saved
    stored = classifier_store.load()
    assert stored.n == 2
    assert stored.to_dict()["sums"]["A0101"] == a.merge(b).to_dict()["sums"]["A0101"]


def test_a_redelivered_correction_is_learned_once(stack):
    """Learning runs in the outbox consumer, which may see a record twice: the example's own
    record is written in the same transaction, so the second delivery adds nothing."""
    example = dispatch.classifier().example_stats("小区门口有人占道摆摊", "A0101")
    assert classifier_store.add(example, 1.0, ticket_id="T-1", text="小区门口有人占道摆摊")
    assert not classifier_store.add(example, 2.0, ticket_id="T-1", text="小区门口有人占道摆摊")
    assert classifier_store.load().n == 1
