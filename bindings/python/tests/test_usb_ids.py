"""USB ids registered by call: checked, and harmless on a machine without boards."""

import pytest

import celesta
from celesta.devices import find_xylo_hdks, register_xylo_usb_id


def test_registering_ids():
    register_xylo_usb_id(0x1234, 0xABCD, "xa3")
    register_xylo_usb_id(0x1234, 0xABCD, "syns61201")  # the latest wins; no error
    hdks, modules, versions = find_xylo_hdks(virtual="xa2")  # no boards here: the virtual kit only
    assert versions == ["syns61201"] and modules[0].__name__.endswith("syns61201")


def test_bad_registrations():
    with pytest.raises(celesta.NotFoundError, match="xa9"):
        register_xylo_usb_id(1, 2, "xa9")
    for vid, pid in ((-1, 2), (0x10000, 2), (1, 0x10000)):
        with pytest.raises(ValueError, match="16-bit"):
            register_xylo_usb_id(vid, pid, "xa3")
