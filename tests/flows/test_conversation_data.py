"""What a conversation carries between steps: a declared type, stored as the same JSON as before."""

from __future__ import annotations

import pytest

from flows.model import Conversation, ConversationData
from flows.states import MENU, SUMMARY


def test_a_change_to_an_undeclared_key_is_refused() -> None:
    """Check that a step cannot carry a key the type does not declare, nor a value of the wrong
    kind: the mistake shows in the test run, not as a lost place in a client's conversation."""
    conv = Conversation(MENU)
    with pytest.raises(TypeError, match="carries no 'pgae'"):
        conv.moved(MENU, pgae=1)
    with pytest.raises(TypeError, match="'page' cannot be"):
        conv.moved(MENU, page="1")


def test_none_sets_a_field_back_and_only_changed_fields_are_stored() -> None:
    """Check that None drops a field (as before) and that the stored JSON holds only what differs
    from the defaults, so an untouched conversation stores an empty object."""
    conv = Conversation(MENU).moved(SUMMARY, editing=True, picked=("a",), resume=MENU)
    assert conv.data.to_json() == {"editing": True, "picked": ["a"], "resume": MENU}
    assert conv.afresh(MENU).data == ConversationData()
    assert conv.afresh(MENU, keep_resume=True).data.to_json() == {"resume": MENU}
    assert ConversationData.from_json(conv.data.to_json()) == conv.data


@pytest.mark.parametrize("stored", [None, [], "menu", {"page": True}, {"picked": [1, 2]}])
def test_unreadable_stored_data_loads_as_a_fresh_start(stored: object) -> None:
    """Check that stored data of the wrong shape is read as nothing set, never as an error."""
    assert ConversationData.from_json(stored) == ConversationData()
