"""Devices Celesta deploys to. ``celesta.devices.xylo`` holds the Xylo family."""

from . import xylo

__all__ = ["xylo"]
