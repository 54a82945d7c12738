"""One hash for every stored token (devices, exchange accounts): a token that cannot be encoded
(a lone surrogate, which JSON allows) finds nobody instead of raising."""

import pytest

from core.tokens import token_hash


def test_same_token_same_hash_and_a_lone_surrogate_does_not_raise():
    assert token_hash("abc") == token_hash("abc") != token_hash("abd")
    assert len(token_hash("\ud800")) == 64


@pytest.mark.django_db
def test_a_device_is_found_by_its_token_and_a_lone_surrogate_finds_no_one(make_device):
    from devices import sources

    device, token = make_device("GWT1")
    assert sources.token(token).code == "GWT1"
    assert sources.token("\ud800" + token[1:]) is None
