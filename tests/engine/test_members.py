"""The members registry: several identifiers per member, any one finds it, several must agree."""

from __future__ import annotations

import pytest

from voucher_engine import Member
from voucher_engine.errors import IdentifiersDisagree, MemberNotFound, TenantNotFound, ValidationError

ANN = {"username": "ann", "member_number": "M-1", "card_number": "C-1", "external:crm": "crm-77"}


def test_any_identifier_finds_the_member_and_several_must_agree(engine, clock):
    ann = engine.put_member("acme", ANN)
    assert isinstance(ann, Member) and isinstance(ann.id, int)
    assert (ann.tenant_id, ann.identifiers, ann.created_at) == ("acme", ANN, clock.now())
    for kind, value in ANN.items():
        assert engine.find_member("acme", identifiers={kind: value}) == ann
    assert engine.find_member("acme", member_id=ann.id) == ann
    assert engine.find_member("acme", member_id=ann.id, identifiers={"username": "ann", "card_number": "C-1"}) == ann
    # An identifier nobody has is passed over when another one finds the member.
    assert engine.find_member("acme", identifiers={"username": "ann", "referral_code": "nobody"}) == ann

    bob = engine.put_member("acme", {"username": "bob", "referral_code": "R-B"})
    assert bob.id != ann.id
    with pytest.raises(IdentifiersDisagree):
        engine.find_member("acme", identifiers={"username": "ann", "referral_code": "R-B"})
    with pytest.raises(IdentifiersDisagree):
        engine.find_member("acme", member_id=bob.id, identifiers={"card_number": "C-1"})
    with pytest.raises(MemberNotFound):
        engine.find_member("acme", identifiers={"username": "carol"})
    with pytest.raises(MemberNotFound):
        engine.find_member("acme", member_id=10**9)
    assert [e.payload["kinds"] for e in engine.events("acme", type="member.created")] == [
        sorted(ANN),
        ["referral_code", "username"],
    ]


def test_put_adds_and_replaces_identifiers_of_the_member_they_name(engine):
    ann = engine.put_member("acme", {"username": "ann", "card_number": "C-1"})
    assert engine.put_member("acme", {"username": "ann"}) == ann  # nothing new: unchanged, no event
    assert engine.events("acme", type="member.updated") == []

    more = engine.put_member("acme", {"username": "ann", "member_number": "M-1"})
    assert (more.id, more.identifiers) == (ann.id, {"card_number": "C-1", "member_number": "M-1", "username": "ann"})
    # A new card replaces the old one, which then finds nobody (and may go to someone else).
    replaced = engine.put_member("acme", {"card_number": "C-2"}, member_id=ann.id)
    assert replaced.identifiers["card_number"] == "C-2"
    assert engine.find_member("acme", identifiers={"card_number": "C-2"}).id == ann.id
    with pytest.raises(MemberNotFound):
        engine.find_member("acme", identifiers={"card_number": "C-1"})
    bob = engine.put_member("acme", {"username": "bob", "card_number": "C-1"})
    assert engine.find_member("acme", identifiers={"card_number": "C-1"}) == bob
    assert [e.payload["kinds"] for e in engine.events("acme", type="member.updated")] == [
        ["member_number"],
        ["card_number"],
    ]

    # Identifiers of two members, or of another member than the one named: refused, no change.
    before = (engine.find_member("acme", member_id=ann.id), engine.find_member("acme", member_id=bob.id))
    with pytest.raises(IdentifiersDisagree):
        engine.put_member("acme", {"username": "ann", "card_number": "C-1"})
    with pytest.raises(IdentifiersDisagree):
        engine.put_member("acme", {"username": "bob"}, member_id=ann.id)
    with pytest.raises(MemberNotFound):
        engine.put_member("acme", {"username": "zed"}, member_id=10**9)
    assert (engine.find_member("acme", member_id=ann.id), engine.find_member("acme", member_id=bob.id)) == before


def test_members_are_per_tenant(engine):
    ann = engine.put_member("acme", {"username": "ann"})
    with pytest.raises(MemberNotFound):
        engine.find_member("globex", identifiers={"username": "ann"})
    with pytest.raises(MemberNotFound):
        engine.find_member("globex", member_id=ann.id)
    with pytest.raises(MemberNotFound):
        engine.put_member("globex", {"username": "x"}, member_id=ann.id)
    theirs = engine.put_member("globex", {"username": "ann"})  # the same name, another tenant
    assert theirs.id != ann.id
    assert engine.find_member("acme", identifiers={"username": "ann"}) == ann
    assert engine.find_member("globex", identifiers={"username": "ann"}) == theirs
    with pytest.raises(TenantNotFound):
        engine.put_member("initech", {"username": "ann"})


def test_bad_identifiers_are_refused_and_write_nothing(engine):
    for bad in (
        {},
        {"User Name": "ann"},
        {"username": ""},
        {"username": " ann"},
        {"username": "x" * 256},
        {"username": 7},
        {"external:": "x"},
        {"k" * 33: "x"},
    ):
        with pytest.raises(ValidationError):
            engine.put_member("acme", bad)
    with pytest.raises(ValidationError):
        engine.find_member("acme")
    for bad_id in (0, -1, "1", 2**63):
        with pytest.raises(ValidationError):
            engine.find_member("acme", member_id=bad_id)
    assert engine.events("acme", type="member.created") == []
    assert engine.put_member("acme", {"external:loyalty-app": "u-1"}).identifiers == {"external:loyalty-app": "u-1"}
