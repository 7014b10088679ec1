"""The JSON columns' text (``store._json``) reads back as ``json.dumps``'s would."""

from __future__ import annotations

import json
from collections import OrderedDict
from email.message import EmailMessage
from email.policy import default

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.store._json import dumps

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@given(values)
def test_reads_back_as_json_dumps_writes(value):
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))


def test_subclasses_of_json_types_are_written_as_their_base():
    message = EmailMessage(policy=default)
    message["Message-ID"] = "<a@b>"
    value = {"id": message["Message-ID"], "o": OrderedDict(b=1), "t": (1, 2), "text": "ü 😡"}
    assert json.loads(dumps(value)) == json.loads(json.dumps(value))
    assert "ü 😡" in dumps(value)  # as it is, not escaped


def test_what_json_cannot_write_is_refused_alike():
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        dumps({"x": object()})
